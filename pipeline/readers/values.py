"""Typed values out of text cells, the same way for survey exports and registers.

- Dates and times: one parser, in DuckDB SQL, run on the Arrow columns of a batch. A cell may
  hold ISO text with or without an offset (`2022-03-14T10:02:11.000+01:00`, Kobo, ODK), a
  date typed day first (`14/03/2022`, `14-03-2022 10h30`: the clerks are French-speaking), an
  Excel serial day number (44634.5), in ASCII or Arabic-Indic digits. A time with an offset
  is exact; one without is local time of the zone given (the device's for `start`/`end`, UTC
  for Kobo's `_submission_time`). DuckDB's ICU extension applies the tz database, so Morocco's
  Ramadan hour is followed. Anything else is NULL: the row is kept, the time is unknown.
- Keys typed by hand (workshop ids, expert, enumerator and paper questionnaire codes): one
  normaliser, `identifier`, on `match_key` (case, accents, spacing).
- Any other per-value mapping runs once per distinct value of a column (`map_distinct`):
  exports repeat a few dozen answers a lot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.normalise import clean_text
from pipeline.xlsform import header_key

match_key = header_key

# Digits of Arabic script and the Arabic decimal separator, and the invisible marks that
# phones and Arabic Excel leave in copied text (bidi marks, zero-width space, BOM, soft
# hyphen): translated to ASCII digits and removed before a value is parsed.
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫"
_ASCII_DIGITS = "01234567890123456789."
_INVISIBLE = (
    "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)

# A date written day first, with one separator (`/`, `.` or `-`), and an optional time with
# `:` or `h` (`10h30`), seconds and a fraction with `.` or `,`. RE2 has no back-references:
# the two separators are captured and compared.
_DAY_FIRST = (
    r"^(\d{1,2}) ?([/.\-]) ?(\d{1,2}) ?([/.\-]) ?(\d{4})"
    r"(?:[T ]+(\d{1,2})[:hH](\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$"
)
# A year-first date with `/` or `.` (ISO's `-` is read by DuckDB's own cast).
_YEAR_FIRST = r"^(\d{4}) ?([/.]) ?(\d{1,2}) ?([/.]) ?(\d{1,2})$"
# A time written with its offset (`…T10:02:11.000+01:00`, `…Z`): the offset decides.
_OFFSET = r":\d\d(\.\d*)?\s*([zZ]|[+-]\d\d(:?\d\d)?)$"

MACROS = f"""
-- The text of a cell as typed: Arabic-Indic digits as ASCII, invisible marks removed,
-- runs of spaces (no-break spaces too) collapsed, ends trimmed.
create or replace macro cell_text(x) as
    trim(regexp_replace(translate(x, '{_ARABIC_DIGITS}{_INVISIBLE}', '{_ASCII_DIGITS}'),
                        '[\\s\\x{{00a0}}]+', ' ', 'g'));

-- An Excel serial day number (1900 system) in its plausible range, else NULL.
create or replace macro excel_serial(x) as
    case when try_cast(x as double) between 20000 and 80000 then try_cast(x as double) end;

