"""Small helpers to show tables in the Dagster UI (asset and check metadata)."""

from __future__ import annotations

import dagster as dg
import duckdb


def markdown_table(con: duckdb.DuckDBPyConnection, query: str, limit: int = 50) -> dg.MetadataValue:
    """The first rows of a query as a Markdown table (without needing `tabulate`)."""
    cursor = con.execute(f"select * from ({query}) limit {limit}")
    columns = [description[0] for description in cursor.description]
    return markdown_rows(columns, cursor.fetchall())


def markdown_rows(columns: list[str], rows: list[tuple]) -> dg.MetadataValue:
    """Rows as a Markdown table."""
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
        *("| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows),
    ]
    return dg.MetadataValue.md("\n".join(lines))
