"""Reading files: encodings, CSV dialects, Excel cells, and survey headers in every shape."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from citizen_metrics.ingest.pseudonymise import Pseudonymiser
from citizen_metrics.ingest.readers.grids import (
    UnreadableFileError,
    decode_text,
    open_workbook,
    read_delimited_file,
    read_delimited_text,
    read_sheet,
)
from citizen_metrics.ingest.readers.survey import (
    SurveyMapping,
    canonical_survey_table,
    survey_layout,
)
from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import REPO_ROOT, Settings
from tests.support import FIXTURES

FORM = load_form(REPO_ROOT / "data" / "reference" / "forms" / "citizen_survey.xlsx")
KEYS = Pseudonymiser(b"test")
MAPPING = SurveyMapping(FORM, KEYS, Settings.from_env().vocabularies.selected_flags)


def canonical(text: str) -> dict[str, list]:
    grid = read_delimited_text(text)
    layout = survey_layout(grid.headers, FORM)
    assert layout is not None
    table = canonical_survey_table(grid, layout, MAPPING, source_file="f.csv")
    return {"shape": layout.shape, **table.to_pydict()}


# --- decoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "âge;sexe\n٣٤;Femme\n".encode(), "utf-8-sig"),
        ("âge;sexe\n34;Femme\n".encode(), "utf-8"),
        ("âge\tsexe\n34\tامرأة\n".encode("utf-16"), "utf-16"),
    ],
)
def test_decode_by_bom_and_utf8(data: bytes, encoding: str) -> None:
    text, found = decode_text(data)
    assert found == encoding
    assert text.lstrip("\ufeff").startswith("âge")


def test_decode_windows_1256() -> None:
    # Windows-1256 has no Arabic-Indic digits: hand-typed cp1256 files carry ASCII ones.
    text = "الجماعة;السن;الجنس\nأزيلال;34;امرأة\nبني ملال;22;رجل\nخنيفرة;45;امرأة\n" * 20
    decoded, encoding = decode_text(text.encode("cp1256"))
    assert decoded == text
    assert encoding.replace("_", "").lower() in {"cp1256", "windows1256"}


def test_binary_content_is_no_text_of_any_encoding() -> None:
    # Not UTF-8; Windows-1252 leaves bytes undefined; Windows-1256 reads control characters.
    with pytest.raises(UnreadableFileError, match="contenu binaire"):
        decode_text(bytes(range(1, 256)) * 8)


def test_empty_file_is_unreadable() -> None:
    with pytest.raises(UnreadableFileError, match="vide"):
        decode_text(b"")


# --- delimited text ----------------------------------------------------------------------


def test_kobo_dialect_with_quotes_and_newlines_in_values() -> None:
    text = '"a";"b"\r\n"x ""quoted""";"line one\r\nline two"\r\n"2";""\r\n'
    grid = read_delimited_text(text)
    assert grid.headers == ["a", "b"]
    assert grid.column(0).to_pylist() == ['x "quoted"', "2"]
    assert grid.column(1).to_pylist() == ["line one\r\nline two", ""]
    assert grid.row_numbers.to_pylist() == [1, 2]


def test_malformed_row_is_isolated_with_its_number() -> None:
    text = "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n"
    grid = read_delimited_text(text)
    assert grid.column(0).to_pylist() == ["1", "6"]
    assert grid.row_numbers.to_pylist() == [1, 3]
    assert set(grid.malformed_rows) == {2, 4}
    assert grid.rows_read == 4


def test_rows_of_empty_fields_are_not_data_rows() -> None:
    # What Excel writes under the data for formatted but empty rows.
    grid = read_delimited_text("a;b\n1;2\n;\n3;4\n;\n").without_blank_rows()
    assert grid.column(0).to_pylist() == ["1", "3"]
    assert grid.row_numbers.to_pylist() == [1, 3] and grid.rows_read == 2


def test_truncated_last_line_keeps_the_rest() -> None:
    text = '"a";"b"\r\n"1";"2"\r\n"3";"4'
    grid = read_delimited_text(text)
    assert grid.column(0).to_pylist() == ["1"]
    assert grid.rows_read == 2 and list(grid.malformed_rows) == [2]


