"""Publish the marts: a fresh DuckDB file swapped in atomically, plus Parquet, CSV and XLSX.

Analysts and reports read `data/marts/citizen_metrics.duckdb` (read-only) while the nightly
run works. The run never writes into that file: it builds a new one beside it and renames it
over the old one, so a reader sees either yesterday's marts or today's, never a half-written
mix, and an open reader never blocks the run.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.marts_access import open_database
from pipeline.settings import MARTS_DATABASE_NAME
from pipeline.tables import published_tables
from pipeline.warehouse import scalar
from pipeline.workbook import WORKBOOK_NAME, write_workbook

# The tables declared `published` (`pipeline.tables`), in publication order.
PUBLISHED_TABLES = published_tables()

# Column names that would mean personal data leaked into a published table (INDICATORS.md §5).
FORBIDDEN_COLUMNS = {
    "respondent_name", "nom_prenom", "phone", "telephone", "comments", "douar_quartier",
    "enumerator_id", "enumerator_key", "deviceid", "device_id", "submission_key", "_uuid",
    "instanceid", "person_key", "person_id", "expert_key", "code_expert",
}


@dataclass(frozen=True)
class Publication:
    database: Path
    exports_dir: Path
    tables: dict[str, int]


def forbidden_columns(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> list[str]:
    """`table.column` names among the published tables that must never be published."""
    found = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_name in (select unnest(?))",
        [list(tables)],
    ).fetchall()
    return [f"{t}.{c}" for t, c in found if c.lower() in FORBIDDEN_COLUMNS]


def publish_database(
    warehouse: duckdb.DuckDBPyConnection,
    marts_dir: Path,
    tables: tuple[str, ...] = PUBLISHED_TABLES,
) -> Publication:
    """Copy the mart tables into a new marts database and swap it in atomically."""
    leaked = forbidden_columns(warehouse, tables)
    if leaked:
        raise RuntimeError(f"refusing to publish personal data columns: {leaked}")
    marts_dir.mkdir(parents=True, exist_ok=True)
    final = marts_dir / MARTS_DATABASE_NAME
    staging = marts_dir / f".{MARTS_DATABASE_NAME}.publishing"
    staging.unlink(missing_ok=True)
    warehouse.execute(f"attach '{staging}' as publishing")
    try:
        for table in tables:
            warehouse.execute(f"create table publishing.{table} as select * from {table}")
    finally:
        warehouse.execute("detach publishing")
    os.replace(staging, final)
    counts = {table: int(scalar(warehouse, f"select count(*) from {table}"))
              for table in tables}
    return Publication(database=final, exports_dir=marts_dir / "exports", tables=counts)


def _write_files(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...],
                 folder: Path) -> list[str]:
    """Parquet and CSV (UTF-8 with a byte-order mark) of each table; the files' names."""
    names: list[str] = []
    for table in tables:
        parquet = folder / f"{table}.parquet"
        con.execute(f"copy {table} to '{parquet}' (format parquet, compression zstd)")
        csv_body = folder / f".{table}.csv.body"
        con.execute(f"copy {table} to '{csv_body}' (format csv, header true)")
        csv_path = folder / f"{table}.csv"
        with csv_path.open("wb") as out, csv_body.open("rb") as body:
            out.write(b"\xef\xbb\xbf")
            shutil.copyfileobj(body, out, length=1 << 20)
        csv_body.unlink()
        names += [parquet.name, csv_path.name]
    return names


def export_tables(
    marts_database: Path, exports_dir: Path, tables: tuple[str, ...] = PUBLISHED_TABLES
) -> list[Path]:
    """Parquet and CSV (UTF-8 with BOM, for Excel) of every published table, and the XLSX
    workbook of M&E officers (`pipeline.workbook`: one sheet per theme, in French).

    Written into a fresh folder and swapped in, like the database, from the published file
    opened read-only.
    """
    building = exports_dir.with_name(exports_dir.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    written: list[Path] = []
    with open_database(marts_database) as con:
        written += [exports_dir / name for name in _write_files(con, tables, building)]
        workbook = building / WORKBOOK_NAME
        write_workbook(con, workbook)
        written.append(exports_dir / workbook.name)
    old = exports_dir.with_name(exports_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if exports_dir.exists():
        exports_dir.rename(old)
    building.rename(exports_dir)
    shutil.rmtree(old, ignore_errors=True)
    return written
