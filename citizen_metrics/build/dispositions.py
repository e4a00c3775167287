"""Validation: the pandera rules of docs/methodology.md §6 on the rows that de-duplication and
consent leave, their failure cases written as quarantine rows.

Where every staged row ends (accepted, duplicate, superseded, excluded for want of consent,
quarantined) is decided in SQL, one table per step (`citizen_metrics/build/sql/intermediate/`):
`int_*_dedup` matches copies and versions, `int_*_validation_failures` holds what the rules
find, `int_*_quarantine` and `int_*_dispositions` put them together. This module is the one
step that is not SQL: the SQL file of a `*_validation_failures` table selects the rows to
check, the schema of `citizen_metrics.build.schemas` checks them, and each failure case becomes one
row (file, sheet, row, rule, column, value, message) of the table.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandera.polars as pa
import polars as pl

from citizen_metrics.build.runner import SqlContext, render
from citizen_metrics.build.schemas import (
    ATTENDANCE_SCHEMA,
    WORKSHOP_SCHEMA,
    ReferenceCodes,
    survey_response_schema,
)
from citizen_metrics.build.validation import failures
from citizen_metrics.build.warehouse import replace_table
from citizen_metrics.tables.rules import messages


def reference_codes(con: duckdb.DuckDBPyConnection) -> ReferenceCodes:
    """The province and commune codes the survey rules accept, from the reference tables."""
    return ReferenceCodes(
        provinces=[code for (code,) in
                   con.table("ref_provinces").project("province_code").fetchall()],
        communes=[code for (code,) in
                  con.table("ref_communes").project("commune_code").fetchall()],
    )


def _survey_schema(con: duckdb.DuckDBPyConnection, context: SqlContext) -> pa.DataFrameSchema:
    settings = context.settings
    return survey_response_schema(reference_codes(con), context.form,
                                  (settings.min_age, settings.max_age))


# Each validation table, the schema its rows are checked with, and the reference tables
# the schema reads beside the rows of its SQL file.
VALIDATIONS: dict[str, Callable[[duckdb.DuckDBPyConnection, SqlContext], pa.DataFrameSchema]] = {
    "int_survey_validation_failures": _survey_schema,
    "int_workshop_validation_failures": lambda con, context: WORKSHOP_SCHEMA,
    "int_attendance_validation_failures": lambda con, context: ATTENDANCE_SCHEMA,
}
SCHEMA_READS: dict[str, tuple[str, ...]] = {
    "int_survey_validation_failures": ("ref_provinces", "ref_communes"),
}


def validate(con: duckdb.DuckDBPyConnection, name: str, context: SqlContext) -> dict[str, int]:
    """Build validation table `name`: the rows its SQL file selects, checked by its schema,
    one row per (row, broken rule). Returns the number of rows checked and failing."""
    frame = con.sql(render(name, context.variables())).pl()
    schema = VALIDATIONS[name](con, context)
    found = failures(frame, schema, messages(context.settings),
                     context.settings.region_code)
    keyed = found.join(
        frame.select("source_file", "sheet", "source_row").with_row_index("row_index")
        .with_columns(pl.col("row_index").cast(pl.Int64)),
        on="row_index",
    ).select("source_file", "sheet", "source_row", "rule", "column", "value", "message")
    replace_table(con, name, keyed.to_arrow())
    return {"rows_checked": frame.height,
            "rows_failing": keyed.select("source_file", "sheet", "source_row").unique().height}
