"""From the files in `data/raw/` to staging tables, one file at a time, never failing the run.

Each file is recognised by its content (an Excel workbook with `ateliers` and `participants`
sheets is a workshop register; a CSV/TSV/XLSX whose headers map onto the questionnaire is a
survey export), read by the matching reader, and recorded in a per-file outcome with the
number of data rows read. A file that cannot be read at all is `rejected` with its reason and
the run carries on with the others (EXPORT_FORMATS.md, "What no file may do").
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa

from pipeline.privacy import Pseudonymiser
from pipeline.readers import registers
from pipeline.readers.survey import canonical_survey_table, survey_layout, survey_table_schema
from pipeline.readers.tables import (
    TextGrid,
    UnreadableFileError,
    is_workbook,
    open_workbook,
    read_bytes,
    read_delimited_file,
    read_sheet,
    stream_utf8_file,
)
from pipeline.settings import Vocabularies
from pipeline.xlsform import SurveyForm

IGNORED_NAMES = {"README.md", ".gitkeep", "Thumbs.db", ".DS_Store"}

SURVEY_KIND = "survey_export"
REGISTER_KIND = "workshop_register"
UNKNOWN_KIND = "unknown"
# The reason of a file (or register sheet) that is loaded but holds a header and no row:
# nothing is wrong with it, but a clerk must be able to tell it from a good export.
NO_DATA_ROWS = "no data rows: a header and nothing else"


@dataclass(frozen=True)
class RawFile:
    """A file found in the raw folder. Its content is read (and hashed) only when asked:
    listing the folder must stay cheap, the sensor does it every minute."""

    path: Path
    name: str
    size_bytes: int
    modified_at: dt.datetime
    modified_ns: int

    def sha256(self) -> str:
        digest = hashlib.sha256()
        try:
            with self.path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return ""
        return digest.hexdigest()

    def read(self) -> bytes:
        """The file's bytes, read when needed (cumulative exports can be large)."""
        return read_bytes(self.path)

    def head(self, size: int = 8) -> bytes:
        try:
            with self.path.open("rb") as handle:
                return handle.read(size)
        except OSError:
            return b""


def raw_files(raw_dir: Path) -> Iterator[RawFile]:
    """Every file under the raw folder (sub-folders included), in a stable order.

    The order (modification time, then name) is the order in which re-sent versions of a
    register supersede each other when their rows conflict.
    """
    if not raw_dir.exists():
        return
    paths = [
        path
        for path in raw_dir.rglob("*")
        if path.is_file() and path.name not in IGNORED_NAMES and not path.name.startswith(".")
        and not path.name.startswith("~$")  # Excel's lock files
    ]
    stats = {path: path.stat() for path in paths}
    for path in sorted(paths, key=lambda p: (stats[p].st_mtime_ns, str(p))):
        yield RawFile(
            path=path,
            name=str(path.relative_to(raw_dir)),
            size_bytes=stats[path].st_size,
            modified_at=dt.datetime.fromtimestamp(stats[path].st_mtime, tz=dt.UTC),
            modified_ns=stats[path].st_mtime_ns,
        )


@dataclass
class FileOutcome:
    """One row of the file summary: what was read from a file (or a sheet of it)."""

    source_file: str
    sheet: str
    file_kind: str
    file_shape: str
    status: str
    reason: str | None
    rows_read: int
    encoding: str | None = None
    unmapped_headers: str | None = None
    missing_questions: str | None = None

    @classmethod
    def rejected(cls, source_file: str, kind: str, reason: str, sheet: str = "") -> FileOutcome:
        return cls(source_file, sheet, kind, "unknown", "rejected", reason, 0)


@dataclass
class ReadFailure:
    """A data row that could not be parsed at all (it is quarantined, not lost)."""

    source_file: str
    sheet: str
    source_row: int
    message: str


@dataclass
class SurveyRead:
    outcomes: list[FileOutcome] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)


@dataclass
class RegisterRead:
    workshops: list[pd.DataFrame] = field(default_factory=list)
    attendances: list[pd.DataFrame] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)


def file_kind(raw: RawFile) -> str:
    """Survey export, workshop register or unknown, from the bytes (never the file name)."""
    head = raw.head()
    if not head:
        return UNKNOWN_KIND
    if is_workbook(head):
        try:
            workbook = open_workbook(raw.read())
        except UnreadableFileError:
            return UNKNOWN_KIND
        return REGISTER_KIND if registers.is_register(workbook.sheet_names) else SURVEY_KIND
    return SURVEY_KIND


def _survey_grid(raw: RawFile) -> tuple[TextGrid, str | None]:
    data = raw.read()
    if is_workbook(data):
        workbook = open_workbook(data)
        if not workbook.sheet_names:
            raise UnreadableFileError("the workbook has no sheet")
        return read_sheet(workbook, workbook.sheet_names[0]), None
    return read_delimited_file(data)


def _is_hashtag_row(grid: TextGrid) -> bool:
    """Kobo's HXL line: the first data row holds only `#tags` and empty strings."""
    if grid.num_rows == 0 or 1 in grid.malformed_rows:
        return False
    first = [column[0].as_py() for column in grid.columns]
    tagged = [value for value in first if value.strip()]
    return bool(tagged) and all(value.strip().startswith("#") for value in tagged)


