"""Turn any file a clerk drops into a grid of text cells, whatever its encoding or format.

Readers of survey exports and registers work on `TextGrid`s, so that CSV dialects, encodings
and Excel cell types are dealt with once, here. Every cell is text (`""` when empty): codes
keep their leading zeros and nothing is guessed from the look of a value.

Large, clean CSV files go through pyarrow's parser (fast, multi-threaded). A file with a
malformed row (wrong number of fields, a cut-off last line) is re-read with Python's csv
module, which is slower but tells exactly which data row is broken, so that only that row is
quarantined and the rest of the file loads.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from citizen_metrics.settings import ReadLimits

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


# The reasons a file is rejected are read by the clerks who dropped it: in French.
EMPTY_FILE = "le fichier est vide"


class UnreadableFileError(Exception):
    """The file cannot be read at all: it becomes a `rejected` row with this message."""


@dataclass
class TextGrid:
    """A header row and data columns of text, plus the data rows that could not be parsed.

    `columns[i]` is the i-th column as an Arrow string array (no nulls, `""` when empty).
    `malformed_rows` maps a 1-based data row number to what was wrong with it; such rows are
    absent from `columns`, and `row_numbers` gives the data row number of every kept row.

    A grid may hold only some columns of its file (the ones a reader needs): then
    `file_headers` are all the file's headers and `positions` where each column of the grid
    sits among them.
    """

    headers: list[str]
    columns: list[pa.Array]
    row_numbers: pa.Array
    malformed_rows: dict[int, str] = field(default_factory=dict)
    file_headers: list[str] | None = None
    positions: list[int] | None = None

    @property
    def all_headers(self) -> list[str]:
        """Every header of the file, read or not."""
        return self.headers if self.file_headers is None else self.file_headers

    def select(self, positions: list[int]) -> TextGrid:
        """Only the columns at `positions` among the file's columns (which the grid holds)."""
        held = {p: i for i, p in enumerate(self.positions or range(len(self.headers)))}
        return replace(
            self,
            headers=[self.headers[held[p]] for p in positions],
            columns=[self.columns[held[p]] for p in positions],
            file_headers=self.all_headers,
            positions=list(positions),
        )

    @property
    def num_rows(self) -> int:
        return len(self.row_numbers)

    @property
    def rows_read(self) -> int:
        return self.num_rows + len(self.malformed_rows)

    def column(self, index: int) -> pa.Array:
        return self.columns[index]

    def drop_first_row(self) -> TextGrid:
        """Drop the first data row (Kobo's HXL hashtag line): the others move up one."""
        return replace(
            self,
            columns=[column.slice(1) for column in self.columns],
            row_numbers=pc.subtract(self.row_numbers.slice(1), 1),
            malformed_rows={n - 1: why for n, why in self.malformed_rows.items() if n > 1},
        )

    def shifted(self, offset: int) -> TextGrid:
        """The same rows numbered `offset` further (later batches after a dropped HXL line)."""
        return replace(
            self,
            row_numbers=pc.add(self.row_numbers, offset),
            malformed_rows={n + offset: why for n, why in self.malformed_rows.items()},
        )

    def without_blank_rows(self) -> TextGrid:
        """The rows with at least one cell typed (in the columns the grid holds). A row of
        empty fields (`;;;;`, what Excel writes for formatted but empty rows under the data)
        is no more a data row than a blank line; the rows kept keep their numbers, as in
        workbooks."""
        if not self.num_rows or not self.columns:
            return self
        typed = functools.reduce(pc.or_, (pc.not_equal(c, "") for c in self.columns))
        if pc.all(typed).as_py():
            return self
        return replace(
            self,
            columns=[column.filter(typed) for column in self.columns],
            row_numbers=self.row_numbers.filter(typed),
        )


# --- bytes to text ---------------------------------------------------------------------------


