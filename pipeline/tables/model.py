"""What a field, a table and a quarantine rule are: the types the declarations are made of.

A table's shape is written once, in `pipeline.tables`, and everything that needs it is derived
from the declaration: the Arrow schema readers produce and the staging writer checks, the
empty table of a run that found no file, the column list of the warehouse table. The model
follows PUDL's metadata (`metadata/fields.py`, `metadata/resources/`): fields are declared
once by name, with their type, French and English description and allowed values, and tables
list the fields they are made of, their key and their layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

FieldType = Literal["text", "integer", "bigint", "number", "boolean", "date", "timestamp"]
Layer = Literal["staging", "intermediate", "marts", "quality"]

# Arrow and DuckDB types of each field type. Timestamps are UTC instants without a zone
# (the warehouse connection runs in UTC), at DuckDB's microsecond precision.
ARROW_TYPES: dict[FieldType, pa.DataType] = {
    "text": pa.string(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}
DUCKDB_TYPES: dict[FieldType, str] = {
    "text": "varchar",
    "integer": "integer",
    "bigint": "bigint",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


@dataclass(frozen=True)
class Field:
    """One column, declared once whatever the tables it appears in.

    `values` lists the allowed values when they are fixed; `values_from` names where they
    come from when they are data: `form:<list>` (a choice list of the XLSForm),
    `template:<column>` (the register template's `valeurs` sheet), `vocabulary:<name>`
    (`data/reference/vocabularies.yaml`), `reference:<file>` (a reference list).
    """

    name: str
    type: FieldType
    description_fr: str
    description_en: str
    nullable: bool = True
    values: tuple[str, ...] | None = None
    values_from: str | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    def arrow_field(self) -> pa.Field:
        return pa.field(self.name, self.arrow_type, nullable=self.nullable)


@dataclass(frozen=True)
class Table:
    """One warehouse table: its fields in order, its key, its layer and what it holds.

    `extra_fields`, when set, adds fields known only at run time after the declared ones
    (the answer columns of `stg_survey_rows` come from the questionnaire); it is called with
    whatever the caller passes as `source` (the parsed form).
    """

    name: str
    layer: Layer
    description_fr: str
    description_en: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    extra_fields: Callable[[object], tuple[Field, ...]] | None = field(default=None,
                                                                      compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a field is listed twice")
        unknown = set(self.key) - set(names)
        if unknown:
            raise ValueError(f"{self.name}: key fields {sorted(unknown)} are not fields")

    def all_fields(self, source: object = None) -> tuple[Field, ...]:
        """The declared fields, then the run-time ones (`source` is the form for those)."""
        if self.extra_fields is None:
            return self.fields
        if source is None:
            raise ValueError(f"{self.name} has fields from the form: pass the form")
        return self.fields + self.extra_fields(source)

    def column_names(self, source: object = None) -> list[str]:
        return [f.name for f in self.all_fields(source)]

    def arrow_schema(self, source: object = None) -> pa.Schema:
        return pa.schema([f.arrow_field() for f in self.all_fields(source)])

    def empty(self, source: object = None) -> pa.Table:
        """The table with no row (a run that found no file still has every column)."""
        return self.arrow_schema(source).empty_table()

    def from_pylist(self, rows: list[Mapping[str, object]], source: object = None) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=self.arrow_schema(source))

    def conform(self, table: pa.Table, source: object = None) -> pa.Table:
        """`table` with exactly the declared columns, in order and of the declared types;
        a missing or extra column is a bug of the code that built it, not of the data."""
        schema = self.arrow_schema(source)
        if table.column_names != schema.names:
            missing = set(schema.names) - set(table.column_names)
            extra = set(table.column_names) - set(schema.names)
            if missing or extra:
                raise ValueError(
                    f"{self.name}: columns missing {sorted(missing)}, unexpected {sorted(extra)}"
                )
            table = table.select(schema.names)
        return table.cast(schema) if not table.schema.equals(schema) else table

    def create_sql(self, source: object = None, *, if_not_exists: bool = False) -> str:
        """`create or replace table` with the declared columns and types (`create table if
        not exists` for a table kept between runs)."""
        columns = ", ".join(f"{f.name} {f.duckdb_type}" for f in self.all_fields(source))
        verb = "create table if not exists" if if_not_exists else "create or replace table"
        return f"{verb} {self.name} ({columns})"


@dataclass(frozen=True)
class Rule:
    """A quarantine rule (INDICATORS.md §6): the id analysts filter on, the message clerks
    read, and which column's value a quarantine row shows.

    The pandera check that enforces a rule is named by its id, so a failure case names its
    rule. A missing value is reported by pandera as `not_nullable` on the column:
    `missing_of` names the column whose missing value breaks this rule. `reported_column` is
    the column whose value the quarantine row shows: `CHECKED` for the checked column
    itself, None for no value (a missing id has none to show), or another column (a
    commune that is not in its province shows the commune).

    `message` may name settings in braces (`{min_age}`), filled in from the run's settings.
    """

    id: str
    message: str
    applies_to: str
    reported_column: str | None = "<checked>"
    missing_of: str | None = None

    def text(self, settings: object | None = None) -> str:
        """The message, with the settings it names filled in."""
        if "{" not in self.message:
            return self.message
        if settings is None:
            raise ValueError(f"rule {self.id}: its message needs the settings")
        return self.message.format_map(vars(settings))


CHECKED = "<checked>"
