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

import threading
from collections.abc import Callable, Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from citizen_metrics.ingest.normalise import clean_text
from citizen_metrics.ingest.xlsform import header_key

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

# The SQL of the parser, as expressions over a column of cell text (`__cell__`), already
# cleaned by `CELL_TEXT` (Arabic-Indic digits as ASCII, invisible marks removed, spaces
# collapsed and trimmed). No subquery: DuckDB runs them vectorised, and a branch of a CASE
# only on the rows that reach it, so the common ISO text costs one cast.
CELL_TEXT = (
    # Printable ASCII words between single spaces (what exports hold) are clean already.
    "case when regexp_full_match(__cell__, '([!-~]+( [!-~]+)*)?') then __cell__ "
    f"else trim(regexp_replace(translate(__cell__, '{_ARABIC_DIGITS}{_INVISIBLE}', "
    f"'{_ASCII_DIGITS}'), '[\\s\\x{{00a0}}]+', ' ', 'g')) end"
)
# An Excel serial day number (1900 system) in its plausible range.
_SERIAL = ("(case when try_cast(__cell__ as double) between 20000 and 80000 "
           "then try_cast(__cell__ as double) end)")
_DAY = ("regexp_extract(__cell__, '" + _DAY_FIRST
        + "', ['d', 's1', 'm', 's2', 'y', 'h', 'mi', 's', 'f'])")
_YEAR = "regexp_extract(__cell__, '" + _YEAR_FIRST + "', ['y', 's1', 'm', 's2', 'd'])"
# The date and time as written, without applying any offset: ISO text (DuckDB's cast), a date
# typed day first or year first with an optional time, or an Excel serial day number.
WRITTEN_TIMESTAMP = (
    "(case when regexp_matches(__cell__, '^\\d{4}-') then try_cast(__cell__ as timestamp) "
    f"when regexp_matches(__cell__, '{_DAY_FIRST}') and ({_DAY}).s1 = ({_DAY}).s2 then "
    f"try_cast(({_DAY}).y || '-' || ({_DAY}).m || '-' || ({_DAY}).d || ' ' "
    f"|| coalesce(nullif(({_DAY}).h, ''), '0') || ':' || coalesce(nullif(({_DAY}).mi, ''), '00')"
    f" || ':' || coalesce(nullif(({_DAY}).s, ''), '00') || '.' "
    f"|| coalesce(nullif(({_DAY}).f, ''), '0') as timestamp) "
    f"when regexp_matches(__cell__, '{_YEAR_FIRST}') and ({_YEAR}).s1 = ({_YEAR}).s2 then "
    f"try_cast(({_YEAR}).y || '-' || ({_YEAR}).m || '-' || ({_YEAR}).d as timestamp) "
    f"else timestamp '1899-12-30' "
    f"+ to_microseconds(cast(round({_SERIAL} * 86400000000) as bigint)) end)"
)
# An instant (UTC, without zone): exact when the text carries its offset, else the written
# time read as local time of `__zone__`.
INSTANT = (
    f"timezone('UTC', case when regexp_matches(__cell__, '{_OFFSET}') "
    "then try_cast(__cell__ as timestamptz) "
    f"else timezone('__zone__', {WRITTEN_TIMESTAMP}) end)::timestamp"
)
# A calendar date: the date as written (an offset is not applied); an Excel serial counts
# its whole days.
DATE = (
    f"coalesce(cast({WRITTEN_TIMESTAMP} as date), "
    f"date '1899-12-30' + cast(floor({_SERIAL}) as integer))"
)


def _on(expression: str, cell: str, zone: str = "") -> str:
    return expression.replace("__cell__", cell).replace("__zone__", zone)


def _connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB in UTC, for parsing."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con


_PARSERS = threading.local()