# Encodings that hand-saved files of the region come in when they are neither UTF-8 nor
# UTF-16: Excel's "CSV" on a French or on an Arabic Windows. The first wins a tie (a French
# text without capital accents reads the same in both).
REGIONAL_ENCODINGS = ("cp1252", "cp1256")
# What text of this region is written with: ASCII, French letters and punctuation, Arabic
# letters, digits and punctuation (U+0600-U+06FF), and the joiners and direction marks of
# Arabic text. Anything else in a decoded text is a sign of the wrong encoding.
_REGIONAL_CHARACTER = (
    "\t\n\r\x20-\x7e"
    "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
    "\u00a0«»°·’‘“”–—…€•"
    "\u0600-\u06ff\u200c-\u200f"
)
_FOREIGN_CHARACTER = re.compile(f"[^{_REGIONAL_CHARACTER}]")
_LATIN_LETTER = "A-Za-zàâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
_ARABIC_LETTER = "\u0621-\u064a\u0671-\u06d3"
# A Latin letter touching an Arabic one: no word is written so, but a French `É` or `Â`
# read through Windows-1256 becomes an Arabic letter inside a French word (`ةtat`, `آge`).
_MIXED_SCRIPT = re.compile(
    f"[{_LATIN_LETTER}][{_ARABIC_LETTER}]|[{_ARABIC_LETTER}][{_LATIN_LETTER}]"
)
# Past this share of implausible characters, no candidate encoding makes text of the bytes.
MAX_IMPLAUSIBLE_SHARE = 0.05


def implausible_characters(text: str) -> int:
    """How many characters of `text` are unlikely in a file of this region: characters of
    other scripts or controls (Arabic read as Windows-1252 gives `ÚËãÇä`), plus Latin and
    Arabic letters written against each other (French capitals read as Windows-1256)."""
    return len(_FOREIGN_CHARACTER.findall(text)) + len(_MIXED_SCRIPT.findall(text))


def _regional_decoding(data: bytes) -> tuple[str, str]:
    """The candidate encoding that decodes `data` into the most plausible text.

    A general-purpose detector (charset-normalizer) judges by statistics of many languages
    and, on Arabic names among French labels, preferred Windows-1252 mojibake, or another
    code page altogether on larger samples. Here the question is narrower: which of the two
    code pages of the region's Excel gives text written in the region's scripts.
    """
    candidates = []
    for encoding in REGIONAL_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue  # Windows-1252 leaves five bytes undefined
        candidates.append((implausible_characters(text), text, encoding))
    if not candidates:
        raise UnreadableFileError("contenu binaire : ni un CSV, ni un texte, ni un classeur Excel")
    score, text, encoding = min(candidates, key=lambda candidate: candidate[0])
    if score > MAX_IMPLAUSIBLE_SHARE * len(text):
        raise UnreadableFileError(
            "contenu binaire, ou texte dans un autre encodage que UTF-8, UTF-16, Windows-1252 "
            "ou Windows-1256 : ni un CSV, ni un texte, ni un classeur Excel"
        )
    return text, encoding


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file, returning (text, encoding name).

    Byte-order marks decide first (UTF-8 from Excel, UTF-16 from Excel's "Unicode text"),
    then NUL bytes (UTF-16 without a mark; NUL is valid UTF-8, so this comes first). Then
    strict UTF-8, the encoding of every Kobo and ODK export. Only hand-saved files fall
    through to the region's code pages, Windows-1256 (Arabic Excel) or Windows-1252 (French
    Excel), whichever reads as text of the region (`_regional_decoding`).
    """
    if not data:
        raise UnreadableFileError(EMPTY_FILE)
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableFileError(f"texte {encoding} abîmé : {error}") from error
    if b"\x00" in data[:4096] and data.count(b"\x00") > len(data) // 4:
        # UTF-16 without a byte-order mark: every other byte of Latin text is zero.
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise UnreadableFileError(f"contenu binaire, pas du texte : {error}") from error
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _regional_decoding(data)


def sniff_delimiter(header_line: str) -> str:
    """The separator of a CSV from its header line: `;` (Kobo), `,` (ODK) or tab (Excel)."""
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    delimiter, count = max(counts.items(), key=lambda item: item[1])
    if count == 0:
        raise UnreadableFileError(
            "aucun séparateur de colonnes (; , ou tabulation) sur la première ligne")
    return delimiter


def _first_line(text: str) -> str:
    """The header line, skipping quoted newlines is unnecessary: headers never hold them."""
    end = text.find("\n")
    return text if end < 0 else text[:end]


# --- text to grid ----------------------------------------------------------------------------


def read_delimited_file(data: bytes) -> tuple[TextGrid, str]:
    """A CSV/TSV file's bytes to a TextGrid, and the encoding found.

    UTF-8 files (every Kobo and ODK export) go to pyarrow as bytes, never decoded into one
    Python string: a national cumulative export is over a gigabyte. Other encodings, and
    files with broken rows, take the exact path through `decode_text`.
    """
    if not data or data.isspace():
        raise UnreadableFileError(EMPTY_FILE)
    # NUL bytes are valid UTF-8 but mean UTF-16 without a byte-order mark.
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]
    if not utf16:
        body, encoding = (
            (data[len(codecs.BOM_UTF8):], "utf-8-sig")
            if data.startswith(codecs.BOM_UTF8)
            else (data, "utf-8")
        )
        try:
            return _read_utf8(body), encoding
        except (UnicodeDecodeError, pa.ArrowInvalid, csv.Error):
            pass  # not UTF-8 after all, or malformed rows: the exact path below
    text, encoding = decode_text(data)
    return read_delimited_text(text), encoding


@dataclass(frozen=True)
class Utf8Stream:
    """A UTF-8 CSV file to read in batches of rows from disk by pyarrow, so that memory holds
    one batch rather than the whole export: its header, and its first data row as typed (to
    tell Kobo's hashtag line), parsed from the first block."""

    path: Path
    headers: list[str]
    first_row: list[str]
    delimiter: str
    ends_with_newline: bool

    def grids(
        self,
        positions: list[int] | None = None,
        rows_per_batch: int = 200_000,
        block_size: int = 1 << 24,
    ) -> Iterator[TextGrid]:
        """The file's rows in TextGrids numbered from 1, holding the columns at `positions`
        only (all when None): pyarrow then never converts the others. A parse error partway
        raises `pa.ArrowInvalid`: the caller drops what it took and reads the file whole."""
        names = [f"c{i}" for i in range(len(self.headers))]
        kept = list(range(len(names))) if positions is None else list(positions)
        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=block_size),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={names[i]: pa.string() for i in kept},
                include_columns=[names[i] for i in kept],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        template = TextGrid(
            headers=[self.headers[i] for i in kept], columns=[], row_numbers=pa.array([]),
            file_headers=None if positions is None else self.headers,
            positions=None if positions is None else kept,
        )
        return _batches(reader, template, rows_per_batch,
                        ends_with_newline=self.ends_with_newline)


