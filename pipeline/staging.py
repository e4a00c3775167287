"""Write what the readers produce into the staging tables (`stg_*`) of the warehouse.

Ingestion flows one way: `sources` lists and sniffs the raw files, a reader per kind turns
each file into canonical Arrow batches (`pipeline.readers`), and this module writes them,
creating every table from its declaration (`pipeline.tables.staging`). Readers never call the
writer: they yield batches and return what they read.

Staging is rebuilt from `data/raw/` on every run: the raw folder is the single source of
truth, so a corrected or removed file is reflected at once and nothing depends on the order
in which files arrived. Staging rows are pseudonymised already (see `pipeline.privacy`).
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

from pipeline import sources
from pipeline.readers.registers import RegisterMapping, read_register
from pipeline.readers.results import Batch, FileRead, Reading, StreamBroken
from pipeline.readers.survey import SurveyMapping, read_survey_export
from pipeline.readers.tables import is_workbook
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


def stage_file_inventory(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> pa.Table:
    """`stg_raw_files`: every file of the raw folder, its kind and fingerprint."""
    inventory = sources.inventory(sources.raw_files(raw_dir))
    replace_table(con, STG_RAW_FILES.name, inventory)
    return inventory


def _files_of_kind(con: duckdb.DuckDBPyConnection, raw_dir: Path, kind: str) -> list[RawFile]:
    """The files the inventory of this run found to be of `kind`, in arrival order."""
    of_kind = duckdb.ColumnExpression("file_kind") == duckdb.ConstantExpression(kind)
    wanted = {
        name for (name,) in
        con.table(STG_RAW_FILES.name).filter(of_kind).project("source_file").fetchall()
    }
    return [raw for raw in sources.raw_files(raw_dir) if raw.name in wanted]


@dataclass(frozen=True)
class _Event:
    """What the reading thread hands the writer: a batch of a file, the end of a file (what
    it read), or the restart of a file that broke while streamed (read whole now)."""

    raw: RawFile
    batch: Batch | None = None
    read: FileRead | None = None
    restart: bool = False


_DONE = object()


def _read_files(files: list[RawFile], read: Callable[..., Reading]) -> Iterator[_Event]:
    """Every file's batches, then what was read from it; a file whose stream broke starts
    again, read whole."""
    for raw in files:
        try:
            yield from _events(raw, read(raw))
        except StreamBroken:
            yield _Event(raw, restart=True)
            yield from _events(raw, read(raw, streaming=False))


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


def _stage(
    con: duckdb.DuckDBPyConnection,
    files: list[RawFile],
    read: Callable[..., Reading],
    reads_table: Table,
    failures_table: Table,
) -> tuple[FileRead, int]:
    """Read and write `files`, each in one transaction so that a file is in staging whole or
    not at all (memory holds a few batches of one export, not all of them), then the outcome
    of each file and the rows that could not be parsed."""
    read_all = FileRead()
    rows = written = 0
    open_file: RawFile | None = None
    # Two lanes, each in its own thread: workbooks (fastexcel holds a core for seconds on a
    # large export) are read while the text files are read and written; the writer takes
    # the text files first, then the workbooks, one file at a time.
    workbooks = [raw for raw in files if is_workbook(raw.head())]
    texts = [raw for raw in files if raw not in workbooks]
    lanes = [_read_ahead(_read_files(lane, read)) for lane in (workbooks, texts) if lane]
    try:
        for event in itertools.chain(*reversed(lanes)):
            if event.raw is not open_file or event.restart:
                if open_file is not None:
                    con.execute("rollback")
                con.execute("begin transaction")
                open_file, written = event.raw, 0
            if event.batch is not None:
                insert_into(con, event.batch.table.name, event.batch.rows)
                written += event.batch.rows.num_rows
            elif event.read is not None:
                con.execute("commit")
                open_file = None
                read_all += event.read
                rows += written
    except BaseException:
        if open_file is not None:
            con.execute("rollback")
        raise
    replace_table(con, reads_table.name, read_all.outcomes_table(reads_table))
    replace_table(con, failures_table.name, read_all.failures_table(failures_table))
    return read_all, rows


def stage_survey_files(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, mapping: SurveyMapping
) -> dict[str, int]:
    """`stg_survey_rows`, `stg_survey_file_reads`, `stg_survey_read_failures`."""
    con.execute(STG_SURVEY_ROWS.create_sql(mapping.form))
    read, rows = _stage(
        con,
        _files_of_kind(con, raw_dir, SURVEY_KIND),
        lambda raw, streaming=True: read_survey_export(raw, mapping, streaming=streaming),
        STG_SURVEY_FILE_READS,
        STG_SURVEY_READ_FAILURES,
    )
    return {
        "files": len(read.outcomes),
        "rows": rows,
        "malformed_rows": len(read.failures),
        "rejected_files": sum(o.status == "rejected" for o in read.outcomes),
    }


def stage_register_files(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, mapping: RegisterMapping
) -> dict[str, int]:
    """`stg_workshops`, `stg_attendances`, `stg_register_file_reads`,
    `stg_register_read_failures`."""
    con.execute(STG_WORKSHOPS.create_sql())
    con.execute(STG_ATTENDANCES.create_sql())
    read, _ = _stage(
        con,
        _files_of_kind(con, raw_dir, REGISTER_KIND),
        lambda raw, streaming=True: read_register(raw, mapping),
        STG_REGISTER_FILE_READS,
        STG_REGISTER_READ_FAILURES,
    )
    workshops = con.table(STG_WORKSHOPS.name).shape[0]
    attendances = con.table(STG_ATTENDANCES.name).shape[0]
    return {
        "files": len({o.source_file for o in read.outcomes}),
        "workshop_rows": workshops,
        "attendance_rows": attendances,
        "rejected_files": sum(o.status == "rejected" for o in read.outcomes),
    }
