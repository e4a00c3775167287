"""Files as clerks send them from the field (tests/fixtures/field, built by build_fixtures.py):
a paper file without consent, an Arabic Windows-1256 file, a header-only export, a Kobo
workbook with local times near midnight, and a re-sent register with namesakes. Every
expected value is worked out by hand from the literal rows of build_fixtures.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.support import FIXTURES, build, copy_raw_files, ingest

FIELD = FIXTURES / "field"
A, B = "050910101", "050810305"  # Béni Mellal, Ait Bou Oulli
SUMMARY = (
    "select source_file, sheet, file_shape, status, reason, rows_read, accepted, duplicate, "
    "superseded, excluded_no_consent, quarantined, rows_accounted "
    "from quality_file_summary order by source_file, sheet"
)


# --- a paper-era file without a consent column ----------------------------------------------

PAPER = "papier_sans_consentement.txt"
LEFT_OUT = ("consent, wg_seeing, wg_hearing, wg_walking, wg_remembering, wg_selfcare, "
            "wg_communicating, info_channels, priorities")


def test_paper_file_without_consent_is_loaded(tmp_path: Path) -> None:
    copy_raw_files([PAPER], FIELD, tmp_path)
    con = build(ingest(tmp_path), "int_survey_responses")
    # AZN-0001..0003 answered: consented. AZN-0004 has its number and nothing else: refused.
    assert con.execute(SUMMARY).fetchall() == [
        (PAPER, "", "paper", "loaded", None, 4, 3, 0, 0, 1, 0, True)]
    assert con.execute(
        "select encoding, missing_questions from quality_file_summary").fetchone() == (
        "utf-16", LEFT_OUT)
    assert con.execute("select source_row, consent from stg_survey_rows order by 1").fetchall() \
        == [(1, "yes"), (2, "yes"), (3, "yes"), (4, "no")]
    # Ages 52, 23 and ٣٧ (Arabic-Indic digits); without the Washington Group questions the
    # disability of every respondent is unknown, never guessed.
    rows = con.execute(
        "select age, sex, residence, disability, sat_overall, trust_council "
        "from int_survey_responses order by source_row"
    ).fetchall()
    assert rows == [
        (52, "female", "rural", "unknown", 4, 5),
        (23, "male", "rural", "unknown", 2, 3),
        (37, "female", "urban", "unknown", 5, 4),
    ]
    assert con.execute("select count(*) from quality_quarantine").fetchone() == (0,)


def test_a_question_left_out_is_unknown_not_an_error(tmp_path: Path) -> None:
    """The same file without its `Sexe` and `Province` columns: sex becomes unknown, the
    province is the commune's; nothing is rejected or quarantined."""
    text = (FIELD / PAPER).read_bytes().decode("utf-16")
    lines = [line.split("\t") for line in text.split("\r\n") if line]
    dropped = [lines[0].index("Sexe"), lines[0].index("Province")]
    kept = ["\t".join(v for i, v in enumerate(line) if i not in dropped) for line in lines]
    (tmp_path / PAPER).write_bytes(("\r\n".join(kept) + "\r\n").encode("utf-16"))
    con = build(ingest(tmp_path), "int_survey_responses")
    assert con.execute(SUMMARY).fetchall() == [
        (PAPER, "", "paper", "loaded", None, 4, 3, 0, 0, 1, 0, True)]
    missing = con.execute("select missing_questions from quality_file_summary").fetchone()[0]
    assert missing == "consent, province, sex, " + LEFT_OUT.removeprefix("consent, ")
    assert con.execute(
        "select sex, province_code, commune_code from int_survey_responses order by source_row"
    ).fetchall() == [("unknown", "05081", B)] * 3


# --- Windows-1256 with Arabic answers ------------------------------------------------------

def test_windows_1256_file_with_arabic_answers(tmp_path: Path) -> None:
    name = "papier_arabe_cp1256.csv"
    copy_raw_files([name], FIELD, tmp_path)
    con = ingest(tmp_path)
    # AR-0003 answered لا (no) to consent; the three others are valid.
    assert con.execute(SUMMARY).fetchall() == [
        (name, "", "paper", "loaded", None, 4, 3, 0, 0, 1, 0, True)]
    encoding, missing = con.execute(
        "select encoding, missing_questions from quality_file_summary").fetchone()
    assert encoding == "cp1256"
    assert not {"consent", "province", "commune", "milieu", "sex", "age", "sat_overall",
                "trust_council"} & set(missing.split(", "))
    # امرأة / رجل, حضري / قروي, راض(ية) جدا = 5, غير راض(ية) = 2, لا أعرف = 9, راض(ية) = 4,
    # محايد(ة) = 3, غير راض(ية) تماما = 1; بني ملال is both the province and the commune.
    rows = con.execute(
        "select consent, province, commune, milieu, sex, age, sat_overall, trust_council "
        "from stg_survey_rows order by source_row"
    ).fetchall()
    assert rows == [
        ("yes", "05091", A, "urban", "female", "34", "5", "4"),
        ("yes", "05091", A, "rural", "male", "61", "2", "3"),
        ("no", None, None, None, None, None, None, None),
        ("yes", "05091", A, "urban", "female", "22", "9", "1"),
    ]


