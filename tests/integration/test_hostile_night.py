"""A night an attacker (or a bad day) prepared: the run goes on, rejects what it must with
the reason, and publishes nothing personal and nothing a spreadsheet would run.

One raw folder holds, beside a good export and register: a survey export whose name and
first header are spreadsheet formulas, with a phone typed in the age column and a name in
the commune column; a register with an age of 3000000000; a workbook of a few kilobytes
that inflates past the limit (a zip bomb made here); a link to /etc/passwd, a link that
loops, a named pipe. The whole graph runs once on it, in-process, on a Dagster instance
kept on disk, whose storage is then searched too.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest

from tests.support import FIXTURES, copy_raw_files, zip_bomb

PHONE = "0612345678"
NAME = "Fatima Zahra"
FORMULA_FILE = '=HYPERLINK("evil.example","click").csv'  # no "/" in a file name
FORMULA_HEADER = "@SUM(A1)"
BOMB = "bomb.xlsx"


def hostile_export(path: Path) -> None:
    """The fixture's March export, with a formula as first header, a phone typed as an age
    and a name typed as a commune."""
    text = (FIXTURES / "e2e" / "kobo_export_2022-03.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = rows[0]
    rows[2][header.index("respondent/age")] = PHONE  # rows[1] is the HXL line
    rows[3][header.index("location/commune")] = NAME
    rows = [[FORMULA_HEADER if n == 0 else "=1+1", *row] for n, row in enumerate(rows)]
    out = io.StringIO()
    csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")


def overflowing_register(path: Path) -> None:
    workbook = openpyxl.load_workbook(FIXTURES / "e2e" / "registre_EXP01_2022-03.xlsx")
    sheet = workbook["participants"]
    age = [cell.value for cell in sheet[1]].index("age") + 1
    sheet.cell(row=2, column=age, value=3_000_000_000)
    sheet.cell(row=3, column=age, value=PHONE)
    workbook.save(path)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    # The hostile export alone holds its submissions: no later export (April's holds the
    # same ones unchanged) takes precedence over its rows, which must reach validation.
    raw.mkdir()
    hostile_export(raw / FORMULA_FILE)
    overflowing_register(raw / "registre_EXP01_2022-03.xlsx")
    zip_bomb(raw / BOMB)
    (raw / "passwd.csv").symlink_to("/etc/passwd")
    (raw / "loop.csv").symlink_to(raw / "loop.csv")
    os.mkfifo(raw / "pipe.csv")
    from citizen_metrics.defs.definitions import ASSETS, CHECKS
    from citizen_metrics.defs.resources import WarehouseResource

    (root / "dagster").mkdir()
    instance = dg.DagsterInstance.local_temp(tempdir=str(root / "dagster"))
    result = dg.materialize(
        [*ASSETS, *CHECKS], instance=instance, raise_on_error=False,
        resources={"warehouse": WarehouseResource(raw_dir=str(raw), marts_dir=str(root / "marts"),
                                                work_dir=str(root / "work"))})
    yield root, result
    instance.dispose()


def summary(root: Path) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(root / "marts" / "citizen_metrics.duckdb"), read_only=True) as con:
        return {f"{name}[{sheet}]" if sheet else name: (status, reason) for name, sheet, status,
                reason in con.execute("select source_file, sheet, status, reason "
                                      "from quality_file_summary").fetchall()}


def test_the_run_goes_on_and_rejects_each_hostile_entry_with_its_reason(hostile) -> None:
    root, result = hostile
    assert result.success
    files = summary(root)
    assert files[BOMB][0] == "rejected" and "gonfle" in files[BOMB][1]
    assert files["passwd.csv"][0] == "rejected" and "vers l'extérieur du dossier" in files[
        "passwd.csv"][1]
    assert files["loop.csv"][0] == "rejected" and "boucle sur lui-même" in files["loop.csv"][1]
    assert files["pipe.csv"][0] == "rejected" and "tube nommé" in files["pipe.csv"][1]
    # The register with an age no column could hold is loaded, like the export.
    assert files["registre_EXP01_2022-03.xlsx[participants]"][0] == "loaded"
    assert files[FORMULA_FILE][0] == "loaded"
    # Nothing of /etc/passwd was read.
    with duckdb.connect(str(root / "work" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from stg_survey_rows "
                           "where source_file = 'passwd.csv'").fetchone() == (0,)


def test_the_quarantine_says_what_kind_of_value_it_masks(hostile) -> None:
    root, _ = hostile
    with duckdb.connect(str(root / "marts" / "citizen_metrics.duckdb"), read_only=True) as con:
        shown = con.execute("select rule, value from quality_quarantine where source_file = ? "
                            "order by all", [FORMULA_FILE]).fetchall()
    assert ("age_not_integer", "[masqué : un numéro de téléphone, ou un long nombre]") in shown
    assert ("unknown_commune", "[masqué : texte de 2 mots]") in shown


def _published_texts(marts: Path) -> list[tuple[str, str]]:
    """(where, text) of everything a person can open in the publication."""
    texts: list[tuple[str, str]] = []
    with duckdb.connect(str(marts / "citizen_metrics.duckdb"), read_only=True) as con:
        for table, column in con.execute(
                "select table_name, column_name from information_schema.columns").fetchall():
            values = con.execute(f'select distinct "{column}"::varchar from {table}').fetchall()
            texts += [(f"{table}.{column}", str(value)) for (value,) in values]
    for path in sorted(path for path in (marts / "exports").rglob("*") if path.is_file()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            texts += [(path.name, str(value)) for column in table.columns
                      for value in column.to_pylist()]
        elif path.suffix == ".xlsx":
            workbook = openpyxl.load_workbook(path)
            texts += [(f"{path.name}:{sheet.title}", str(cell.value))
                      for sheet in workbook for row in sheet.iter_rows() for cell in row]
        else:
            texts.append((path.name, path.read_text(encoding="utf-8")))
    texts += [(path.name, path.read_text(encoding="utf-8"))
              for path in (marts / "report").iterdir()]
    texts.append(("manifest.json", (marts / "manifest.json").read_text()))
    return texts


def test_a_phone_typed_as_an_age_is_nowhere_a_person_or_dagster_can_read(hostile) -> None:
    root, _ = hostile
    digits = PHONE.lstrip("0")  # also as Excel or a parser would have kept it
    leaks = [where for where, text in _published_texts(root / "marts")
             if digits in text or NAME in text]
    assert leaks == []
    # Dagster's run storage: event log, run history, captured logs.
    stored = [path for path in (root / "dagster").rglob("*") if path.is_file()
              and (digits.encode() in path.read_bytes() or NAME.encode() in path.read_bytes())]
    assert stored == []


def test_formulas_are_written_as_text_and_numbers_stay_numbers(hostile) -> None:
    root, _ = hostile
    exports = root / "marts" / "exports"
    rows = list(csv.DictReader(io.StringIO(
        (exports / "quality_file_summary.csv").read_text(encoding="utf-8-sig"))))
    mine = next(row for row in rows if row["source_file"].endswith('"click").csv'))
    assert mine["source_file"] == "'" + FORMULA_FILE
    assert mine["unmapped_headers"].startswith("'" + FORMULA_HEADER)
    # No cell of any CSV starts with a character a spreadsheet runs, unless it is a number,
    # or, in the French-Excel files, a code kept as text (`="053010303"`: digits only).
    for path in [*exports.glob("*.csv"), *(exports / "excel_fr").glob("*.csv")]:
        french = path.parent.name == "excel_fr"
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")),
                              delimiter=";" if french else ","):
            for cell in row:
                if french and re.fullmatch(r'="[0-9]+"', cell):
                    continue
                assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (
                    cell.startswith("-")
                    and not cell.lstrip("-").replace(".", "").replace(",", "").isdigit()
                ), (path.name, cell)
    french_files = (exports / "excel_fr" / "fichiers.csv").read_text(encoding="utf-8-sig")
    assert "'" + FORMULA_FILE.replace('"', '""') in french_files  # shown as text
    # The workbook: the same texts as string cells, never formulas.
    workbook = openpyxl.load_workbook(exports / "citizen_metrics.xlsx")
    cells = [cell for row in workbook["fichiers"].iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith(("=", "@"))]
    assert {cell.value for cell in cells} >= {FORMULA_FILE}
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_csv_cells_that_could_run_are_quoted_and_numbers_are_not(tmp_path: Path) -> None:
    from citizen_metrics.publish.exports import _write_files

    con = duckdb.connect()
    con.execute("""create table t as select * from (values
        (-0.5, '-3'), (1, '=1+1'), (2, '@SUM(A1)'), (3, chr(9) || 'x'), (4, '-x'),
        (5, '+212'), (6, 'plain'), (7, null), (8, chr(13) || 'y'), (9, '+cmd|calc')) v(n, s)""")
    _write_files(con, ("t",), tmp_path)
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8-sig")  # carriage returns kept
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["n", "s"], ["-0.5", "-3"], ["1.0", "'=1+1"], ["2.0", "'@SUM(A1)"],
                    ["3.0", "'\tx"], ["4.0", "'-x"], ["5.0", "+212"], ["6.0", "plain"],
                    ["7.0", ""], ["8.0", "'\ry"], ["9.0", "'+cmd|calc"]]
    # Parquet keeps the values as they are (read by programs, not spreadsheets).
    assert pq.read_table(tmp_path / "t.parquet").column("s").to_pylist()[1] == "=1+1"


def test_a_zip_bomb_is_a_few_kilobytes(tmp_path: Path) -> None:
    zip_bomb(tmp_path / BOMB)
    assert (tmp_path / BOMB).stat().st_size < 64 * 1024


def test_a_link_to_a_folder_inside_is_not_followed(tmp_path: Path) -> None:
    from citizen_metrics.ingest.sources import scan

    raw = tmp_path / "raw"
    copy_raw_files(["kobo_export_2022-03.csv"], FIXTURES / "e2e", raw)
    shutil.copytree(raw, raw / "copy")
    (raw / "copy" / "back").symlink_to(raw)  # would loop if followed
    folder = scan(raw)
    assert [raw_file.name for raw_file in folder.files] == [
        "copy/kobo_export_2022-03.csv", "kobo_export_2022-03.csv"]
    assert folder.rejected == []  # its files are read where they are
