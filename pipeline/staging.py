"""Write what the readers produce into the staging tables (`stg_*`) of the warehouse.

Ingestion flows one way: `sources` lists and sniffs the raw files, a reader per kind turns
each file into canonical Arrow batches (`pipeline.readers`), and this module writes them,
creating every table from its declaration (`pipeline.tables.staging`). Readers never call the
writer: they yield batches and return what they read.

Staging is rebuilt from `data/raw/` on every run: the raw folder is the single source of
truth, so a corrected or removed file is reflected at once and nothing depends on the order
in which files arrived. Staging rows are pseudonymised already (see `pipeline.privacy`).

One file never stops the run: whatever goes wrong while one file is read or written (an
input/output error, a value no column can hold, an exception nobody foresaw), that file's
rows are rolled back and it is `rejected` with the reason, and the run goes on with the
others. A file that changed since the inventory saw it (still being copied) is rejected too,
and read by the next run.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue

import duckdb
import pyarrow as pa

from pipeline import failpoints, sources
from pipeline.readers.registers import RegisterMapping, read_register
from pipeline.readers.results import (
    Batch,
    FileOutcome,
    FileRead,
    Reading,
    StreamBroken,
    failure_reason,
)
from pipeline.readers.survey import SurveyMapping, read_survey_export
from pipeline.readers.tables import is_workbook
from pipeline.settings import ReadLimits
from pipeline.sources import RawFile
from pipeline.tables.fields import REGISTER_KIND, SURVEY_KIND
from pipeline.tables.model import Table
from pipeline.tables.staging import (
    STG_ATTENDANCES,
    STG_RAW_FILES,
    STG_REGISTER_FILE_READS,
    STG_REGISTER_READ_FAILURES,
    STG_SURVEY_FILE_READS,
    STG_SURVEY_READ_FAILURES,
    STG_SURVEY_ROWS,
    STG_WORKSHOPS,
)
from pipeline.warehouse import insert_into, replace_table


def stage_file_inventory(con: duckdb.DuckDBPyConnection, raw_dir: Path,
                         limits: ReadLimits) -> pa.Table:
    """`stg_raw_files`: every file of the raw folder, its kind and fingerprint, and what is
    rejected before being read (`pipeline.sources`)."""
    inventory = sources.inventory(sources.scan(raw_dir), limits)
    replace_table(con, STG_RAW_FILES.name, inventory)
    return inventory


CHANGED_REASON = ("le fichier a changé pendant la lecture du dossier (copie en cours ?) : il "
                  "sera lu à la prochaine exécution")


def _files_of_kind(con: duckdb.DuckDBPyConnection, raw_dir: Path,
                   kind: str) -> tuple[list[RawFile], list[RawFile]]:
    """The files the inventory of this run found to be of `kind`, in arrival order: those
    unchanged since, and those that changed (their content is no longer what was sniffed)."""
    seen = {
        name: (size, modified)
        for name, size, modified in con.execute(
            f"select source_file, size_bytes, modified_at from {STG_RAW_FILES.name} "
            "where file_kind = ?", [kind]
        ).fetchall()
    }
    present = [raw for raw in sources.raw_files(raw_dir) if raw.name in seen]
    unchanged = [raw for raw in present if raw.unchanged_since(*seen[raw.name])]
    return unchanged, [raw for raw in present if raw not in unchanged]


@dataclass(frozen=True)
class _Event:
    """What the reading thread hands the writer: a batch of a file, the end of a file (what
    it read), or the restart of a file that broke while streamed (read whole now)."""

    raw: RawFile
    batch: Batch | None = None
    read: FileRead | None = None
    restart: bool = False


_DONE = object()


def _rejected(raw: RawFile, kind: str, reason: str) -> FileRead:
    return FileRead(outcomes=[FileOutcome.rejected(raw.name, kind, reason)])


def _read_files(files: list[RawFile], read: Callable[..., Reading], kind: str,
                limits: ReadLimits) -> Iterator[_Event]:
    """Every file's batches, then what was read from it; a file whose stream broke starts
    again, read whole (if it is small enough to be); a file whose reading fails in any way
    starts again as rejected, with the reason."""
    for raw in files:
        try:
            try:
                yield from _events(raw, read(raw))
            except StreamBroken:
                yield _Event(raw, restart=True)
                if raw.size_bytes > limits.text_whole_max_bytes:
                    yield _Event(raw, read=_rejected(raw, kind, (
                        "une ligne est cassée au milieu de ce gros fichier, trop gros pour "
                        "être lu en entier et exactement (limite "
                        f"{limits.text_whole_max_bytes / (1 << 20):.0f} Mo) : corrigez-le ou "
                        "réexportez-le")))
                    continue
                yield from _events(raw, read(raw, streaming=False))
        except Exception as error:  # this file only: the others are read
            yield _Event(raw, restart=True)
            yield _Event(raw, read=_rejected(raw, kind, failure_reason(error)))


def _events(raw: RawFile, reading: Reading) -> Iterator[_Event]:
    while True:
        try:
            batch = next(reading)
        except StopIteration as finished:
            yield _Event(raw, read=finished.value)
            return
        yield _Event(raw, batch=batch)


def _read_ahead(events: Iterator[_Event], depth: int = 2) -> Iterator[_Event]:
    """The events, produced in a thread a few batches ahead of the writer: reading and
    mapping a file (pyarrow, fastexcel, Python) overlaps with DuckDB writing the batch
    before. Memory holds `depth` batches more, not more files."""
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for event in events:
                while not stop.is_set():
                    try:
                        queue.put(event, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(_DONE)
        except BaseException as error:  # handed to the writer, which raises it
            queue.put(error)

    worker = threading.Thread(target=produce, name="staging-reader", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, _Event)
            yield item
    finally:
        stop.set()
        worker.join()


def _is_workbook(raw: RawFile) -> bool:
    try:
        return is_workbook(raw.head())
    except OSError:
        return False  # read as text, and rejected with the I/O error


def _stage(
    con: duckdb.DuckDBPyConnection,
    files: tuple[list[RawFile], list[RawFile]],
    read: Callable[..., Reading],
    tables: tuple[Table, Table],
    kind: str,
    limits: ReadLimits,
) -> tuple[FileRead, int]:
    """Read and write `files` (unchanged since the inventory, changed), each in one
    transaction so that a file is in staging whole or not at all (memory holds a few batches
    of one export, not all of them), then the outcome of each file and the rows that could
    not be parsed (into `tables`: outcomes, failures). A file whose rows cannot be written
    is rolled back and rejected; the writer goes on with the next file."""
    readable, changed = files
    read_all = FileRead(outcomes=[FileOutcome.rejected(raw.name, kind, CHANGED_REASON)
                                  for raw in changed])
    rows = written = 0
    open_file: RawFile | None = None
    broken: tuple[RawFile, str] | None = None  # a file whose rows could not be written
    # Two lanes, each in its own thread: workbooks (fastexcel holds a core for seconds on a
    # large export) are read while the text files are read and written; the writer takes
    # the text files first, then the workbooks, one file at a time.
    workbooks = [raw for raw in readable if _is_workbook(raw)]
    texts = [raw for raw in readable if raw not in workbooks]
    lanes = [_read_ahead(_read_files(lane, read, kind, limits))
             for lane in (workbooks, texts) if lane]
    try:
        for event in itertools.chain(*reversed(lanes)):
            if event.raw is not open_file or event.restart:
                if open_file is not None:
                    con.execute("rollback")
                con.execute("begin transaction")
                open_file, written = event.raw, 0
                broken = None
            if broken is not None:
                if event.read is not None:  # the end of the file that could not be written
                    con.execute("rollback")
                    open_file = None
                    read_all += _rejected(event.raw, kind, broken[1])
                continue
            if event.batch is not None:
                try:
                    insert_into(con, event.batch.table.name, event.batch.rows)
                except duckdb.Error as error:
                    broken = (event.raw, failure_reason(error))
                    continue
                written += event.batch.rows.num_rows
                failpoints.reached("staging:batch-written")
            elif event.read is not None:
                con.execute("commit")
                open_file = None
                read_all += event.read
                rows += written
    except BaseException:
        if open_file is not None:
            con.execute("rollback")
        raise
    reads_table, failures_table = tables
    replace_table(con, reads_table.name, read_all.outcomes_table(reads_table))
    replace_table(con, failures_table.name, read_all.failures_table(failures_table))
    return read_all, rows


def stage_survey_files(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, mapping: SurveyMapping, limits: ReadLimits
) -> dict[str, int]:
    """`stg_survey_rows`, `stg_survey_file_reads`, `stg_survey_read_failures`."""
    con.execute(STG_SURVEY_ROWS.create_sql(mapping.form))
    read, rows = _stage(
        con,
        _files_of_kind(con, raw_dir, SURVEY_KIND),
        lambda raw, streaming=True: read_survey_export(raw, mapping, streaming=streaming),
        (STG_SURVEY_FILE_READS, STG_SURVEY_READ_FAILURES),
        SURVEY_KIND,
        limits,
    )
    return {
        "files": len(read.outcomes),
        "rows": rows,
        "malformed_rows": len(read.failures),
        "rejected_files": sum(o.status == "rejected" for o in read.outcomes),
    }


def stage_register_files(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, mapping: RegisterMapping, limits: ReadLimits
) -> dict[str, int]:
    """`stg_workshops`, `stg_attendances`, `stg_register_file_reads`,
    `stg_register_read_failures`."""
    con.execute(STG_WORKSHOPS.create_sql())
    con.execute(STG_ATTENDANCES.create_sql())
    read, _ = _stage(
        con,
        _files_of_kind(con, raw_dir, REGISTER_KIND),
        lambda raw, streaming=True: read_register(raw, mapping),
        (STG_REGISTER_FILE_READS, STG_REGISTER_READ_FAILURES),
        REGISTER_KIND,
        limits,
    )
    workshops = con.table(STG_WORKSHOPS.name).shape[0]
    attendances = con.table(STG_ATTENDANCES.name).shape[0]
    return {
        "files": len({o.source_file for o in read.outcomes}),
        "workshop_rows": workshops,
        "attendance_rows": attendances,
        "rejected_files": sum(o.status == "rejected" for o in read.outcomes),
    }
