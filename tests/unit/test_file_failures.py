"""One file never stops the run: whatever goes wrong with one file makes it `rejected` with
its real reason (or one row `quarantined`), and the others load. What a file may cost to
read is checked before it is parsed."""

from __future__ import annotations

import dataclasses
import os
import struct
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pytest

from citizen_metrics.ingest.readers import registers, survey
from citizen_metrics.ingest.readers.grids import UnreadableFileError, check_workbook_size
from citizen_metrics.settings import ReadLimits, Settings
from citizen_metrics.tables.staging import STG_ATTENDANCES
from tests.support import FIXTURES, copy_raw_files, ingest, zip_bomb

LIMITS = Settings.from_env().read_limits
GOOD = "kobo_export_2022-03.csv"
REGISTER = "registre_EXP01_2022-03.xlsx"


def statuses(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    return {f"{name}[{sheet}]" if sheet else name: (status, reason)
            for name, sheet, status, reason in con.execute(
                "select source_file, sheet, status, reason from quality_file_summary").fetchall()}


def test_an_unforeseen_error_or_an_io_error_rejects_that_file_only(tmp_path, monkeypatch) -> None:
    copy_raw_files([GOOD, "kobo_labels_fr.csv", "kobo_export_2022-04.csv"],
                   FIXTURES / "e2e", tmp_path)
    real = survey.canonical_survey_table

    def failing(grid, layout, mapping, *, source_file):
        if source_file == "kobo_labels_fr.csv":
            raise RuntimeError("a bug nobody foresaw, on the value '0612345678'")
        if source_file == "kobo_export_2022-04.csv":
            raise OSError(5, "Input/output error")
        return real(grid, layout, mapping, source_file=source_file)

    monkeypatch.setattr(survey, "canonical_survey_table", failing)
    files = statuses(ingest(tmp_path))
    assert files[GOOD] == ("loaded", None)
    status, reason = files["kobo_labels_fr.csv"]
    assert status == "rejected" and "RuntimeError : a bug nobody foresaw" in reason
    assert "0612345678" not in reason  # error messages may quote data: masked
    status, reason = files["kobo_export_2022-04.csv"]
    assert status == "rejected" and reason.startswith(
        "erreur d'entrée/sortie à la lecture du fichier (Input/output error)")


def test_rows_that_cannot_be_written_reject_their_file_only(tmp_path, monkeypatch) -> None:
    """A value no column can hold (the register's rows as text where an integer goes): the
    file's rows are rolled back and the file rejected; the export loads."""
    copy_raw_files([GOOD, REGISTER], FIXTURES / "e2e", tmp_path)
    def untyped(grid, mapping, *, source_file, sheet):
        table = registers.attendances_table(grid, mapping, source_file=source_file,
                                            sheet=sheet)
        ages = pa.array(["3000000000"] * table.num_rows, pa.string())
        return table.set_column(table.schema.get_field_index("age"), "age", ages)

    workshops, participants = registers.SHEETS
    monkeypatch.setattr(registers, "SHEETS", (workshops, (*participants[:3], untyped)))
    con = ingest(tmp_path)
    files = statuses(con)
    assert files[GOOD][0] == "loaded"
    status, reason = files[REGISTER]
    assert status == "rejected" and "ConversionException" in reason
    assert "3000000000" not in reason
    assert con.execute("select count(*) from stg_workshops").fetchone() == (0,)  # rolled back
    assert con.execute(f"select count(*) from {STG_ATTENDANCES.name}").fetchone() == (0,)


def test_an_overflowing_age_in_a_register_is_no_age(tmp_path) -> None:
    copy_raw_files([REGISTER], FIXTURES / "e2e", tmp_path)
    workbook = openpyxl.load_workbook(tmp_path / REGISTER)
    sheet = workbook["participants"]
    sheet.cell(row=2, column=[c.value for c in sheet[1]].index("age") + 1, value=3_000_000_000)
    workbook.save(tmp_path / REGISTER)
    con = ingest(tmp_path)
    assert statuses(con)[f"{REGISTER}[participants]"][0] == "loaded"
    assert con.execute("select age from stg_attendances where source_row = 1").fetchone() == (
        None,)


def _lying(path: Path, declared: int) -> None:
    """Rewrite a one-part zip so that its headers declare `declared` bytes once inflated
    (the local header at 22, the central directory's at 24 past its signature)."""
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_workbooks_beyond_the_limits_are_rejected_before_parsing(tmp_path) -> None:
    zip_bomb(tmp_path / "bomb.xlsx", inflated_mb=5)
    with pytest.raises(UnreadableFileError, match=r"gonfle [0-9,]+ fois \(limite 100\)"):
        check_workbook_size(tmp_path / "bomb.xlsx", LIMITS)
    # A part that hides its size: declared small, it inflates more; its checksum fails.
    with zipfile.ZipFile(tmp_path / "hidden.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 500_000)
    _lying(tmp_path / "hidden.xlsx", 1000)
    with pytest.raises(UnreadableFileError, match="ne correspondent pas à leurs tailles"):
        check_workbook_size(tmp_path / "hidden.xlsx", LIMITS)
    # An ordinary register, beyond a (small) size limit.
    register = FIXTURES / "e2e" / REGISTER
    check_workbook_size(register, LIMITS)
    small = dataclasses.replace(LIMITS, workbook_max_bytes=10_000)
    with pytest.raises(UnreadableFileError, match="gonfle à 1 Mo une fois décompressé"):
        check_workbook_size(register, small)


def test_a_zip_bomb_in_the_folder_is_a_rejected_row(tmp_path) -> None:
    copy_raw_files([GOOD], FIXTURES / "e2e", tmp_path)
    zip_bomb(tmp_path / "bomb.xlsx", inflated_mb=5)
    files = statuses(ingest(tmp_path))
    assert files[GOOD][0] == "loaded"
    assert files["bomb.xlsx"][0] == "rejected" and "bombe zip" in files["bomb.xlsx"][1]


def test_duplicate_columns_are_named_in_the_file_summary(tmp_path) -> None:
    text = (FIXTURES / "e2e" / GOOD).read_text(encoding="utf-8-sig").splitlines()
    header = text[0].split(";")
    header[header.index('"respondent/sex"') + 1] = '"sex"'  # education renamed: sex again
    (tmp_path / "dup.csv").write_text("\n".join([";".join(header), *text[1:]]) + "\n",
                                      encoding="utf-8")
    copy_raw_files([REGISTER], FIXTURES / "e2e", tmp_path)
    workbook = openpyxl.load_workbook(tmp_path / REGISTER)
    sheet = workbook["participants"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="sexe")
    workbook.save(tmp_path / REGISTER)
    files = statuses(ingest(tmp_path))
    assert files["dup.csv"] == (
        "loaded", "colonnes en double, seule la première de chacune est lue : sex")
    assert files[f"{REGISTER}[participants]"] == (
        "loaded", "colonnes en double, seule la première de chacune est lue : sexe")


def test_a_file_changed_since_the_inventory_is_left_for_the_next_run(tmp_path) -> None:
    from citizen_metrics.ingest.pseudonymise import Pseudonymiser
    from citizen_metrics.ingest.readers.survey import SurveyMapping
    from citizen_metrics.ingest.stage import stage_file_inventory, stage_survey_files
    from citizen_metrics.ingest.xlsform import load_form

    settings = Settings.from_env()
    copy_raw_files([GOOD, "kobo_labels_fr.csv"], FIXTURES / "e2e", tmp_path)
    con = duckdb.connect()
    stage_file_inventory(con, tmp_path, LIMITS)
    with (tmp_path / GOOD).open("ab") as still_copying:
        still_copying.write(b"more rows")
    mapping = SurveyMapping(load_form(settings.survey_form), Pseudonymiser(b"t"),
                            settings.vocabularies.selected_flags)
    stage_survey_files(con, tmp_path, mapping, LIMITS)
    reads = dict(con.execute("select source_file, reason from stg_survey_file_reads").fetchall())
    assert reads[GOOD].startswith("le fichier a changé pendant la lecture du dossier")
    assert reads["kobo_labels_fr.csv"] is None


def test_a_large_text_file_that_must_be_read_whole_is_rejected(tmp_path) -> None:
    (tmp_path / "big_cp1256.csv").write_bytes("رقم الاستمارة;الجنس\n".encode("cp1256")
                                               + b"1;\xe3\n" * 2000)
    (tmp_path / "big_utf8.csv").write_bytes(b"_uuid;sex;age;commune\n" + b"u;f;3;x\n" * 2000)
    tiny = dataclasses.replace(LIMITS, text_whole_max_bytes=4000)
    from citizen_metrics.ingest.sources import inventory, scan

    table = inventory(scan(tmp_path), tiny).to_pylist()
    reasons = {row["source_file"]: row["reason"] for row in table}
    assert "pas un CSV UTF-8 simple" in reasons["big_cp1256.csv"]
    assert reasons["big_utf8.csv"] is None  # streamed in batches: any size
    assert os.path.getsize(tmp_path / "big_cp1256.csv") > tiny.text_whole_max_bytes


def test_read_limits_come_from_the_programme_file() -> None:
    expected = ReadLimits(workbook_max_bytes=1024 << 20, workbook_max_ratio=100.0,
                          text_whole_max_bytes=256 << 20)
    assert expected == LIMITS
