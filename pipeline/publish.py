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
import pandas as pd

from pipeline.dictionary import TABLES_FR, describe
from pipeline.settings import MARTS_DATABASE_NAME

PUBLISHED_TABLES = (
    "mart_survey_indicators",
    "mart_survey_options",
    "mart_equity_gaps",
    "mart_participation",
    "mart_targets",
    "quality_file_summary",
    "quality_quarantine",
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

    Codes stay text cells (leading zeros kept). A table too long for Excel is left out with a
    note pointing to its CSV and Parquet files rather than cut silently.
    """
    dictionary: list[dict[str, str]] = []
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        for table in tables:
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            columns = [c[0] for c in con.execute(f"describe {table}").fetchall()]
            dictionary += [
                {"table": table, "colonne": column, "description": describe(column)}
                for column in columns
            ]
            sheet = table[:31]
            if rows > EXCEL_MAX_ROWS:
                pd.DataFrame(
                    {"note": [f"{rows} lignes : trop pour Excel. Utiliser {table}.csv ou "
                              f"{table}.parquet."]}
                ).to_excel(writer, sheet_name=sheet, index=False)
                continue
            frame = con.execute(f"select * from {table}").df()
            frame.to_excel(writer, sheet_name=sheet, index=False, freeze_panes=(1, 0))
            writer.sheets[sheet].autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
        tables_sheet = pd.DataFrame(
            [{"table": t, "contenu": TABLES_FR.get(t, "")} for t in tables]
        )
        tables_sheet.to_excel(writer, sheet_name="tables", index=False)
        pd.DataFrame(dictionary).to_excel(writer, sheet_name="colonnes", index=False)
        for name, width in (("tables", (30, 120)), ("colonnes", (26, 26, 120))):
            for index, size in enumerate(width):
                writer.sheets[name].set_column(index, index, size)


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
    with duckdb.connect(str(marts_database), read_only=True) as con:
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
