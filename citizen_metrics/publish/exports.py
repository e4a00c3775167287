"""What is published: the marts database copied out of the warehouse, and its tables as
Parquet, CSV and the M&E officers' XLSX workbook.

Both are built into tonight's publication folder (`releases/.next/`, see
`citizen_metrics.publish.release`), never into what readers see: analysts and reports keep
reading last night's files while the run works, and the night's database, exports, report
and manifest are then published together, in one swap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from citizen_metrics.build.warehouse import scalar
from citizen_metrics.operations import failpoints
from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.release import MartsFolder, building
from citizen_metrics.publish.spreadsheet import as_text_sql, write_csv_for_excel
from citizen_metrics.publish.workbook import (
    FRENCH_CSV_FOLDER,
    WORKBOOK_NAME,
    write_french_csv,
    write_workbook,
)
from citizen_metrics.tables import published_tables

# The tables declared `published` (`citizen_metrics.tables`), in publication order.
PUBLISHED_TABLES = published_tables()

# Column names that would mean personal data leaked into a published table (docs/methodology.md §5).
FORBIDDEN_COLUMNS = {
    "respondent_name", "nom_prenom", "phone", "telephone", "comments", "douar_quartier",
    "enumerator_id", "enumerator_key", "deviceid", "device_id", "submission_key", "_uuid",
    "instanceid", "person_key", "person_id", "expert_key", "code_expert",
}


@dataclass(frozen=True)
class StagedDatabase:
    database: Path
    tables: dict[str, int]


def forbidden_columns(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> list[str]:
    """`table.column` names among the published tables that must never be published."""
    found = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_name in (select unnest(?))",
        [list(tables)],
    ).fetchall()
    return [f"{t}.{c}" for t, c in found if c.lower() in FORBIDDEN_COLUMNS]


def stage_database(
    warehouse: duckdb.DuckDBPyConnection,
    folder: MartsFolder,
    tables: tuple[str, ...] = PUBLISHED_TABLES,
) -> StagedDatabase:
    """Start tonight's publication (`releases/.next/`, emptied) with a new marts database
    holding a copy of the mart tables."""
    leaked = forbidden_columns(warehouse, tables)
    if leaked:
        raise RuntimeError(f"refusing to publish personal data columns: {leaked}")
    folder.start_staging()
    with building(folder.staged_database) as database:
        escaped = str(database).replace("'", "''")
        warehouse.execute(f"attach '{escaped}' as publishing")
        try:
            for table in tables:
                warehouse.execute(f"create table publishing.{table} as select * from {table}")
        finally:
            warehouse.execute("detach publishing")
        failpoints.reached("publication:database")
    counts = {table: int(scalar(warehouse, f"select count(*) from {table}"))
              for table in tables}
    return StagedDatabase(database=folder.staged_database, tables=counts)


def _csv_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table's columns for a CSV file: text columns made safe to open in a spreadsheet
    (`citizen_metrics.publish.spreadsheet`), the others as they are."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = ? order by ordinal_position", [table]).fetchall()
    quoted = [(f'"{name}"', data_type) for name, data_type in columns]
    return ", ".join(f"{as_text_sql(name)} as {name}" if data_type == "VARCHAR" else name
                     for name, data_type in quoted)


def _write_files(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...],
                 folder: Path) -> list[str]:
    """Parquet and CSV (UTF-8 with a byte-order mark) of each table; the files' names."""
    names: list[str] = []
    for table in tables:
        parquet = folder / f"{table}.parquet"
        con.execute(f"copy {table} to '{parquet}' (format parquet, compression zstd)")
        csv_path = folder / f"{table}.csv"
        write_csv_for_excel(con, f"select {_csv_select(con, table)} from {table}", csv_path)
        names += [parquet.name, csv_path.name]
        failpoints.reached("exports:table")
    return names


def export_tables(
    marts_database: Path, exports_dir: Path, tables: tuple[str, ...] = PUBLISHED_TABLES
) -> list[Path]:
    """Parquet and CSV (UTF-8 with BOM) of every published table, the same sheets as the
    workbook as CSV for a French-locale Excel (`excel_fr/`), and the XLSX workbook of M&E
    officers (`citizen_metrics.publish.workbook`: one sheet per theme, in French),
    read from the database opened read-only, into `exports_dir` (tonight's publication folder's
    `exports/`), built under a temporary name and renamed when whole.
    """
    written: list[Path] = []
    with building(exports_dir) as folder, open_database(marts_database) as con:
        folder.mkdir(parents=True)
        written += [exports_dir / name for name in _write_files(con, tables, folder)]
        workbook = folder / WORKBOOK_NAME
        write_workbook(con, workbook)
        written.append(exports_dir / workbook.name)
        written += [exports_dir / FRENCH_CSV_FOLDER / path.name
                    for path in write_french_csv(con, folder / FRENCH_CSV_FOLDER)]
    return written
