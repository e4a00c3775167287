"""Run a pandera model lazily and turn its failure cases into quarantine rows.

A failing row is not an exception that stops the run: it is quarantined with its reasons
(one row per broken rule), and the rest of the data goes on. The failure cases that pandera
reports are kept as rows, not reduced to one message string.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipeline.schemas import REPORTED_COLUMN, RULES, rule_for

QUARANTINE_SCHEMA = {
    "row_index": pl.Int64,
    "rule": pl.String,
    "column": pl.String,
    "value": pl.String,
    "message": pl.String,
}


def failures(
    frame: pl.DataFrame, model: type[pa.DataFrameModel] | pa.DataFrameSchema
) -> pl.DataFrame:
    """Every (row, broken rule) of `frame` under `model`, as quarantine rows.

    `row_index` is the 0-based position of the row in `frame`; the caller joins it back to
    `source_file` and `source_row`. `value` is the offending cell as text (NULL when missing).
    """
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    schema_level = cases.filter(pl.col("index").is_null())
    if schema_level.height:
        # A missing column or a wrong type is a bug of the reader, not of the data.
        name = getattr(model, "__name__", None) or getattr(model, "name", "schema")
        raise ValueError(f"frame does not fit {name}: {schema_level.to_dicts()}")
    # The rule depends on the check and the column only: decide it once per distinct pair.
    cases = cases.select(
        pl.col("index").cast(pl.Int64).alias("row_index"),
        pl.col("column").cast(pl.String),
        pl.col("check").cast(pl.String).str.split("(").list.first().alias("check"),
    ).unique()
    pairs = cases.select("check", "column").unique()
    rules = pairs.with_columns(
        pl.Series("rule", [rule_for(check, column) for check, column in pairs.iter_rows()],
                  dtype=pl.String)
    )
    found = cases.join(rules, on=["check", "column"]).select("row_index", "rule", "column")
    found = found.with_columns(
        pl.col("rule").replace_strict(
            {rule: REPORTED_COLUMN.get(rule, "") for rule in RULES}, default=""
        ).alias("reported"),
    ).with_columns(
        pl.when(pl.col("reported") == "").then(pl.col("column"))
        .otherwise(pl.col("reported")).alias("column")
    )
    values = _cell_values(frame, found)
    return (
        found.join(values, on=["row_index", "column"], how="left")
        .with_columns(
            pl.col("rule").replace_strict({r: RULES[r].message for r in RULES}).alias("message")
        )
        .select(list(QUARANTINE_SCHEMA))
        .unique()
        .sort("row_index", "rule", "column", nulls_last=True)
    )


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
