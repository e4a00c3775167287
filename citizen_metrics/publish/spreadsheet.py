"""Cells that a spreadsheet would run: written as text (OWASP, "CSV Injection").

Excel and LibreOffice treat a cell starting with `=`, `+`, `-` or `@` (and, for some
versions, tab or carriage return) as a formula, even in a CSV file: a value typed in a field
form such as `=HYPERLINK("http://evil.example","click")` would become a live link, or worse,
in the M&E officers' workbook. OWASP's guidance: prefix such a cell with a single quote, so
that it is shown as the text it is. Numbers stay numbers: numeric columns are never touched,
and a text that is a plain number (`-3`, `+212`) cannot be a formula and is left as typed.

In the CSV files the quote is a character of the cell (what Excel expects); in the XLSX
workbook the cell is a string cell with Excel's hidden quote prefix (`quote_prefix`), whose
value is the text itself. Parquet files, read by programs rather than spreadsheets, keep
the values unchanged.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")
# The same two tests, for DuckDB (RE2: `\t` and `\r` are the tab and carriage return).
_TRIGGER_SQL = r"^[=+\-@\t\r]"
_PLAIN_NUMBER_SQL = r"^[+-]?[0-9]+([.,][0-9]+)?$"


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula."""
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)


def as_text(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows as text: quoted with `'` if it could run."""
    return "'" + text if runs_as_formula(text) else text


def as_text_sql(column: str) -> str:
    """The SQL of `as_text` for a text column (NULL stays NULL)."""
    return (
        f"case when regexp_matches({column}, '{_TRIGGER_SQL}') "
        f"and not regexp_matches({column}, '{_PLAIN_NUMBER_SQL}') "
        f"then '''' || {column} else {column} end"
    )


def write_csv_for_excel(con: duckdb.DuckDBPyConnection, query: str, path: Path, *,
                        delimiter: str = ",", parameters: Sequence[object] = ()) -> None:
    """The rows of `query` as a CSV file with a header, UTF-8 with a byte-order mark (without
    it, Excel takes UTF-8 for the local code page and garbles every accent and Arabic name).
    DuckDB writes the body; the mark is put before it."""
    body = path.with_name(f".{path.name}.body")
    con.execute(f"copy ({query}) to '{body}' (format csv, header true, delim '{delimiter}')",
                list(parameters))
    with path.open("wb") as out, body.open("rb") as source:
        out.write(b"\xef\xbb\xbf")
        shutil.copyfileobj(source, out, length=1 << 20)
    body.unlink()
