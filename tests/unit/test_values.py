"""The one date and time parser, the key normaliser and per-distinct-value mapping of the
readers (`citizen_metrics.ingest.readers.values`)."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from citizen_metrics.ingest.readers import values
from citizen_metrics.ingest.readers.values import identifier, map_distinct, parse_cells


def date_of(text: str) -> dt.date | None:
    return parse_cells({"d": (pa.array([text]), None)})["d"][0].as_py()


def instant_of(text: str, zone: str = "UTC") -> dt.datetime | None:
    return parse_cells({"t": (pa.array([text]), zone)})["t"][0].as_py()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01/03/2022", dt.date(2022, 3, 1)),  # day first
        ("1/3/2022", dt.date(2022, 3, 1)),
        ("01-03-2022", dt.date(2022, 3, 1)),
        ("01.03.2022", dt.date(2022, 3, 1)),
        (" 01 / 03 / 2022 ", dt.date(2022, 3, 1)),
        ("13/12/2022", dt.date(2022, 12, 13)),
        ("12/13/2022", None),  # month-first is not accepted
        ("01/03-2022", None),  # two different separators
        ("2022-03-01", dt.date(2022, 3, 1)),
        ("2022/03/01", dt.date(2022, 3, 1)),
        ("2022-03-01 00:00:00", dt.date(2022, 3, 1)),  # an Excel date cell, as fastexcel reads it
        ("2022-03-01T10:02:11", dt.date(2022, 3, 1)),
        ("2022-03-14T00:30:00.000+01:00", dt.date(2022, 3, 14)),  # the date as written
        ("٠١/٠٣/٢٠٢٢", dt.date(2022, 3, 1)),
        ("٢٠٢٢-٠٣-٠١", dt.date(2022, 3, 1)),
        ("44621", dt.date(2022, 3, 1)),  # Excel serial
        ("44621.99", dt.date(2022, 3, 1)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("31/02/2022", None),  # impossible
        ("29/02/2023", None),
        ("00/03/2022", None),
        ("01/13/2022", None),
        ("01/03/22", None),  # two-digit year
        ("2022", None),
        ("1000", None),  # not a plausible serial
        ("hier", None),
        ("01/03/2022 n'importe quoi", None),
        ("infinity", None),
        ("", None),
    ],
)
def test_dates(value: str, expected: dt.date | None) -> None:
    assert date_of(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-03-14T10:02:11.000+01:00", dt.datetime(2022, 3, 14, 9, 2, 11)),
        ("2022-03-14T10:02:11+0100", dt.datetime(2022, 3, 14, 9, 2, 11)),
        ("2022-03-14T10:02:11-05:30", dt.datetime(2022, 3, 14, 15, 32, 11)),
        ("2022-03-14T09:12:44", dt.datetime(2022, 3, 14, 9, 12, 44)),  # Kobo: UTC
        ("2022-03-14 09:12:44", dt.datetime(2022, 3, 14, 9, 12, 44)),
        ("2022-03-14T09:12:44.123Z", dt.datetime(2022, 3, 14, 9, 12, 44, 123000)),
        ("2022-03-14", dt.datetime(2022, 3, 14)),
        ("14/03/2022 10:02", dt.datetime(2022, 3, 14, 10, 2)),
        ("14/03/2022 10h02", dt.datetime(2022, 3, 14, 10, 2)),
        ("٢٠٢٢-٠٣-١٤T١٠:٠٢:١١", dt.datetime(2022, 3, 14, 10, 2, 11)),
        ("44634.5", dt.datetime(2022, 3, 14, 12)),
        ("44634.25", dt.datetime(2022, 3, 14, 6)),
        ("2022-03-14T25:00:00", None),
        ("2022-02-31T10:00:00", None),
        ("10:02", None),
        ("12", None),
    ],
)
def test_instants_in_utc(value: str, expected: dt.datetime | None) -> None:
    assert instant_of(value) == expected


def test_times_without_offset_are_local_time_of_the_zone_given() -> None:
    # Morocco is UTC+1, but UTC+0 during Ramadan (27 March - 8 May 2022): the tz database
    # decides, not a fixed offset. A time with an offset keeps it.
    zone = "Africa/Casablanca"
    assert instant_of("2022-03-14 10:00:00", zone) == dt.datetime(2022, 3, 14, 9)
    assert instant_of("2022-04-10 10:00:00", zone) == dt.datetime(2022, 4, 10, 10)
    assert instant_of("2022-01-01 00:30:00", zone) == dt.datetime(2021, 12, 31, 23, 30)
    assert instant_of("2022-04-10T10:00:00+01:00", zone) == dt.datetime(2022, 4, 10, 9)


def test_columns_keep_their_row_order_and_types() -> None:
    # More rows than one DuckDB vector, so that the scan runs in parallel.
    days = [dt.date(2022, 1, 1) + dt.timedelta(days=i % 700) for i in range(50_000)]
    texts = pa.array([day.strftime("%d/%m/%Y") for day in days])
    parsed = parse_cells({"day": (texts, None), "at": (texts, "UTC")})
    assert parsed["day"].type == pa.date32() and parsed["at"].type == pa.timestamp("us")
    assert parsed["day"].to_pylist() == days
    assert parsed["at"].to_pylist() == [dt.datetime(d.year, d.month, d.day) for d in days]


def test_identifiers_typed_by_hand_are_one_key() -> None:
    assert identifier(" atl-bml-001 ") == identifier("ATL - BML - 001") == "ATL-BML-001"
    assert identifier("Enq\u200e07") == "ENQ07"  # an invisible mark copied from a phone
    assert identifier("  ") is None


def test_map_distinct_calls_once_per_value_and_keeps_nulls() -> None:
    calls: list[str] = []

    def spy(value: str) -> str | None:
        calls.append(value)
        return value.upper() or None

    column = pa.array(["f", "h", None, "f", "", "h"] * 1000)
    mapped = map_distinct(column, spy)
    assert sorted(calls) == ["", "f", "h"]
    assert mapped.to_pylist()[:6] == ["F", "H", None, "F", None, "H"]
    ages = map_distinct(pa.array(["34", "x"]), lambda v: int(v) if v.isdigit() else None,
                        pa.int32())
    assert ages.type == pa.int32() and ages.to_pylist() == [34, None]


def test_map_distinct_encoded_is_the_same_column_stored_once_per_value() -> None:
    column = pa.array(["f", "h", None, "f", "", "h"] * 1000)
    plain = map_distinct(column, lambda value: value.upper() or None)
    encoded = map_distinct(column, lambda value: value.upper() or None, encoded=True)
    assert pa.types.is_dictionary(encoded.type)
    assert encoded.to_pylist() == plain.to_pylist()
    # A value mapped to None is a missing row, not a present row whose value is missing.
    assert pc.is_valid(encoded).to_pylist() == pc.is_valid(plain).to_pylist()
    assert encoded.null_count == plain.null_count == 2000


def test_plain_iso_instants_read_by_arrow_agree_with_the_sql_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Kobo's device times (with offsets, down to microseconds) and `_submission_time` (UTC,
    # without), blanks, and one value out of range that sends the column to the parser.
    generator = random.Random(7)
    start = dt.datetime(2022, 1, 1)
    offsets = ["+01:00", "+00:00", "Z", "-05:30"]
    with_offset = [
        (start + dt.timedelta(seconds=generator.randrange(0, 3 * 365 * 86400),
                              microseconds=generator.randrange(0, 10**6)))
        .isoformat(timespec=generator.choice(["seconds", "milliseconds", "microseconds"]))
        + generator.choice(offsets)
        for _ in range(3000)
    ] + ["", None]
    without_offset = [text[:19] for text in with_offset if text] + [None]
    columns = {
        "device": (pa.array(with_offset), "Africa/Casablanca"),
        "device_utc": (pa.array(with_offset), "UTC"),
        "submitted": (pa.array(without_offset), "UTC"),
        "local": (pa.array(without_offset), "Africa/Casablanca"),
        "out_of_range": (pa.array([*with_offset[:10], "2022-02-30T10:00:00Z"]), "UTC"),
    }
    assert values._iso_instants(*columns["device"]) is not None
    assert values._iso_instants(*columns["submitted"]) is not None
    assert values._iso_instants(*columns["local"]) is None  # needs the tz database
    assert values._iso_instants(*columns["out_of_range"]) is None
    fast = parse_cells(columns)
    monkeypatch.setattr(values, "_iso_instants", lambda texts, zone: None)
    assert fast == parse_cells(columns)
    assert fast["submitted"][0].as_py() == dt.datetime.fromisoformat(without_offset[0])