def open_utf8_stream(path: Path) -> Utf8Stream | None:
    """The file as a `Utf8Stream`, or None when it is not plain UTF-8 CSV (the caller then
    reads it whole, exactly)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
            handle.seek(0, io.SEEK_END)
            size = handle.tell()
            handle.seek(max(size - 1, 0))
            last_byte = handle.read(1)
    except OSError:
        return None
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return None
    body = head.removeprefix(codecs.BOM_UTF8)
    end = body.find(b"\n")
    if end < 0:
        return None
    try:
        header_line = body[:end].decode("utf-8").rstrip("\r")
        delimiter = sniff_delimiter(header_line)
        text = body.decode("utf-8", errors="ignore")
        lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(lines)
        first_row = next(lines, [])
    except (UnicodeDecodeError, UnreadableFileError, csv.Error, StopIteration):
        return None
    return Utf8Stream(path, [h.strip() for h in header], first_row, delimiter,
                      ends_with_newline=last_byte in (b"\n", b"\r"))


def _batches(
    reader: pacsv.CSVStreamingReader,
    template: TextGrid,
    rows_per_batch: int,
    *,
    ends_with_newline: bool,
) -> Iterator[TextGrid]:
    """Regroup pyarrow's record batches into TextGrids numbered from 1 across the file; the
    last one is checked for a cut-off row (one batch of look-ahead)."""
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    first_row = 1
    grid: TextGrid | None = None
    for batch in reader:
        pending.append(batch)
        pending_rows += batch.num_rows
        if pending_rows >= rows_per_batch:
            if grid is not None:
                yield grid
            grid = _grid_from_batches(template, pending, first_row)
            first_row += pending_rows
            pending, pending_rows = [], 0
    if pending:
        if grid is not None:
            yield grid
        grid = _grid_from_batches(template, pending, first_row)
    if grid is None:  # a header and no row
        grid = replace(template, columns=[pa.array([], pa.string()) for _ in template.headers],
                       row_numbers=pa.array([], pa.int64()))
    yield _unless_cut_off(grid, ends_with_newline=ends_with_newline)


def _grid_from_batches(
    template: TextGrid, batches: list[pa.RecordBatch], first_row: int
) -> TextGrid:
    """The batches as one grid; columns stay in pyarrow's chunks (no copy)."""
    table = pa.Table.from_batches(batches)
    rows = table.num_rows
    return replace(
        template,
        columns=[table.column(i) for i in range(table.num_columns)],
        row_numbers=pa.array(range(first_row, first_row + rows), pa.int64()),
    )


