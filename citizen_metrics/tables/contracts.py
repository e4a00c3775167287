"""Each declared table as a pandera schema: the contract a built table keeps.

The columns, in order and of their declared types, the columns that are never empty, the
allowed values where they are fixed, and the key (unique). Derived from the declarations,
so the data dictionary cannot promise what the tables do not keep: the published tables are
checked against their contract before publication, and every table of the test runs.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from citizen_metrics.tables.model import FieldType, Table

POLARS_TYPES: dict[FieldType, pl.DataType] = {
    "text": pl.String(),
    "integer": pl.Int32(),
    "bigint": pl.Int64(),
    "hugeint": pl.Decimal(38, 0),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
    "text_list": pl.List(pl.String()),
}


def table_schema(table: Table, source: object = None) -> pa.DataFrameSchema:
    """The pandera schema of `table` (`source`: the run's lists, for generated columns)."""
    columns = {
        field.name: pa.Column(
            POLARS_TYPES[field.type],
            nullable=field.nullable,
            checks=[pa.Check.isin(list(field.values))] if field.values else [],
            description=field.description_en,
        )
        for field in table.all_fields(source)
    }
    return pa.DataFrameSchema(
        columns,
        name=table.name,
        strict=True,
        ordered=True,
        unique=list(table.key) or None,
        description=table.description_en,
    )