-- The date and time as written, without applying any offset: ISO text (DuckDB's cast), a
-- date typed day first or year first with an optional time, or an Excel serial day number.
create or replace macro written_timestamp(raw) as (
    with cell as (select cell_text(raw) as x)
    select coalesce(
        case when regexp_matches(x, '^\\d{{4}}-') then try_cast(x as timestamp) end,
        case when regexp_extract(x, '{_DAY_FIRST}', 2) = regexp_extract(x, '{_DAY_FIRST}', 4)
             then try_cast(
                 regexp_extract(x, '{_DAY_FIRST}', 5) || '-' || regexp_extract(x, '{_DAY_FIRST}', 3)
                 || '-' || regexp_extract(x, '{_DAY_FIRST}', 1) || ' '
                 || coalesce(nullif(regexp_extract(x, '{_DAY_FIRST}', 6), ''), '0') || ':'
                 || coalesce(nullif(regexp_extract(x, '{_DAY_FIRST}', 7), ''), '00') || ':'
                 || coalesce(nullif(regexp_extract(x, '{_DAY_FIRST}', 8), ''), '00') || '.'
                 || coalesce(nullif(regexp_extract(x, '{_DAY_FIRST}', 9), ''), '0')
                 as timestamp) end,
        case when regexp_extract(x, '{_YEAR_FIRST}', 2) = regexp_extract(x, '{_YEAR_FIRST}', 4)
             then try_cast(
                 regexp_extract(x, '{_YEAR_FIRST}', 1) || '-'
                 || regexp_extract(x, '{_YEAR_FIRST}', 3) || '-'
                 || regexp_extract(x, '{_YEAR_FIRST}', 5) as timestamp) end,
        timestamp '1899-12-30'
            + to_microseconds(cast(round(excel_serial(x) * 86400000000) as bigint))
    ) from cell
);

-- An instant (UTC, without zone) from a cell: exact when the text carries its offset, else
-- the written time read as local time of `naive_zone`.
create or replace macro cell_instant(raw, naive_zone) as
    timezone('UTC', case when regexp_matches(cell_text(raw), '{_OFFSET}')
                         then try_cast(cell_text(raw) as timestamptz)
                         else timezone(naive_zone, written_timestamp(raw)) end);

-- A calendar date from a cell: the date as written (an offset is not applied); an Excel
-- serial counts its whole days.
create or replace macro cell_date(raw) as
    coalesce(cast(written_timestamp(raw) as date),
             date '1899-12-30' + cast(floor(excel_serial(cell_text(raw))) as integer));
"""


def _connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that knows the parsing macros, in UTC."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(MACROS)
    return con


_PARSER: duckdb.DuckDBPyConnection | None = None


def _parser() -> duckdb.DuckDBPyConnection:
    global _PARSER
    if _PARSER is None:
        _PARSER = _connection()
    return _PARSER


def parse_cells(columns: Mapping[str, tuple[pa.Array, str | None]]) -> dict[str, pa.Array]:
    """Dates and instants out of text columns, in one pass.

    `columns` maps an output name to (text column, zone): with a zone, the column becomes an
    instant (`timestamp[us]`, UTC) read as local time of that zone when it has no offset;
    without, a calendar date (`date32`).
    """
    if not columns:
        return {}
    names = list(columns)
    cells = pa.table({f"c{i}": columns[name][0] for i, name in enumerate(names)})
    # DuckDB scans in parallel: the row position puts the result back in the input's order.
    cells = cells.append_column("position", pa.array(range(cells.num_rows), pa.int64()))
    select = ", ".join(
        f"cell_instant(c{i}, '{zone}')::timestamp as c{i}" if zone is not None
        else f"cell_date(c{i}) as c{i}"
        for i, zone in enumerate(columns[name][1] for name in names)
    )
    con = _parser().cursor()
    try:
        con.register("cells", cells)
        parsed = con.sql(f"select {select} from cells order by position").to_arrow_table()
    finally:
        con.close()
    return {name: parsed.column(i).combine_chunks() for i, name in enumerate(names)}


def map_distinct(
    column: pa.Array | pa.ChunkedArray,
    mapper: Callable[[str], object],
    type: pa.DataType | None = None,
) -> pa.Array:
    """Apply `mapper` once per distinct value of a text column and broadcast the results
    (None stays a missing value). A column of a million rows holds a few dozen spellings."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    mapped = pa.array([mapper(value) for value in encoded.dictionary.to_pylist()],
                      type or pa.string())
    return pc.take(mapped, encoded.indices)


def identifier(value: str) -> str | None:
    """A code typed by hand (workshop id, expert, enumerator or questionnaire code) as one
    key: case, accents and spacing do not matter; blank is None."""
    text = clean_text(value)
    return match_key(text).upper() or None if text else None