def _parser() -> duckdb.DuckDBPyConnection:
    """This thread's parsing connection (readers may run in several threads)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_PARSERS, "con", None)
    if con is None:
        con = _PARSERS.con = _connection()
    return con


def parse_cells(columns: Mapping[str, tuple[pa.Array, str | None]]) -> dict[str, pa.Array]:
    """Dates and instants out of text columns.

    `columns` maps an output name to (text column, zone): with a zone, the column becomes an
    instant (`timestamp[us]`, UTC) read as local time of that zone when it has no offset;
    without, a calendar date (`date32`). Each distinct text is parsed once (a column of
    interview days holds a few hundred).
    """
    parsed = {}
    for name, (column, zone) in columns.items():
        encoded = pc.dictionary_encode(column)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        values = _parse(encoded.dictionary, zone)
        parsed[name] = pc.take(values, encoded.indices)
    return parsed


# What Kobo and ODK write for an instant: ISO 8601 with its offset (`Z` or `+01:00`), at
# most microseconds; and for a time in UTC, the same without an offset.
_ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
_ISO_WITHOUT_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"


def _iso_instants(texts: pa.Array, zone: str) -> pa.Array | None:
    """The instants of a column whose every filled cell is plain ISO 8601 that needs no
    zone database (an offset written, or UTC), by Arrow's own cast: the SQL parser's
    result for such text, at a fraction of its cost on a million-row export. None when
    any cell needs the parser (another format, a local time, a value out of range)."""
    filled = pc.and_kleene(pc.is_valid(texts), pc.not_equal(texts, ""))
    pattern = _ISO_WITH_OFFSET if zone != "UTC" else (
        f"{_ISO_WITH_OFFSET}|{_ISO_WITHOUT_OFFSET}")
    if not pc.all(pc.or_kleene(pc.invert(filled),
                               pc.match_substring_regex(texts, pattern))).as_py():
        return None
    cells = pc.if_else(filled, texts, pa.scalar(None, pa.string()))
    if zone == "UTC":  # without an offset, the text is UTC already: made explicit
        cells = pc.replace_substring_regex(cells, r"(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?)$",
                                           r"\1Z")
    try:
        instants = pc.cast(cells, pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:  # a day or an hour that does not exist: the parser says NULL
        return None
    return instants.cast(pa.timestamp("us"))


def _parse(texts: pa.Array, zone: str | None) -> pa.Array:
    """One text column through the parser, in DuckDB, row order kept (plain ISO instants
    through Arrow's cast, `_iso_instants`)."""
    if zone is not None and (instants := _iso_instants(texts, zone)) is not None:
        return instants
    expression = _on(INSTANT, "cell", zone) if zone is not None else _on(DATE, "cell")
    cells = pa.table({"text": texts, "position": pa.array(range(len(texts)), pa.int64())})
    con = _parser()
    con.register("cells", cells)
    try:
        result = con.sql(
            f"with cleaned as (select position, {_on(CELL_TEXT, 'text')} as cell from cells) "
            f"select {expression} as parsed from cleaned order by position"
        ).to_arrow_table()
    finally:
        con.unregister("cells")
    return result.column(0).combine_chunks()


def map_distinct(
    column: pa.Array | pa.ChunkedArray,
    mapper: Callable[[str], object],
    type: pa.DataType | None = None,
    *,
    encoded: bool = False,
) -> pa.Array:
    """Apply `mapper` once per distinct value of a text column and broadcast the results
    (None stays a missing value). A column of a million rows holds a few dozen spellings.

    `encoded` returns a dictionary array (the mapped values and each row's position among
    them) instead of a copy of the value on every row: for answers bound for the warehouse
    that copy, a string per row and column, was a tenth of reading a large export."""
    dictionary = pc.dictionary_encode(column)
    if isinstance(dictionary, pa.ChunkedArray):
        dictionary = dictionary.combine_chunks()
    mapped = pa.array([mapper(value) for value in dictionary.dictionary.to_pylist()],
                      type or pa.string())
    if not encoded:
        return pc.take(mapped, dictionary.indices)
    # A value mapped to None is a missing row (a null index), never a null in the
    # dictionary, which some readers of dictionary arrays would take for a value.
    indices = pc.if_else(pc.take(pc.is_valid(mapped), dictionary.indices),
                         dictionary.indices, pa.scalar(None, dictionary.indices.type))
    return pa.DictionaryArray.from_arrays(indices, pc.fill_null(mapped, ""))


def identifier(value: str) -> str | None:
    """A code typed by hand (workshop id, expert, enumerator or questionnaire code) as one
    key: case, accents and spacing do not matter; blank is None."""
    text = clean_text(value)
    return match_key(text).upper() or None if text else None
