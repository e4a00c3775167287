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
import xlsxwriter

from pipeline.dictionary import TABLES_FR, describe
from pipeline.settings import MARTS_DATABASE_NAME
from pipeline.warehouse import connect

PUBLISHED_TABLES = (
    "mart_survey_indicators",
    "mart_survey_options",
    "mart_equity_gaps",
    "mart_participation",
    "mart_targets",
    "quality_file_summary",
    "quality_quarantine",
    "quality_flags",
)

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
    counts = {
        table: warehouse.execute(f"select count(*) from {table}").fetchone()[0]
        for table in tables
    }
    return Publication(database=final, exports_dir=marts_dir / "exports", tables=counts)


WORKBOOK_NAME = "citizen_metrics.xlsx"
EXCEL_MAX_ROWS = 1_048_575  # one row of the sheet is the header


def write_workbook(con: duckdb.DuckDBPyConnection, path: Path, tables: tuple[str, ...]) -> None:
    """One sheet per published table and a `colonnes` sheet explaining every column in French.

    Rows stream from DuckDB into xlsxwriter in constant-memory mode (pandas' `to_excel` took
    twice as long here). Codes stay text cells, leading zeros kept. A table too long for
    Excel is left out with a note pointing to its CSV and Parquet files, not cut silently.
    """
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    dictionary: list[tuple[str, str, str]] = []
    try:
        for table in tables:
            cursor = con.execute(f"select * from {table}")
            columns = [description[0] for description in cursor.description]
            dictionary += [(table, column, describe(column)) for column in columns]
            sheet = workbook.add_worksheet(table[:31])
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            if rows > EXCEL_MAX_ROWS:
                sheet.write_string(0, 0, f"{rows} lignes : trop pour Excel. Utiliser "
                                         f"{table}.csv ou {table}.parquet.")
                continue
            cursor = con.execute(f"select * from {table}")
            sheet.freeze_panes(1, 0)
            sheet.write_row(0, 0, columns, header)
            sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)
            row_number = 1
            while batch := cursor.fetchmany(10_000):
                for values in batch:
                    sheet.write_row(row_number, 0, values)
                    row_number += 1
        _write_listing(workbook, "tables", header, ("table", "contenu"), (30, 120),
                       [(t, TABLES_FR.get(t, "")) for t in tables])
        _write_listing(workbook, "colonnes", header, ("table", "colonne", "description"),
                       (26, 26, 120), dictionary)
    finally:
        workbook.close()


def _write_listing(
    workbook: xlsxwriter.Workbook,
    name: str,
    header: object,
    columns: tuple[str, ...],
    widths: tuple[int, ...],
    rows: list[tuple[str, ...]],
) -> None:
    sheet = workbook.add_worksheet(name)
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.write_row(0, 0, columns, header)
    for number, values in enumerate(rows, start=1):
        sheet.write_row(number, 0, values)


def export_tables(
    marts_database: Path, exports_dir: Path, tables: tuple[str, ...] = PUBLISHED_TABLES
) -> list[Path]:
    """Parquet and CSV (UTF-8 with BOM, for Excel) of every published table, and one XLSX
    workbook with a sheet per table and a French data dictionary.

    Written into a fresh folder and swapped in, like the database, from the published file
    opened read-only.
    """
    building = exports_dir.with_name(exports_dir.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    written: list[Path] = []
    with connect(marts_database, read_only=True) as con:
        for table in tables:
            parquet = building / f"{table}.parquet"
            con.execute(f"copy {table} to '{parquet}' (format parquet, compression zstd)")
            csv_body = building / f".{table}.csv.body"
            con.execute(f"copy {table} to '{csv_body}' (format csv, header true)")
            csv_path = building / f"{table}.csv"
            with csv_path.open("wb") as out, csv_body.open("rb") as body:
                out.write(b"\xef\xbb\xbf")
                shutil.copyfileobj(body, out, length=1 << 20)
            csv_body.unlink()
            written += [exports_dir / parquet.name, exports_dir / csv_path.name]
        workbook = building / WORKBOOK_NAME
        write_workbook(con, workbook, tables)
        written.append(exports_dir / workbook.name)
    old = exports_dir.with_name(exports_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if exports_dir.exists():
        exports_dir.rename(old)
    building.rename(exports_dir)
    shutil.rmtree(old, ignore_errors=True)
    return written
