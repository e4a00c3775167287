"""Write what the readers produce into the staging tables (`stg_*`) of the warehouse.

Ingestion flows one way: `sources` lists and sniffs the raw files, a reader per kind turns
each file into canonical Arrow batches (`citizen_metrics.ingest.readers`), and this module writes
them, creating every table from its declaration (`citizen_metrics.tables.staging`). Readers never
call the writer: they yield batches and return what they read.

The raw folder is the single source of truth, and staging follows it incrementally: a file
is read once, and its rows stay in staging while the file stays the same (same name, same
SHA-256). Every run compares the folder with the ledger of each kind of file
(`stg_survey_staged_files`, `stg_register_staged_files`; `plan_staging`): a new file
is read, a changed one has its rows replaced, a removed one has its rows deleted, an
unchanged one costs nothing. The staged rows of a file depend only on its bytes and on how
it is read (the form, the vocabularies, the pseudonymisation key, the readers' code: the
`reading_fingerprint`); when that changes, every file is read again. Everything downstream
(dispositions, validation, marts) is rebuilt from the staged rows on every run, so the
published figures are those of a full rebuild, whatever order the files arrived in. Staging
rows are pseudonymised already (see `citizen_metrics.ingest.pseudonymise`).

One file never stops the run: whatever goes wrong while one file is read or written (an
input/output error, a value no column can hold, an exception nobody foresaw), that file's
rows are rolled back and it is `rejected` with the reason, and the run goes on with the
others. A file that changed since the inventory saw it (still being copied) is rejected too,
and read by the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue

import duckdb
import pyarrow as pa

from citizen_metrics.build.warehouse import insert_into, one_row, replace_table, scalar
from citizen_metrics.ingest import sources
from citizen_metrics.ingest.readers.grids import is_workbook
from citizen_metrics.ingest.readers.registers import RegisterMapping, read_register
from citizen_metrics.ingest.readers.results import (
    Batch,
    FileOutcome,
    FileRead,
    Reading,
    StreamBroken,
    failure_reason,
)
from citizen_metrics.ingest.readers.survey import SurveyMapping, read_survey_export
from citizen_metrics.ingest.sources import RawFile
from citizen_metrics.operations import failpoints
from citizen_metrics.settings import ReadLimits
from citizen_metrics.tables.fields import REGISTER_KIND, SURVEY_KIND
from citizen_metrics.tables.model import Table
from citizen_metrics.tables.staging import (
    STG_ATTENDANCES,
    STG_RAW_FILES,
    STG_REGISTER_FILE_READS,
    STG_REGISTER_READ_FAILURES,
    STG_REGISTER_STAGED_FILES,
    STG_SURVEY_FILE_READS,
    STG_SURVEY_READ_FAILURES,
    STG_SURVEY_ROWS,
    STG_SURVEY_STAGED_FILES,
    STG_WORKSHOPS,
)

# The modules whose code decides what a file's staged rows are: a change to any of them
# (an upgrade) makes every file be read again, so staging never mixes rows of two versions.
READING_CODE = ("ingest", "tables")


def stage_file_inventory(con: duckdb.DuckDBPyConnection, raw_dir: Path,
                         limits: ReadLimits) -> pa.Table:
    """`stg_raw_files`: every file of the raw folder, its kind and fingerprint, and what is
    rejected before being read (`citizen_metrics.ingest.sources`).

    A file whose name, size and modification time are those of the last inventory keeps
    the digest and kind found then: listing an unchanged folder reads no file."""
    inventory = sources.inventory(sources.scan(raw_dir), limits, known=_known_files(con))
    replace_table(con, STG_RAW_FILES.name, inventory)
    return inventory


def _known_files(con: duckdb.DuckDBPyConnection) -> dict[sources.FileStat, sources.FileIdentity]:
    """(name, size, modification time) -> (SHA-256, kind, reason) of the last inventory."""
    if not _table_exists(con, STG_RAW_FILES.name):
        return {}
    rows = con.execute(
        f"select source_file, size_bytes, modified_at, sha256, file_kind, reason "
        f"from {STG_RAW_FILES.name} where sha256 <> ''"
    ).fetchall()
    return {
        sources.FileStat(name, size, modified): sources.FileIdentity(sha256, kind, reason)
        for name, size, modified, sha256, kind, reason in rows
    }


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(
        con, "select count(*) from duckdb_tables() where table_name = ? "
        "and schema_name = current_schema()", [name]))


def _code_digest() -> str:
    """SHA-256 of the source of the modules listed in `READING_CODE`."""
    root = Path(__file__).parents[1]
    digest = hashlib.sha256()
    for entry in READING_CODE:
        path = root / entry
        for module in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(module.relative_to(root)).encode())
            digest.update(module.read_bytes())
    return digest.hexdigest()


def reading_fingerprint(*parts: object) -> str:
    """What, besides a file's bytes, decides its staged rows: `parts` (the form, the
    vocabularies, the pseudonymisation key's fingerprint) and the readers' code."""
    digest = hashlib.sha256(_code_digest().encode())
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class StagingPlan:
    """What a run does to staging for one kind of file: the files to read (new or
    changed), those whose rows are deleted first (changed or gone), those left as they are."""

    read: tuple[str, ...]
    drop: tuple[str, ...]
    keep: tuple[str, ...]


def plan_staging(current: dict[str, str], staged: dict[str, str]) -> StagingPlan:
    """Compare the files of the folder (name -> SHA-256) with the files staged: a file is
    kept only under the same name with the same content."""
    keep = sorted(name for name, sha in current.items() if staged.get(name) == sha)
    return StagingPlan(
        read=tuple(sorted(set(current) - set(keep))),
        drop=tuple(sorted(set(staged) - set(keep))),
        keep=tuple(keep),
    )


def _digests_of_kind(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, str]:
    """The files the inventory of this run found to be of `kind`: name -> SHA-256."""
    return dict(con.execute(
        f"select source_file, sha256 from {STG_RAW_FILES.name} where file_kind = ?", [kind]
    ).fetchall())


CHANGED_REASON = ("le fichier a changé pendant la lecture du dossier (copie en cours ?) : il "
                  "sera lu à la prochaine exécution")


def _files_to_read(con: duckdb.DuckDBPyConnection, raw_dir: Path, kind: str,
                   names: Iterable[str]) -> tuple[list[RawFile], list[RawFile]]:
    """The files `names` of `kind` found by the inventory of this run, in arrival order:
    those unchanged since, and those that changed (their content is no longer what was
    sniffed and hashed)."""
    wanted = set(names)
    seen = {
        name: (size, modified)
        for name, size, modified in con.execute(
            f"select source_file, size_bytes, modified_at from {STG_RAW_FILES.name} "
            "where file_kind = ?", [kind]
        ).fetchall()
    }
    present = [raw for raw in sources.raw_files(raw_dir)
               if raw.name in seen and raw.name in wanted]
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


class _ReadAhead:
    """The events, produced in a thread a few batches ahead of the writer: reading and
    mapping a file (pyarrow, fastexcel, Python) overlaps with DuckDB writing the batch
    before. Memory holds `depth` batches more, not more files.

    The thread starts when this is made, not when it is first iterated (a generator's
    would): reading is under way while the writer prepares."""

    def __init__(self, events: Iterator[_Event], depth: int = 2) -> None:
        self._queue: Queue[object] = Queue(maxsize=depth)
        self._stop = threading.Event()
        self._events = events
        self._worker = threading.Thread(target=self._produce, name="staging-reader",
                                        daemon=True)
        self._worker.start()

    def _produce(self) -> None:
        try:
            for event in self._events:
                while not self._stop.is_set():
                    try:
                        self._queue.put(event, timeout=0.1)
                        break
                    except Full:
                        continue
                if self._stop.is_set():
                    return
            self._queue.put(_DONE)
        except BaseException as error:  # handed to the writer, which raises it
            self._queue.put(error)

    def __iter__(self) -> Iterator[_Event]:
        while (item := self._queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, _Event)
            yield item

    def stop(self) -> None:
        """Stop reading (the writer is done or failed) and wait for the thread."""
        self._stop.set()  # a producer waiting for room sees it within 0.1 s
        self._worker.join()


@dataclass(frozen=True)
class _Kind:
    """One kind of file and the staging tables its reader fills."""

    kind: str
    data_tables: tuple[Table, ...]
    reads_table: Table
    failures_table: Table
    ledger: Table  # the files whose rows are staged, with their SHA-256

    @property
    def tables(self) -> tuple[Table, ...]:
        return (*self.data_tables, self.reads_table, self.failures_table)


SURVEY = _Kind(SURVEY_KIND, (STG_SURVEY_ROWS,), STG_SURVEY_FILE_READS, STG_SURVEY_READ_FAILURES,
               STG_SURVEY_STAGED_FILES)
REGISTER = _Kind(REGISTER_KIND, (STG_WORKSHOPS, STG_ATTENDANCES), STG_REGISTER_FILE_READS,
                 STG_REGISTER_READ_FAILURES, STG_REGISTER_STAGED_FILES)


@dataclass(frozen=True)
class StagingRun:
    """What one run did to staging for one kind of file."""

    plan: StagingPlan
    full: bool  # every file read again: first run, or the way of reading changed
    rows_read: int
    files_read: FileRead

    def counts(self) -> dict[str, int]:
        return {
            "files_new_or_changed": len(self.plan.read),
            "files_unchanged": len(self.plan.keep),
            "files_removed": len(set(self.plan.drop) - set(self.plan.read)),
            "rows_read_now": self.rows_read,
            "full_read": int(self.full),
        }


def _stage_kind(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    kind: _Kind,
    read: Callable[..., Reading],
    fingerprint: str,
    limits: ReadLimits,
    form: object = None,
) -> StagingRun:
    """Bring the staging tables of `kind` in line with the raw folder: delete the rows of
    files changed or gone, read the files new or changed, leave the others."""
    ledger = kind.ledger.name
    con.execute(kind.ledger.create_sql(if_not_exists=True))
    staged = dict(con.execute(
        f"select source_file, sha256 from {ledger} where file_kind = ? "
        f"and reading_fingerprint = ?", [kind.kind, fingerprint]).fetchall())
    others = scalar(con, f"select count(*) from {ledger} where file_kind = ? "
                         f"and reading_fingerprint <> ?", [kind.kind, fingerprint])
    full = not staged or others > 0 or not all(
        _table_exists(con, table.name) for table in kind.tables)
    if full:
        staged = {}
        con.execute("begin transaction")
        for table in kind.tables:
            con.execute(table.create_sql(form))
        con.execute(f"delete from {ledger} where file_kind = ?", [kind.kind])
        con.execute("commit")
    shas = _digests_of_kind(con, kind.kind)
    plan = plan_staging(shas, staged)
    if plan.drop or plan.read:
        # A file to read may have left rows before: it was rejected last time (no ledger
        # entry, so it is read again), or a run died after writing its outcome.
        con.execute("begin transaction")
        _delete_files(con, kind, {*plan.drop, *plan.read})
        con.execute("commit")
    read_now, rows = _stage(con, _files_to_read(con, raw_dir, kind.kind, plan.read), read, kind,
                            {name: shas[name] for name in plan.read}, fingerprint, limits)
    return StagingRun(plan, full, rows, read_now)


def _delete_files(con: duckdb.DuckDBPyConnection, kind: _Kind, names: Iterable[str]) -> None:
    """Delete every staged row of these files of `kind`, and their ledger entries."""
    names = list(names)
    for table in kind.tables:
        con.execute(f"delete from {table.name} where source_file in (select unnest(?))",
                    [names])
    con.execute(f"delete from {kind.ledger.name} where source_file in (select unnest(?))",
                [names])


def _is_workbook(raw: RawFile) -> bool:
    try:
        return is_workbook(raw.head())
    except OSError:
        return False  # read as text, and rejected with the I/O error


def _stage(
    con: duckdb.DuckDBPyConnection,
    files: tuple[list[RawFile], list[RawFile]],
    read: Callable[..., Reading],
    kind: _Kind,
    shas: dict[str, str],
    fingerprint: str,
    limits: ReadLimits,
) -> tuple[FileRead, int]:
    """Read and write `files` (unchanged since the inventory, changed), each in one
    transaction with what was read from it and its ledger entry, so that a file is in staging
    whole or not at all (memory holds a few batches of one export, not all of them); returns
    what was read and the rows written. A file whose rows cannot be written is rolled back
    and rejected, and so is a file that changed since the inventory; the writer goes on with
    the next file. A rejected file gets no ledger entry: it is looked at again next run (an
    I/O error may have passed)."""
    readable, changed = files
    # Rejections decided outside a file's transaction, recorded at the end.
    set_aside = FileRead(outcomes=[FileOutcome.rejected(raw.name, kind.kind, CHANGED_REASON)
                                   for raw in changed])
    read_all = FileRead()
    rows = written = 0
    open_file: RawFile | None = None
    broken: tuple[RawFile, str] | None = None  # a file whose rows could not be written
    # One reader thread ahead of the writer, workbooks first. A workbook is parsed whole
    # (fastexcel: about 15 times its size in memory while its sheet loads, 1.9 GB for a
    # 122 MB Kobo export), so it is read while nothing else is held; the text exports then
    # stream in batches while the writer inserts. Reading a workbook beside the text
    # exports (two reader threads) saved a quarter of staging's time but took the run's
    # memory past 3.5 GB at a million responses.
    workbooks = [raw for raw in readable if _is_workbook(raw)]
    texts = [raw for raw in readable if raw not in workbooks]
    reader = _ReadAhead(_read_files([*workbooks, *texts], read, kind.kind, limits))
    try:
        for event in reader:
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
                    set_aside += _rejected(event.raw, kind.kind, broken[1])
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
                _record_file(con, kind, event.raw.name, event.read, shas[event.raw.name],
                             fingerprint)
                con.execute("commit")
                open_file = None
                read_all += event.read
                rows += written
    except BaseException:
        if open_file is not None:
            con.execute("rollback")
        raise
    finally:
        reader.stop()
    insert_into(con, kind.reads_table.name, set_aside.outcomes_table(kind.reads_table))
    read_all += set_aside
    return read_all, rows


def _record_file(con: duckdb.DuckDBPyConnection, kind: _Kind, name: str, read: FileRead,
                 sha256: str, fingerprint: str) -> None:
    """What was read from a file (outcomes, rows that could not be parsed) and its ledger
    entry, in the file's transaction. A file rejected whole gets no ledger entry, so the
    next run looks at it again (the I/O error may have passed; a file rejected for its
    content is small to look at)."""
    insert_into(con, kind.reads_table.name, read.outcomes_table(kind.reads_table))
    insert_into(con, kind.failures_table.name, read.failures_table(kind.failures_table))
    if all(outcome.status == "rejected" for outcome in read.outcomes):
        return
    insert_into(con, kind.ledger.name, kind.ledger.from_pylist([{
        "source_file": name, "file_kind": kind.kind, "sha256": sha256,
        "reading_fingerprint": fingerprint,
        "staged_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }]))


def stage_survey_files(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, mapping: SurveyMapping, limits: ReadLimits
) -> dict[str, int]:
    """`stg_survey_rows`, `stg_survey_file_reads`, `stg_survey_read_failures`, for the
    survey exports new or changed since the last run (see the module's docstring)."""
    fingerprint = reading_fingerprint(
        "survey", mapping.form, mapping.selected_flags, mapping.pseudonymiser.fingerprint(),
        limits)
    run = _stage_kind(
        con, raw_dir, SURVEY,
        lambda raw, streaming=True: read_survey_export(raw, mapping, streaming=streaming),
        fingerprint, limits, form=mapping.form,
    )
    files, malformed, rejected, rows = one_row(
        con,
        f"select (select count(*) from {STG_SURVEY_FILE_READS.name}), "
        f"(select count(*) from {STG_SURVEY_READ_FAILURES.name}), "
        f"(select count(*) from {STG_SURVEY_FILE_READS.name} where status = 'rejected'), "
        f"(select count(*) from {STG_SURVEY_ROWS.name})",
    )
    return {"files": files, "rows": rows, "malformed_rows": malformed,
            "rejected_files": rejected, **run.counts()}


def stage_register_files(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, mapping: RegisterMapping, limits: ReadLimits
) -> dict[str, int]:
    """`stg_workshops`, `stg_attendances`, `stg_register_file_reads`,
    `stg_register_read_failures`, for the registers new or changed since the last run."""
    fingerprint = reading_fingerprint(
        "register", mapping.vocabularies, mapping.pseudonymiser.fingerprint(), limits)
    run = _stage_kind(con, raw_dir, REGISTER,
                      lambda raw, streaming=True: read_register(raw, mapping), fingerprint,
                      limits)
    files, workshops, attendances, rejected = one_row(
        con,
        f"select (select count(distinct source_file) from {STG_REGISTER_FILE_READS.name}), "
        f"(select count(*) from {STG_WORKSHOPS.name}), "
        f"(select count(*) from {STG_ATTENDANCES.name}), "
        f"(select count(*) from {STG_REGISTER_FILE_READS.name} where status = 'rejected')",
    )
    return {"files": files, "workshop_rows": workshops, "attendance_rows": attendances,
            "rejected_files": rejected, **run.counts()}