def _read_utf8(body: bytes) -> TextGrid:
    end = body.find(b"\n")
    header_line = (body if end < 0 else body[:end]).decode("utf-8").rstrip("\r")
    if body.count(b'"') % 2:
        raise pa.ArrowInvalid("a quote is left open")
    grid = _parse_with_pyarrow(body, header_line, sniff_delimiter(header_line))
    return _unless_cut_off(grid, ends_with_newline=body.endswith((b"\n", b"\r")))


def read_delimited_text(text: str) -> TextGrid:
    """Parse CSV/TSV text (any dialect of docs/file_formats.md) into a TextGrid."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise UnreadableFileError("le fichier ne contient aucun texte")
    header_line = _first_line(text).rstrip("\r")
    delimiter = sniff_delimiter(header_line)
    if text.count('"') % 2 == 0:
        try:
            grid = _parse_with_pyarrow(text.encode("utf-8"), header_line, delimiter)
        except pa.ArrowInvalid:
            grid = _parse_with_csv_module(text, delimiter)
    else:  # a quote left open: the file was cut inside a quoted value
        grid = _parse_with_csv_module(text, delimiter)
    return _unless_cut_off(grid, ends_with_newline=text.endswith(("\n", "\r")))


def _unless_cut_off(grid: TextGrid, *, ends_with_newline: bool) -> TextGrid:
    """A file that does not end with a line break may have lost the end of its last row."""
    if ends_with_newline or not grid.num_rows:
        return grid
    if grid.malformed_rows and max(grid.malformed_rows) > grid.row_numbers[-1].as_py():
        return grid  # the last row is already reported as malformed
    return _drop_last_row(grid, "the file ends in the middle of this row (no line break "
                                "after it): it may be cut off")


def _drop_last_row(grid: TextGrid, reason: str) -> TextGrid:
    """Move the last parsed row to the malformed rows (a file cut off mid-row)."""
    last = grid.row_numbers[-1].as_py()
    keep = grid.num_rows - 1
    return replace(
        grid,
        columns=[column.slice(0, keep) for column in grid.columns],
        row_numbers=grid.row_numbers.slice(0, keep),
        malformed_rows={**grid.malformed_rows, last: reason},
    )


def _parse_with_pyarrow(data: bytes, header_line: str, delimiter: str) -> TextGrid:
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    return TextGrid(
        headers=[h.strip() for h in header],
        columns=columns,
        row_numbers=pa.array(range(1, table.num_rows + 1), pa.int64()),
    )


def _parse_with_csv_module(text: str, delimiter: str) -> TextGrid:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(rows)
    except (StopIteration, csv.Error) as error:
        raise UnreadableFileError(f"aucune ligne d'en-tête lisible : {error}") from error
    width = len(header)
    kept: list[list[str]] = []
    numbers: list[int] = []
    malformed: dict[int, str] = {}
    row_number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            row_number += 1
            malformed[row_number] = f"unparseable CSV row: {error}"
            continue
        if not row:
            continue  # a blank line is not a data row
        row_number += 1
        if len(row) != width:
            malformed[row_number] = f"{len(row)} fields where the header has {width}"
            continue
        kept.append(row)
        numbers.append(row_number)
    columns = [pa.array([row[i] for row in kept], pa.string()) for i in range(width)]
    return TextGrid(
        headers=[h.strip() for h in header],
        columns=columns,
        row_numbers=pa.array(numbers, pa.int64()),
        malformed_rows=malformed,
    )


# --- Excel -------------------------------------------------------------------------------------


# Parts of a workbook smaller than this are never judged by their compression ratio (a small
# part of repeated styles may compress very well, and costs nothing to read).
RATIO_FROM_BYTES = 1 << 20
_CHUNK = 1 << 20


def check_workbook_size(path: Path, limits: ReadLimits) -> None:
    """Reject a workbook before any parser opens it, when what it would take to read is
    beyond `limits`.

    An `.xlsx` file is a zip archive: its table of contents declares each part's size, and
    a "zip bomb" declares (or hides) gigabytes behind a few kilobytes. The declared sizes are
    checked first (total, and ratio of each part above 1 MiB), then every part is inflated
    once, in blocks and thrown away, which proves the declarations: Python stops at the
    declared size and a part that holds more fails its checksum. An old `.xls` file (not a
    zip) is judged by its size on disk.
    """
    mebibytes = limits.workbook_max_bytes / (1 << 20)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        if path.stat().st_size > limits.workbook_max_bytes:
            raise UnreadableFileError(
                f"classeur plus gros que la limite de {mebibytes:.0f} Mo : non lu") from None
        return  # not a zip archive: fastexcel says what it is
    with archive:
        parts = archive.infolist()
        total = sum(part.file_size for part in parts)
        if total > limits.workbook_max_bytes:
            raise UnreadableFileError(
                f"classeur qui gonfle à {math.ceil(total / (1 << 20))} Mo une fois décompressé, "
                f"au-delà de la limite de {mebibytes:.0f} Mo : non lu (fichier abîmé ou "
                "« bombe zip ») ; découpez l'export, ou relevez read_limits dans "
                "programme.yaml")
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > RATIO_FROM_BYTES and ratio > limits.workbook_max_ratio:
                raise UnreadableFileError(
                    f"classeur dont la partie {part.filename} gonfle {ratio:.0f} fois "
                    f"(limite {limits.workbook_max_ratio:.0f}) : non lu (« bombe zip » ou "
                    "fichier abîmé)")
        try:
            for part in parts:
                with archive.open(part) as stream:
                    while stream.read(_CHUNK):
                        pass
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
                OSError, EOFError, ValueError) as error:
            raise UnreadableFileError(
                "classeur Excel illisible : ses parties ne correspondent pas à leurs tailles "
                f"ou sommes de contrôle déclarées ({type(error).__name__})") from error


def open_workbook(data: bytes) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(data)
    except Exception as error:  # fastexcel raises its own error types for broken workbooks
        raise UnreadableFileError(f"classeur Excel illisible : {error}") from error


# fastexcel names a repeated header `age_1`, `age_2`… after the first `age`.
_RENAMED_REPEAT = re.compile(r"(.+)_(\d+)")


def repeated_header(header: str, earlier: set[str]) -> str | None:
    """The header that `header` repeats, when a workbook reader renamed it (`age_1` after
    `age`); None otherwise."""
    match = _RENAMED_REPEAT.fullmatch(header)
    return match.group(1) if match and match.group(1) in earlier else None


def duplicate_note(duplicates: list[str]) -> str | None:
    """The file summary's words for columns found twice (the first one is read)."""
    if not duplicates:
        return None
    names = ", ".join(dict.fromkeys(duplicates))
    return f"colonnes en double, seule la première de chacune est lue : {names}"


