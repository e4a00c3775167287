"""Load what the readers produced into staging tables (`stg_*`) of the warehouse.

Staging is rebuilt from `data/raw/` on every run: the raw folder is the single source of
truth, so a corrected or removed file is reflected at once and nothing depends on the order
in which files arrived. Staging rows are pseudonymised already (see `pipeline.privacy`).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pipeline.ingest import (
    REGISTER_KIND,
    SURVEY_KIND,
    FileOutcome,
    RawFile,
    ReadFailure,
    empty_survey_table,
    file_kind,
    raw_files,
    read_register_files,
    read_survey_file,
)
from pipeline.privacy import Pseudonymiser
from pipeline.readers.registers import ATTENDANCE_COLUMNS, WORKSHOP_COLUMNS
from pipeline.settings import LOCAL_TIME_ZONE, Vocabularies
from pipeline.warehouse import insert_into, replace_table
from pipeline.xlsform import SurveyForm

# Arrow schemas of the per-file outcomes and unparseable rows, so that the staging tables
# have the same column types whether a run found zero files or hundreds.
OUTCOME_SCHEMA = pa.schema(
    [(name, pa.int64() if name == "rows_read" else pa.string())
     for name in FileOutcome.__dataclass_fields__]
)
FAILURE_SCHEMA = pa.schema(
    [(name, pa.int64() if name == "source_row" else pa.string())
     for name in ReadFailure.__dataclass_fields__]
)


def _outcomes_frame(outcomes: list[FileOutcome]) -> pa.Table:
    return pa.Table.from_pylist([asdict(o) for o in outcomes], schema=OUTCOME_SCHEMA)


def _failures_frame(failures: list[ReadFailure]) -> pa.Table:
    return pa.Table.from_pylist([asdict(f) for f in failures], schema=FAILURE_SCHEMA)


def stage_file_inventory(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> pd.DataFrame:
    """`stg_raw_files`: every file of the raw folder, its kind and fingerprint."""
    rows = [
        {
            "source_file": raw.name,
            "file_kind": file_kind(raw),
            "size_bytes": raw.size_bytes,
            "modified_at": raw.modified_at.replace(tzinfo=None),
            "sha256": raw.sha256(),
            "file_order": order,
        }
        for order, raw in enumerate(raw_files(raw_dir), start=1)
    ]
    frame = pd.DataFrame(
        rows,
        columns=["source_file", "file_kind", "size_bytes", "modified_at", "sha256", "file_order"],
    ).astype({"source_file": "str", "file_kind": "str", "sha256": "str",
              "size_bytes": "int64", "file_order": "int64",
              "modified_at": "datetime64[us]"})
    replace_table(con, "stg_raw_files", frame)
    return frame


def _files_of_kind(con: duckdb.DuckDBPyConnection, raw_dir: Path, kind: str) -> list[RawFile]:
    wanted = {
        name
        for (name,) in con.execute(
            "select source_file from stg_raw_files where file_kind = ?", [kind]
        ).fetchall()
    }
    return [raw for raw in raw_files(raw_dir) if raw.name in wanted]


# A time written with its offset (`…T10:02:11.000+01:00`, `…Z`): the offset decides.
_OFFSET_PATTERN = r":\d\d(\.\d*)?\s*([zZ]|[+-]\d\d(:?\d\d)?)$"


def _timestamp_sql(column: str, naive_zone: str) -> str:
    """A time as a UTC timestamp, from ISO text or an Excel serial day number; anything else
    NULL (the row is kept, the time is unknown).

    Text with an offset is exact. A time without one (text, or an Excel serial) is local
    time of `naive_zone`: the device's zone for `start` and `end` (Kobo XLSX exports and
    hand-typed files lose the offset), UTC for Kobo's `_submission_time`. DuckDB's ICU
    extension (built in) applies the tz database, so Morocco's Ramadan hour is followed.
    """
    serial = f"try_cast({column} as double)"
    naive = (
        f"coalesce(try_cast({column} as timestamp), "
        f"case when {serial} between 20000 and 80000 then timestamp '1899-12-30' "
        f"+ to_microseconds(cast(round({serial} * 86400000000) as bigint)) end)"
    )
    instant = (
        f"case when regexp_matches({column}, '{_OFFSET_PATTERN}') "
        f"then try_cast({column} as timestamptz) "
        f"else timezone('{naive_zone}', {naive}) end"
    )
    return f"timezone('UTC', {instant})"


def _date_sql(column: str) -> str:
    """A calendar date (`today`: the device's local date) from ISO text or an Excel serial."""
    serial = f"try_cast({column} as double)"
    return (
        f"coalesce(cast(try_cast({column} as timestamp) as date), "
        f"case when {serial} between 20000 and 80000 then date '1899-12-30' "
        f"+ cast(floor({serial}) as integer) end)"
    )


class _StagingSink:
    """Appends canonical survey batches to `stg_survey_rows` (see `ingest.TableSink`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        self.con, self.select, self.rows = con, select, 0

    def write(self, table: pa.Table) -> None:
        insert_into(self.con, "stg_survey_rows", table, select=self.select)
        self.rows += table.num_rows

    def discard(self, source_file: str) -> None:
        removed = self.con.execute(
            "delete from stg_survey_rows where source_file = ?", [source_file]
        ).fetchone()[0]
        self.rows -= removed


def stage_survey_files(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    form: SurveyForm,
    pseudonymiser: Pseudonymiser,
) -> dict[str, int]:
    """`stg_survey_rows`, `stg_survey_file_reads`, `stg_survey_read_failures`.

    Files are read and inserted one at a time, so memory holds one export, not all of them
    (cumulative exports at national scale are millions of rows each).
    """
    zones = {"submitted_at": "UTC", "started_at": LOCAL_TIME_ZONE, "ended_at": LOCAL_TIME_ZONE}
    answers = ", ".join(f"nullif({name}, '') as {name}" for name in form.answer_fields)
    casts = ", ".join(f"{_timestamp_sql(name, zone)} as {name}" for name, zone in zones.items())
    select = (
        "source_file, source_row, file_shape, submission_key, enumerator_key, "
        f"{casts}, {_date_sql('interview_date')} as interview_date, {answers}"
    )
    replace_table(con, "stg_survey_rows", empty_survey_table(form), select=select)
    outcomes: list[FileOutcome] = []
    failures: list[ReadFailure] = []
    sink = _StagingSink(con, select)
    for raw in _files_of_kind(con, raw_dir, SURVEY_KIND):
        read = read_survey_file(raw, form, pseudonymiser, sink)
        outcomes += read.outcomes
        failures += read.failures
    replace_table(con, "stg_survey_file_reads", _outcomes_frame(outcomes))
    replace_table(con, "stg_survey_read_failures", _failures_frame(failures))
    return {
        "files": len(outcomes),
        "rows": sink.rows,
        "malformed_rows": len(failures),
        "rejected_files": sum(o.status == "rejected" for o in outcomes),
    }


def stage_register_files(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    pseudonymiser: Pseudonymiser,
    vocabularies: Vocabularies,
) -> dict[str, int]:
    """`stg_workshops`, `stg_attendances`, `stg_register_file_reads`."""
    read = read_register_files(
        _files_of_kind(con, raw_dir, REGISTER_KIND), pseudonymiser, vocabularies
    )
    workshops = (
        pd.concat(read.workshops, ignore_index=True)
        if read.workshops
        else pd.DataFrame(columns=list(WORKSHOP_COLUMNS))
    )
    attendances = (
        pd.concat(read.attendances, ignore_index=True)
        if read.attendances
        else pd.DataFrame(columns=list(ATTENDANCE_COLUMNS))
    )
    replace_table(
        con,
        "stg_workshops",
        workshops,
        select=(
            "source_file::varchar as source_file, sheet::varchar as sheet, "
            "source_row::bigint as source_row, workshop_id::varchar as workshop_id, "
            "commune_code::varchar as commune_code, workshop_date::date as workshop_date, "
            "workshop_type::varchar as workshop_type, expert_key::varchar as expert_key, "
            "date_text::varchar as date_text"
        ),
    )
    replace_table(
        con,
        "stg_attendances",
        attendances,
        select=(
            "source_file::varchar as source_file, sheet::varchar as sheet, "
            "source_row::bigint as source_row, workshop_id::varchar as workshop_id, "
            "person_key::varchar as person_key, has_phone::boolean as has_phone, "
            "sex::varchar as sex, age::integer as age, category::varchar as category, "
            "disability::varchar as disability, residence::varchar as residence"
        ),
    )
    replace_table(con, "stg_register_file_reads", _outcomes_frame(read.outcomes))
    replace_table(con, "stg_register_read_failures", _failures_frame(read.failures))
    return {
        "files": len({o.source_file for o in read.outcomes}),
        "workshop_rows": len(workshops),
        "attendance_rows": len(attendances),
        "rejected_files": sum(o.status == "rejected" for o in read.outcomes),
    }