class TableSink(Protocol):
    """Where canonical survey rows go, batch by batch (the staging table)."""

    def write(self, table: pa.Table) -> None: ...

    def discard(self, source_file: str) -> None:
        """Forget the rows written for `source_file` (its streaming read failed midway)."""


def read_survey_file(
    raw: RawFile, form: SurveyForm, pseudonymiser: Pseudonymiser, sink: TableSink
) -> SurveyRead:
    """One survey export into `sink`: its outcome and its rows that could not be parsed.

    Large UTF-8 CSV exports stream in batches of rows; anything else (workbooks, other
    encodings, files with broken rows) is read whole, exactly.
    """
    batches = None if is_workbook(raw.head()) else stream_utf8_file(raw.path)
    if batches is not None:
        encoding = "utf-8-sig" if raw.head(3) == codecs.BOM_UTF8 else "utf-8"
        try:
            return _read_survey_grids(raw, batches, encoding, form, pseudonymiser, sink)
        except (pa.ArrowInvalid, UnicodeDecodeError, csv.Error):
            sink.discard(raw.name)
    try:
        grid, encoding = _survey_grid(raw)
    except UnreadableFileError as error:
        return SurveyRead(outcomes=[FileOutcome.rejected(raw.name, SURVEY_KIND, str(error))])
    return _read_survey_grids(raw, iter([grid]), encoding, form, pseudonymiser, sink)


def _read_survey_grids(
    raw: RawFile,
    grids: Iterator[TextGrid],
    encoding: str | None,
    form: SurveyForm,
    pseudonymiser: Pseudonymiser,
    sink: TableSink,
) -> SurveyRead:
    first = next(grids)
    layout = survey_layout(first.headers, form)
    if layout is None:
        return SurveyRead(outcomes=[FileOutcome.rejected(
            raw.name,
            UNKNOWN_KIND,
            "not a survey export of citizen_survey.xlsx nor a workshop register: "
            "its headers name (almost) no question of the form",
        )])
    if layout.submission_id_column is None:
        return SurveyRead(outcomes=[FileOutcome.rejected(
            raw.name, SURVEY_KIND,
            "survey export without a submission identifier column (_uuid, meta-instanceID "
            "or N° questionnaire): its rows could not be told apart from their re-exports",
        )])
    shift = 0
    if _is_hashtag_row(first):
        first, shift = first.drop_first_row(), -1
    result = SurveyRead()
    rows_read = 0
    for batch in itertools.chain([first], (g.shifted(shift) for g in grids)):
        grid = batch.without_blank_rows()
        sink.write(canonical_survey_table(grid, layout, form, source_file=raw.name,
                                          pseudonymiser=pseudonymiser))
        rows_read += grid.rows_read
        result.failures += [
            ReadFailure(raw.name, "", row, message)
            for row, message in sorted(grid.malformed_rows.items())
        ]
    result.outcomes.append(
        FileOutcome(
            source_file=raw.name,
            sheet="",
            file_kind=SURVEY_KIND,
            file_shape=layout.shape,
            status="loaded",
            reason=None if rows_read else NO_DATA_ROWS,
            rows_read=rows_read,
            encoding=encoding,
            unmapped_headers=", ".join(layout.unmapped_headers) or None,
            missing_questions=", ".join(layout.missing_questions(form)) or None,
        )
    )
    return result


def empty_survey_table(form: SurveyForm) -> pa.Table:
    return survey_table_schema(form).empty_table()


def read_register_files(
    files: list[RawFile], pseudonymiser: Pseudonymiser, vocabularies: Vocabularies
) -> RegisterRead:
    result = RegisterRead()
    for raw in files:
        try:
            workbook = open_workbook(raw.read())
            names = workbook.sheet_names
            sheets = {
                wanted: read_sheet(workbook, registers.sheet_name(names, wanted))
                for wanted in (registers.WORKSHOP_SHEET, registers.PARTICIPANT_SHEET)
            }
        except (UnreadableFileError, StopIteration) as error:
            result.outcomes.append(FileOutcome.rejected(raw.name, REGISTER_KIND, str(error)))
            continue
        for sheet, grid, expected, build, bucket in (
            (registers.WORKSHOP_SHEET, sheets[registers.WORKSHOP_SHEET],
             registers.WORKSHOP_HEADERS, registers.workshops_frame, result.workshops),
            (registers.PARTICIPANT_SHEET, sheets[registers.PARTICIPANT_SHEET],
             registers.PARTICIPANT_HEADERS, registers.attendances_frame, result.attendances),
        ):
            missing = registers.missing_headers(grid, expected)
            if "id_atelier" in missing:
                result.outcomes.append(
                    FileOutcome.rejected(
                        raw.name, REGISTER_KIND, "sheet has no id_atelier column", sheet
                    )
                )
                continue
            bucket.append(
                build(grid, source_file=raw.name, sheet=sheet, pseudonymiser=pseudonymiser,
                      vocabularies=vocabularies)
            )
            result.outcomes.append(
                FileOutcome(
                    source_file=raw.name,
                    sheet=sheet,
                    file_kind=REGISTER_KIND,
                    file_shape="register_xlsx",
                    status="loaded",
                    reason=None if grid.rows_read else NO_DATA_ROWS,
                    rows_read=grid.rows_read,
                    missing_questions=", ".join(missing) or None,
                )
            )
    return result
