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

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline import sources
from pipeline.readers.registers import RegisterMapping, read_register
from pipeline.readers.results import FileRead, Reading, StreamBroken
from pipeline.readers.survey import SurveyMapping, read_survey_export
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
    wanted = {
        name
        for (name,) in con.execute(
            f"select source_file from {STG_RAW_FILES.name} where file_kind = ?", [kind]
        ).fetchall()
    }
    return [raw for raw in sources.raw_files(raw_dir) if raw.name in wanted]


def _write_file(con: duckdb.DuckDBPyConnection, reading: Reading) -> tuple[FileRead, int]:
    """Append every batch a reader yields for one file, in one transaction, so that a file
    is in staging whole or not at all; returns what the reader read and the rows written."""
    written = 0
    con.execute("begin transaction")
    try:
        while True:
            try:
                batch = next(reading)
            except StopIteration as finished:
                result: FileRead = finished.value
                break
            insert_into(con, batch.table.name, batch.rows)
            written += batch.rows.num_rows
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return result, written


def _stage(
    con: duckdb.DuckDBPyConnection,
    files: list[RawFile],
    read: Callable[..., Reading],
    reads_table: Table,
    failures_table: Table,
) -> tuple[FileRead, int]:
    """Read and write `files` one at a time (memory holds one batch of one export, not all
    of them), then the outcome of each file and the rows that could not be parsed."""
    read_all = FileRead()
    rows = 0
    for raw in files:
        try:
            result, written = _write_file(con, read(raw))
        except StreamBroken:
            result, written = _write_file(con, read(raw, streaming=False))
        read_all += result
        rows += written
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
    workshops, attendances = con.execute(
        f"select (select count(*) from {STG_WORKSHOPS.name}), "
        f"(select count(*) from {STG_ATTENDANCES.name})"
    ).fetchone() or (0, 0)
    return {
        "files": len({o.source_file for o in read.outcomes}),
        "workshop_rows": workshops,
        "attendance_rows": attendances,
        "rejected_files": sum(o.status == "rejected" for o in read.outcomes),
    }