# --- Excel -------------------------------------------------------------------------------


def test_excel_cells_become_text() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append(["code", "age", "at", "day", "id"])
    sheet.append([50810101, 34.5, dt.datetime(2022, 3, 14, 10, 2, 11), dt.date(2022, 3, 14),
                  "  AZL-0042 "])
    buffer = io.BytesIO()
    workbook.save(buffer)
    grid = read_sheet(open_workbook(buffer.getvalue()), "data")
    cells = [column[0].as_py() for column in grid.columns]
    assert cells[0] == "50810101" and cells[1] == "34.5" and cells[4] == "AZL-0042"
    assert cells[2].replace("T", " ").startswith("2022-03-14 10:02:11")
    assert cells[3].startswith("2022-03-14")


def test_sheet_rows_keep_their_numbers() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append(["id", "n"])
    sheet.append(["x", 1])
    sheet.append([None, None])
    sheet.append(["y", 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    grid = read_sheet(open_workbook(buffer.getvalue()), "data")
    assert grid.column(0).to_pylist() == ["x", "y"]
    assert grid.row_numbers.to_pylist() == [1, 3]


# --- survey headers and answers ------------------------------------------------------------


BASE = {"commune": "050910101", "sex": "female", "age": "34"}


def test_kobo_group_paths_and_names() -> None:
    row = canonical(
        '"_uuid";"location/commune";"respondent/sex";"respondent/age";"services/sat_voirie"\n'
        '"u1";"050910101";"female";"34";"4"\n'
    )
    assert row["shape"] == "kobo"
    assert (row["commune"], row["sex"], row["age"], row["sat_voirie"]) == (
        ["050910101"], ["female"], ["34"], ["4"])


def test_odk_dash_paths_and_instance_id() -> None:
    row = canonical(
        "location-commune,respondent-sex,respondent-age,meta-instanceID,KEY\n"
        "050910101,male,40,uuid:abc,uuid:abc\n"
    )
    assert row["shape"] == "odk_central"
    assert row["submission_key"] == [KEYS.key("submission", "abc")]


def test_kobo_and_odk_ids_of_one_submission_match() -> None:
    kobo = canonical("_uuid;commune;sex;age\nabc;050910101;male;40\n")
    odk = canonical("meta-instanceID,commune,sex,age\nuuid:abc,050910101,male,40\n")
    assert kobo["submission_key"] == odk["submission_key"]


def test_french_labels_map_back_to_names() -> None:
    row = canonical(
        "_uuid;Commune;Sexe;Âge (années révolues);"
        "Quel est votre niveau de satisfaction : Voirie et pistes communales ?;"
        "Comment êtes-vous informé(e) des activités de la commune ?\n"
        "u1;Béni Mellal;Femme;٣٤;Très satisfait(e);"
        "Radio / télévision Annonce publique (souk, mosquée, crieur)\n"
    )
    assert row["commune"] == ["050910101"]
    assert row["sex"] == ["female"]
    assert row["age"] == ["34"]
    assert row["sat_voirie"] == ["5"]
    assert row["info_channels"] == ["radio_tv public_announcement"]
    # Choice order of the form, whatever the order typed.
    again = canonical(
        "_uuid;commune;sex;age;info_channels\nu1;050910101;male;30;word_of_mouth workshop\n"
    )
    assert again["info_channels"] == ["workshop word_of_mouth"]


def test_arabic_labels_map_back_to_names() -> None:
    row = canonical("_uuid;الجماعة;الجنس;السن (بالسنوات الكاملة)\nu1;خنيفرة;رجل;40\n")
    assert (row["commune"], row["sex"]) == (["053010101"], ["male"])


def test_option_columns_rebuild_multi_select() -> None:
    row = canonical(
        "_uuid;commune;sex;age;participation/info_channels/radio_tv;"
        "participation/info_channels/workshop;participation/info_channels/none\n"
        "u1;050910101;female;30;1;1;0\n"
    )
    assert row["info_channels"] == ["workshop radio_tv"]


def test_excel_lost_leading_zeros_are_restored() -> None:
    row = canonical("_uuid;province;commune;sex;age\nu1;5091;50910101;male;34.0\n")
    assert (row["province"], row["commune"], row["age"]) == (["05091"], ["050910101"], ["34"])


def test_unknown_answers_pass_unchanged_for_validation_to_report() -> None:
    row = canonical("_uuid;commune;sex;age\nu1;999999999;x;abc\n")
    assert (row["commune"], row["sex"], row["age"]) == (["999999999"], ["x"], ["abc"])


def test_paper_file_number_identifies_the_submission() -> None:
    row = canonical(
        "N° questionnaire;Commune;Sexe;Âge (années révolues)\nAZL-0042;Azilal;Homme;51\n"
    )
    assert row["shape"] == "paper"
    assert row["submission_key"] == [KEYS.key("submission", "paper:AZL-0042")]


def test_consent_is_implied_where_the_file_has_no_consent_column() -> None:
    # A typed questionnaire with answers was consented; a number with no answer is a refusal.
    row = canonical("N° questionnaire;Commune;Sexe;Âge\nA-1;Azilal;Homme;51\nA-2;;;\n")
    assert row["consent"] == ["yes", "no"]
    # With a consent column, its answer stands, even empty (validation reports it).
    row = canonical("_uuid;consent;commune;sex;age\nu1;;050910101;female;30\n")
    assert row["consent"] == [None]


def test_questions_a_file_lacks_are_listed_in_form_order() -> None:
    grid = read_delimited_text("_uuid;sex;commune;age;participation/info_channels/radio_tv\n")
    layout = survey_layout(grid.headers, FORM)
    assert layout is not None
    missing = layout.missing_questions(FORM)
    assert missing[:3] == ["consent", "province", "milieu"]
    assert not {"sex", "commune", "age", "info_channels"} & set(missing)
    assert "priorities" in missing


def test_personal_columns_never_reach_the_canonical_table() -> None:
    row = canonical(
        "_uuid;commune;sex;age;respondent/respondent_name;respondent/phone;"
        "location/douar_quartier;participation/comments;deviceid\n"
        "u1;050910101;female;30;Fatima;0612345678;Hay Salam;merci;collect:x\n"
    )
    flat = repr(row)
    for secret in ("Fatima", "0612345678", "Hay Salam", "merci", "collect:x", "'u1'"):
        assert secret not in flat


def test_a_file_without_survey_headers_is_not_a_survey() -> None:
    grid = read_delimited_text("name;amount\nx;1\n")
    assert survey_layout(grid.headers, FORM) is None


def test_committed_fixture_files_read(tmp_path: Path) -> None:
    fixture = FIXTURES / "e2e" / "kobo_export_2022-03.csv"
    text, encoding = decode_text(fixture.read_bytes())
    assert encoding == "utf-8-sig"
    grid = read_delimited_text(text)
    assert grid.num_rows == 17  # 16 submissions and the HXL line


def test_utf8_files_are_parsed_from_bytes() -> None:
    data = codecs.BOM_UTF8 + b'"commune";"sexe"\r\n"050910101";"Femme"\r\n'
    grid, encoding = read_delimited_file(data)
    assert encoding == "utf-8-sig"
    assert grid.headers == ["commune", "sexe"] and grid.column(0).to_pylist() == ["050910101"]


def test_other_encodings_and_broken_rows_take_the_exact_path() -> None:
    text = "الجماعة;الجنس\nأزيلال;امرأة\n" * 30
    grid, encoding = read_delimited_file(text.encode("cp1256"))
    assert encoding.replace("_", "").lower() in {"cp1256", "windows1256"}
    assert grid.num_rows == 59  # the repeated header lines are data rows here
    grid, encoding = read_delimited_file(b"a;b\n1;2\n3\n4;5\n")
    assert encoding == "utf-8" and list(grid.malformed_rows) == [2]
    with pytest.raises(UnreadableFileError, match="vide"):
        read_delimited_file(b"  \r\n")


def test_utf16_without_byte_order_mark() -> None:
    grid, encoding = read_delimited_file("commune;sexe\r\n050910101;Femme\r\n".encode("utf-16-le"))
    assert encoding == "utf-16-le" and grid.column(1).to_pylist() == ["Femme"]
