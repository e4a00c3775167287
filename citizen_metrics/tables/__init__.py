"""The warehouse's tables, each declared once: fields (type, French and English description,
allowed values or where they come from, nullability), key, layer and what the table is for.

- `model`: what a field, a family of generated fields, a table and a quarantine rule are,
  and what is derived from them (Arrow schemas, empty tables, `create table`, the check of a
  built table's columns).
- `fields`: every column, declared once by name.
- `reference`, `staging`, `intermediate`, `marts` (marts and quality tables), `labels`: the
  tables of each layer.
- `rules`: the quarantine rules, from which the pandera check names and the rule of each
  failure case are derived.
- `lists`: the run-time lists (questions of the form, categories of the register template)
  that generated columns are made from.

Everything else is derived from here: the staging schemas, the columns every built table
must have, the list of published tables and their exports, the French column dictionary of
the workbook, `docs/data_dictionary.md`, and Dagster's assets with their column schemas.
"""

from citizen_metrics.tables.fields import FIELDS
from citizen_metrics.tables.intermediate import INTERMEDIATE_TABLES
from citizen_metrics.tables.labels import LABEL_TABLES_DECLARED
from citizen_metrics.tables.marts import MART_TABLES, QUALITY_TABLES
from citizen_metrics.tables.model import Field, FieldFamily, Rule, RunLists, Table
from citizen_metrics.tables.reference import REFERENCE_TABLES
from citizen_metrics.tables.rules import RULES
from citizen_metrics.tables.staging import STAGING_TABLES

ALL_TABLES: tuple[Table, ...] = (
    *REFERENCE_TABLES, *STAGING_TABLES, *INTERMEDIATE_TABLES, *MART_TABLES, *QUALITY_TABLES,
    *LABEL_TABLES_DECLARED,
)
TABLES: dict[str, Table] = {table.name: table for table in ALL_TABLES}
if len(TABLES) != len(ALL_TABLES):
    raise ValueError("a table is declared twice")

# What is copied into the published marts database and exported, in this order: the marts,
# the data-quality tables, the labels.
PUBLISHED: tuple[Table, ...] = tuple(table for table in ALL_TABLES if table.published)


def published_tables() -> tuple[str, ...]:
    """The names of the published tables, in publication order."""
    return tuple(table.name for table in PUBLISHED)


__all__ = ["ALL_TABLES", "FIELDS", "PUBLISHED", "RULES", "STAGING_TABLES", "TABLES", "Field",
           "FieldFamily", "Rule", "RunLists", "Table", "published_tables"]
