"""Run a pandera schema lazily and turn its failure cases into quarantine rows.

A failing row is not an exception that stops the run: it is quarantined with its reasons
(one row per broken rule), and the rest of the data goes on. The failure cases that pandera
reports are kept as rows, not reduced to one message string. Each check is named by its rule
(`citizen_metrics.tables.rules`), so the rule of a failure case is read off it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandera.polars as pa
import polars as pl

from citizen_metrics.ingest.pseudonymise import quarantine_value
from citizen_metrics.tables.rules import RULES, reported_column, rule_for

QUARANTINE_SCHEMA = {
    "row_index": pl.Int64,
    "rule": pl.String,
    "column": pl.String,
    "value": pl.String,
    "message": pl.String,
}


def failures(
    frame: pl.DataFrame, schema: pa.DataFrameSchema, messages: Mapping[str, str],
    region_code: str = "",
) -> pl.DataFrame:
    """Every (row, broken rule) of `frame` under `schema`, as quarantine rows.

    `row_index` is the 0-based position of the row in `frame`; the caller joins it back to
    `source_file` and `source_row`. `value` is the offending cell as text (NULL when missing)
    when it cannot be personal, else what kind of value it is
    (`citizen_metrics.ingest.pseudonymise`: a phone typed in the age column is never copied out).
    `messages` gives each rule's message (`citizen_metrics.tables.rules.messages`); `region_code`
    lets the region's geographic codes be shown.
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    schema_level = cases.filter(pl.col("index").is_null())
    if schema_level.height:
        # A missing column or a wrong type is a bug of the reader, not of the data.
        raise ValueError(f"frame does not fit {schema.name}: {schema_level.to_dicts()}")
    cases = cases.select(
        pl.col("index").cast(pl.Int64).alias("row_index"),
        pl.col("column").cast(pl.String),
        pl.col("check").cast(pl.String),
    ).unique()
    # The rule and the reported column depend on the check and the column only: decide them
    # once per distinct pair.
    pairs = cases.select("check", "column").unique()
    decided = [
        (check, column, rule, reported_column(rule, column if column in frame.columns else None))
        for check, column in pairs.iter_rows()
        for rule in [rule_for(check, column)]
    ]
    rules = pl.DataFrame(
        decided, schema={"check": pl.String, "column": pl.String, "rule": pl.String,
                         "reported": pl.String}, orient="row",
    )
    found = (
        cases.join(rules, on=["check", "column"], nulls_equal=True)
        .select("row_index", "rule", pl.col("reported").alias("column"))
    )
    values = _cell_values(frame, found)
    allowed = _closed_lists(schema)
    shown = {
        (column, value): quarantine_value(value, allowed.get(column, frozenset()), region_code)
        for column, value in values.select("column", "value").unique().iter_rows()
    }
    values = values.with_columns(
        pl.struct("column", "value").map_elements(
            lambda cell: shown[(cell["column"], cell["value"])], return_dtype=pl.String,
        ).alias("value")
    ) if values.height else values
    return (
        found.join(values, on=["row_index", "column"], how="left")
        .with_columns(
            pl.col("rule").replace_strict({r: messages[r] for r in RULES}).alias("message")
        )
        .select(list(QUARANTINE_SCHEMA))
        .unique()
        .sort("row_index", "rule", "column", nulls_last=True)
    )


def _closed_lists(schema: pa.DataFrameSchema) -> dict[str, frozenset[str]]:
    """The values each column may take, where the schema lists them (`isin` checks)."""
    allowed: dict[str, frozenset[str]] = {}
    for name, column in schema.columns.items():
        for check in column.checks:
            values = (check.statistics or {}).get("allowed_values")
            if values is not None:
                allowed[name] = allowed.get(name, frozenset()) | {str(v) for v in values}
    return allowed


def _cell_values(frame: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    """The text of each reported cell, looked up column by column (vectorised)."""
    parts = []
    for column in found.get_column("column").drop_nulls().unique().to_list():
        if column not in frame.columns:
            continue
        rows = found.filter(pl.col("column") == column).get_column("row_index").unique()
        parts.append(
            frame.select(pl.col(column).cast(pl.String).alias("value"))
            .with_row_index("row_index")
            .with_columns(pl.col("row_index").cast(pl.Int64), pl.lit(column).alias("column"))
            .filter(pl.col("row_index").is_in(rows.implode()))
        )
    if not parts:
        return pl.DataFrame(schema={"row_index": pl.Int64, "value": pl.String,
                                    "column": pl.String})
    return pl.concat(parts).select("row_index", "value", "column")