def test_arabic_names_among_french_labels_read_as_windows_1256() -> None:
    """The shape of the demo's paper file: mostly French, a few Arabic names. Read as
    Windows-1252, the names would be mojibake (`ÚËãÇä`)."""
    from citizen_metrics.ingest.readers.grids import decode_text

    text = ("N° questionnaire;Nom et prénom (facultatif);Sexe;Activité principale\r\n"
            "AZL-0001;عثمان أوشن;Homme;Salarié(e)\r\nAZL-0002;;Femme;Élève / étudiant(e)\r\n")
    data = text.replace("É", "E").encode("cp1256")
    assert decode_text(data) == (text.replace("É", "E"), "cp1256")
    french = "Activité;État civil;Âge;Très satisfait(e)\r\nÉlève;Oui;34;Non\r\n"
    assert decode_text(french.encode("cp1252")) == (french, "cp1252")


# --- a header and no row --------------------------------------------------------------------

def test_header_only_export_says_so(tmp_path: Path) -> None:
    copy_raw_files(["header_only.csv"], FIXTURES / "e2e", tmp_path)
    con = ingest(tmp_path)
    assert con.execute(SUMMARY).fetchall() == [
        ("header_only.csv", "", "kobo", "loaded",
         "aucune ligne de données : un en-tête et rien d'autre",
         0, 0, 0, 0, 0, 0, True)]


# --- local time in a Kobo workbook ----------------------------------------------------------

def test_workbook_times_are_moroccan_local_time(tmp_path: Path) -> None:
    copy_raw_files(["kobo_heure_locale.xlsx"], FIELD, tmp_path)
    con = build(ingest(tmp_path), "int_survey_responses", "quality_flags")
    # M1: 00:30 local on 1 January 2022 is 23:30 UTC (UTC+1). M2: 10:00 local during
    # Ramadan is 10:00 UTC (UTC+0 from 27 March to 8 May 2022). M3: 22:00 local is 21:00 UTC.
    # `_submission_time` is UTC as written.
    times = con.execute(
        "select started_at, ended_at, submitted_at, interview_date from stg_survey_rows "
        "order by source_row"
    ).fetchall()
    moment = dt.datetime
    assert times == [
        (moment(2021, 12, 31, 23, 30), moment(2021, 12, 31, 23, 52),
         moment(2021, 12, 31, 23, 58), dt.date(2022, 1, 1)),
        (moment(2022, 4, 10, 10, 0), moment(2022, 4, 10, 10, 20), moment(2022, 4, 10, 10, 25),
         dt.date(2022, 4, 10)),
        (moment(2021, 12, 31, 21, 0), moment(2021, 12, 31, 21, 20),
         moment(2021, 12, 31, 21, 30), dt.date(2021, 12, 31)),
    ]
    days = con.execute("select interview_day from int_survey_responses order by source_row")
    assert days.fetchall() == [(dt.date(2022, 1, 1),), (dt.date(2022, 4, 10),),
                               (dt.date(2021, 12, 31),)]
    # M1 was sent at 00:58 local on 1 January 2022: in 2022, not flagged. M3, sent at 22:30
    # local on 31 December 2021, is.
    assert con.execute("select source_row, flag from quality_flags").fetchall() == [
        (3, "date_out_of_range")]


# --- a re-sent register with namesakes ------------------------------------------------------

REGISTERS = ["registre_EXP07_2022-05.xlsx", "registre_EXP07_2022-06.xlsx"]


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory):
    raw = tmp_path_factory.mktemp("registers")
    copy_raw_files(REGISTERS, FIELD, raw)  # May first, June a minute later
    return build(ingest(raw), "int_attendances")


