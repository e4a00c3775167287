"""The warehouse's tables, each declared once: fields (type, French and English description,
allowed values or where they come from, nullability), key, layer and description.

- `model`: what a field, a table and a quarantine rule are, and what is derived from them
  (Arrow schemas, empty tables, `create table` statements).
- `fields`: every column, declared once by name.
- `staging`: the `stg_*` tables the readers fill.
- `rules`: the quarantine rules, from which the pandera check names and the rule of each
  failure case are derived.
"""

from pipeline.tables.fields import FIELDS
from pipeline.tables.model import Field, Rule, Table
from pipeline.tables.rules import RULES
from pipeline.tables.staging import STAGING_TABLES

TABLES: dict[str, Table] = {table.name: table for table in STAGING_TABLES}

__all__ = ["FIELDS", "RULES", "STAGING_TABLES", "TABLES", "Field", "Rule", "Table"]