def _one_chunk(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _header(name: str) -> str:
    return "" if name.startswith("__UNNAMED__") else name


def read_sheet(
    workbook: fastexcel.ExcelReader,
    sheet_name: str,
    wanted: Callable[[str], bool] | None = None,
) -> TextGrid:
    """One worksheet as a TextGrid; the first row is the header.

    fastexcel (calamine, in Rust) renders every cell as text straight into Arrow: whole
    numbers without `.0` (so a code typed as a number keeps its digits), dates and times in
    ISO format. Empty rows are skipped but keep their place in the row numbering. With
    `wanted`, only the columns whose header it accepts are loaded (the others are never
    turned into Arrow: a reader that needs a few columns of a wide export saves the time).
    """
    try:
        if wanted is None:
            sheet = workbook.load_sheet(sheet_name, header_row=0, dtypes="string")
        else:
            sheet = workbook.load_sheet(
                sheet_name, header_row=0, dtypes="string",
                use_columns=lambda column: wanted(_header(column.name)),
            )
        table = sheet.to_arrow()
    except Exception as error:
        raise UnreadableFileError(f"la feuille {sheet_name!r} est illisible : {error}") from error
    headers = [_header(name) for name in table.column_names]
    columns = [
        pc.utf8_trim_whitespace(pc.fill_null(_one_chunk(column).cast(pa.string()), ""))
        for column in table.columns
    ]
    numbers = pa.array(range(1, table.num_rows + 1), pa.int64())
    if columns:
        filled = functools.reduce(pc.or_, (pc.not_equal(column, "") for column in columns))
        columns = [column.filter(filled) for column in columns]
        numbers = numbers.filter(filled)
    if wanted is not None:
        file_headers = [_header(column.name) for column in sheet.available_columns()]
        while file_headers and file_headers[-1] == "":
            file_headers.pop()  # trailing columns without a header
        return TextGrid(headers=headers, columns=columns, row_numbers=numbers,
                        file_headers=file_headers,
                        positions=[column.index for column in sheet.selected_columns])
    while headers and headers[-1] == "" and not pc.any(pc.not_equal(columns[-1], "")).as_py():
        headers.pop()  # a trailing column with neither header nor content
        columns.pop()
    return TextGrid(headers=headers, columns=columns, row_numbers=numbers)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableFileError(f"impossible d'ouvrir le fichier : {error}") from error


def is_workbook(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)