def test_register_rows_by_place_and_content(registers) -> None:
    assert registers.execute(SUMMARY).fetchall() == [
        (REGISTERS[0], "ateliers", "register_xlsx", "loaded", None, 1, 1, 0, 0, 0, 0, True),
        # Both Hassan Amrani rows count (namesakes: other age and category); Rachida's second
        # row is her first one typed again; Souad's age (44) is corrected in June.
        (REGISTERS[0], "participants", "register_xlsx", "loaded", None, 5, 3, 1, 1, 0, 0,
         True),
        (REGISTERS[1], "ateliers", "register_xlsx", "loaded", None, 1, 0, 1, 0, 0, 0, True),
        # Rows 1-4 re-sent unchanged (copies of May's), row 5 the correction, row 6 new.
        (REGISTERS[1], "participants", "register_xlsx", "loaded", None, 6, 2, 4, 0, 0, 0,
         True),
    ]
    superseded = registers.execute(
        "select source_file, source_row from int_register_dispositions "
        "where disposition = 'superseded'"
    ).fetchall()
    assert superseded == [(REGISTERS[0], 5)]


def test_namesakes_are_two_attendances_of_one_name(registers) -> None:
    rows = registers.execute(
        "select sex, age, category, age_group from int_attendances order by age"
    ).fetchall()
    assert rows == [
        ("male", 19, "citoyen", "youth"),            # Omar Bennis, appended in June
        ("female", 27, "citoyen", "youth"),          # Rachida Naji, once
        ("male", 34, "citoyen", "adult"),            # Hassan Amrani
        ("female", 41, "societe_civile", "adult"),   # Souad Lahlou, as corrected
        ("male", 58, "elu", "adult"),                # Hassan Amrani, his namesake
    ]
    # Unique participants keep their rule: without a phone, the name within the commune,
    # so the two Hassan Amrani count as one person (5 attendances, 4 persons).
    assert registers.execute(
        "select count(*), count(distinct person_id) from int_attendances").fetchone() == (5, 4)


# --- what still rejects a survey file -------------------------------------------------------

def test_only_a_missing_submission_id_column_rejects_a_survey_file(tmp_path: Path) -> None:
    # Without `_uuid`, `meta-instanceID` or `N° questionnaire`, rows could not be told apart
    # from their re-exports; a file lacking any other column (consent, sex, age…) loads.
    (tmp_path / "sans_identifiant.csv").write_text(
        "commune;sex;age;sat_overall\n050910101;female;34;4\n", encoding="utf-8")
    (tmp_path / "sans_sexe.csv").write_text(
        "_uuid;commune;age;sat_overall\nu1;050910101;34;4\n", encoding="utf-8")
    # Without a commune the file loads, but its response belongs to no geography.
    (tmp_path / "sans_commune.csv").write_text(
        "_uuid;sex;age;sat_overall\nu2;male;40;3\n", encoding="utf-8")
    con = ingest(tmp_path)
    assert con.execute(
        "select source_file, status, reason, rows_read, accepted from quality_file_summary "
        "order by 1"
    ).fetchall() == [
        ("sans_commune.csv", "loaded", None, 1, 0),
        ("sans_identifiant.csv", "rejected",
         "export d'enquête sans colonne d'identifiant de soumission (_uuid, meta-instanceID ou "
         "N° questionnaire) : ses lignes ne pourraient pas être distinguées de leurs "
         "réexportations", 0, 0),
        ("sans_sexe.csv", "loaded", None, 1, 1),
    ]
    assert con.execute('select source_file, rule, "column" from quality_quarantine').fetchall() \
        == [("sans_commune.csv", "unknown_commune", "commune")]


def test_two_workbooks_of_one_expert_are_not_versions_of_each_other(tmp_path: Path) -> None:
    """Another workbook of expert EXP07, for another workshop, sent after May's: its rows sit
    at the same places but replace nothing (it does not start with May's first workshop)."""
    import os

    from tests.fixtures.build_fixtures import REGISTER_MAY, register

    copy_raw_files([REGISTERS[0]], FIELD, tmp_path)
    other = [("ATL-N2", *row[1:]) for row in REGISTER_MAY]
    register([("ATL-N2", B, "20/05/2022", "priorisation")], tmp_path / "autre.xlsx", other,
             "EXP07")
    os.utime(tmp_path / "autre.xlsx", (1_700_000_000, 1_700_000_000))
    con = ingest(tmp_path)
    assert con.execute(
        "select source_file, sheet, accepted, duplicate, superseded from quality_file_summary "
        "order by 1, 2"
    ).fetchall() == [
        ("autre.xlsx", "ateliers", 1, 0, 0),
        # Both Hassan Amrani, Rachida (her second row a duplicate), Souad: in each workbook.
        ("autre.xlsx", "participants", 4, 1, 0),
        (REGISTERS[0], "ateliers", 1, 0, 0),
        (REGISTERS[0], "participants", 4, 1, 0),
    ]
