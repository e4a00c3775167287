"""What a field, a table and a quarantine rule are: the types the declarations are made of.

A table's shape is written once, in `citizen_metrics.tables`, and everything that needs it is
derived from the declaration: the Arrow schema readers produce and the staging writer checks, the
empty table of a run that found no file, the columns a built table must have, the list of
published tables, the data dictionary (French and English), Dagster's column schema. The
model follows PUDL's metadata (`metadata/fields.py`, `metadata/resources/`): fields are
declared once by name, with their type, French and English description and allowed values,
and tables list the fields they are made of, their key and their layer.

Some columns exist once per member of a list that the questionnaire or the register template
gives (one `share_<category>` per participant category, one answer column per closed
question): they are declared as a `FieldFamily`, expanded at run time from the lists of the
run (`RunLists`), so a new category in the template reaches the marts, and their
description, without a code change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

FieldType = Literal["text", "integer", "bigint", "hugeint", "number", "boolean", "date",
                    "timestamp", "text_list"]
Layer = Literal["reference", "staging", "intermediate", "marts", "labels", "quality"]
LAYERS: tuple[Layer, ...] = ("reference", "staging", "intermediate", "marts", "labels",
                             "quality")

# Arrow and DuckDB types of each field type. Timestamps are UTC instants without a zone
# (the warehouse connection runs in UTC), at DuckDB's microsecond precision. `hugeint` is
# what DuckDB gives a sum of 64-bit integers (a population summed over communes).
ARROW_TYPES: dict[FieldType, pa.DataType] = {
    "text": pa.string(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "hugeint": pa.decimal128(38, 0),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "text_list": pa.list_(pa.string()),
}
DUCKDB_TYPES: dict[FieldType, str] = {
    "text": "varchar",
    "integer": "integer",
    "bigint": "bigint",
    "hugeint": "hugeint",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "text_list": "varchar[]",
}


@dataclass(frozen=True)
class Field:
    """One column, declared once whatever the tables it appears in.

    `values` lists the allowed values when they are fixed; `values_from` names where they
    come from when they are data: `form:<list>` (a choice list of the XLSForm),
    `template:<column>` (the register template's `valeurs` sheet), `vocabulary:<name>`
    (`data/reference/vocabularies.yaml`), `reference:<file>` (a reference list), `rules`
    (the quarantine rules of `citizen_metrics.tables.rules`).
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

    def optional(self) -> Field:
        """The same column where it may be empty (a left join that finds nothing)."""
        return dataclasses.replace(self, nullable=True)

    def required(self) -> Field:
        """The same column where it is never empty."""
        return dataclasses.replace(self, nullable=False)

    def renamed(self, name: str) -> Field:
        """The same kind of column under another name in one table."""
        return dataclasses.replace(self, name=name)

    def described(self, description_fr: str, description_en: str) -> Field:
        """The same column, described as it is meant in one table (`ci_low` of a gap is
        Newcombe's bound, of a share Wilson's)."""
        return dataclasses.replace(self, description_fr=description_fr,
                                   description_en=description_en)


@dataclass(frozen=True)
class Member:
    """One member of a run-time list: a question of the form, a service, a participant
    category. `values_from` is where the values of its column come from (an answer's
    choice list)."""

    name: str
    label_fr: str | None = None
    values_from: str | None = None


@dataclass(frozen=True)
class RunLists:
    """The lists that generated columns are made from, read at run time: `form:<what>`
    from the questionnaire, `template:<column>` from the register template."""

    lists: Mapping[str, tuple[Member, ...]]

    def members(self, name: str) -> tuple[Member, ...]:
        if name not in self.lists:
            raise KeyError(f"no run-time list {name!r}; known: {sorted(self.lists)}")
        return self.lists[name]


@dataclass(frozen=True)
class FieldFamily:
    """Columns made at run time, one per member of a list (`members`, a key of `RunLists`):
    `share_<category>` for each participant category of the register template.

    `pattern` names a column from its member (`share_{member}`); `description_fr/en` say
    what the family is (the data dictionary shows it once, as `share_<category>`), and
    `member_fr/en` describe one column, naming `{member}` and its French `{label}`.
    """

    pattern: str
    members: str
    member: str
    type: FieldType
    description_fr: str
    description_en: str
    member_fr: str
    member_en: str
    nullable: bool = True
    values: tuple[str, ...] | None = None
    values_from: str | None = None

    @property
    def name(self) -> str:
        """The family as the dictionary shows it: `share_<category>`."""
        return self.pattern.format(member=f"<{self.member}>")

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    def expand(self, members: Sequence[Member]) -> tuple[Field, ...]:
        return tuple(
            Field(
                self.pattern.format(member=m.name), self.type,
                self.member_fr.format(member=m.name, label=m.label_fr or m.name),
                self.member_en.format(member=m.name, label=m.label_fr or m.name),
                nullable=self.nullable, values=self.values,
                values_from=self.values_from or m.values_from,
            )
            for m in members
        )


Column = Field | FieldFamily


def bilingual(french: str, english: str) -> str:
    """A description as the Dagster UI shows it: the French, then the English."""
    return f"{french}\n\nEN: {english}"


@dataclass(frozen=True)
class Table:
    """One warehouse table: its columns in order, its key, its layer and what it is for.

    `fields` may hold families (`FieldFamily`), expanded from the lists of the run: pass the
    run's `RunLists` (or the parsed form, for a table whose families come from the form
    only) wherever the columns are needed. `published` tables are copied into the marts
    database and exported; `domain` groups tables by subject (survey, participation, files,
    geography, labels). `summary_by` names a column whose counts the Dagster UI shows;
    `sheet`, the sheet of the M&E officers' workbook that shows the table
    (`citizen_metrics.publish.workbook`), and `pairs_sheet`, the sheet that shows its pairs of
    dimensions (`breakdown` = `sex,commune_type`…) for the provinces and the region.
    """

    name: str
    layer: Layer
    description_fr: str
    description_en: str
    fields: tuple[Column, ...]
    key: tuple[str, ...]
    published: bool = False
    domain: str = "survey"
    summary_by: str | None = None
    sheet: str | None = None
    pairs_sheet: str | None = None

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a field is listed twice")
        fixed = {f.name for f in self.fields if isinstance(f, Field)}
        unknown = set(self.key) - fixed
        if unknown:
            raise ValueError(f"{self.name}: key fields {sorted(unknown)} are not fields")
        if self.summary_by is not None and self.summary_by not in fixed:
            raise ValueError(f"{self.name}: summary_by {self.summary_by!r} is not a field")

    @property
    def description(self) -> str:
        """What the table is for, in French first (managers read the lineage in Dagster's
        UI), English beside it."""
        return bilingual(self.description_fr, self.description_en)

    @property
    def families(self) -> tuple[FieldFamily, ...]:
        return tuple(f for f in self.fields if isinstance(f, FieldFamily))

    def all_fields(self, source: object = None) -> tuple[Field, ...]:
        """The columns in order, families expanded from `source`: the run's `RunLists`, or
        the parsed form (`citizen_metrics.tables.lists.run_lists` turns it into the lists)."""
        if not self.families:
            return tuple(f for f in self.fields if isinstance(f, Field))
        if source is None:
            raise ValueError(
                f"{self.name} has columns from the form or the register template: pass the "
                "form or the run's lists")
        from citizen_metrics.tables.lists import run_lists  # the form's module is heavier

        lists = run_lists(source)
        expanded: list[Field] = []
        for column in self.fields:
            if isinstance(column, FieldFamily):
                expanded += column.expand(lists.members(column.members))
            else:
                expanded.append(column)
        return tuple(expanded)

    def column_names(self, source: object = None) -> list[str]:
        return [f.name for f in self.all_fields(source)]

    def column(self, name: str, source: object = None) -> Field:
        """The field of column `name` (a generated column's own field)."""
        for found in self.all_fields(source):
            if found.name == name:
                return found
        raise KeyError(f"{self.name} has no column {name!r}")

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
        # A dictionary of the declared type is the declared type, stored once per value
        # (`map_distinct(encoded=True)`): kept as it is, not copied onto every row.
        schema = pa.schema([
            field.with_type(given) if pa.types.is_dictionary(given)
            and given.value_type == field.type else field
            for field, given in zip(schema, table.schema.types, strict=True)
        ])
        return table.cast(schema) if not table.schema.equals(schema) else table

    def create_sql(self, source: object = None, *, if_not_exists: bool = False) -> str:
        """`create or replace table` with the declared columns and types (`create table if
        not exists` for a table kept between runs)."""
        columns = ", ".join(f"{f.name} {f.duckdb_type}" for f in self.all_fields(source))
        verb = "create table if not exists" if if_not_exists else "create or replace table"
        return f"{verb} {self.name} ({columns})"

    def mismatches(self, found: Sequence[tuple[str, str]], source: object = None) -> list[str]:
        """How the columns of a built table (name, DuckDB type) differ from the declaration:
        empty when they agree, in order and type."""
        declared = [(f.name, f.duckdb_type) for f in self.all_fields(source)]
        actual = [(name, kind.lower()) for name, kind in found]
        if declared == actual:
            return []
        problems = [f"missing {n} {t}" for n, t in declared if (n, t) not in actual]
        problems += [f"undeclared {n} {t}" for n, t in actual if (n, t) not in declared]
        return problems or ["columns in another order than declared"]


@dataclass(frozen=True)
class Rule:
    """A quarantine rule (docs/methodology.md §6): the id analysts filter on, the message clerks
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
