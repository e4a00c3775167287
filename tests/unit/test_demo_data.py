"""Fast checks of the demo data generator: determinism, file shapes, and that the summary's
counts are what the files hold (the pipeline's own tests rely on those counts)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from tests.support import build, ingest
from tools.demo_data import (
    KOBO_SYSTEM,
    ODK_TRAILING,
    SURVEY_INVALID,
    DemoSummary,
    generate_demo_data,
    main,
)

SMALL = {"n_responses": 400, "n_workshops": 40}
ARABIC_INDIC = set("٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo_data(out, seed=7, **SMALL)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _csv(path: Path, *, sep: str, encoding: str) -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=sep))


def _kobo(path: Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    header, hxl, *rows = _csv(path, sep=";", encoding="utf-8-sig")
    return header, hxl, [dict(zip(header, r, strict=True)) for r in rows]


def _kobo_exports(out: Path) -> list[Path]:
    return sorted(out.glob("kobo_citizen_survey_20??-??-??.csv"))


def test_same_seed_gives_identical_bytes(small: tuple[Path, DemoSummary], tmp_path: Path) -> None:
    generate_demo_data(tmp_path, seed=7, **SMALL)
    assert _digests(tmp_path) == _digests(small[0])


def test_other_seed_gives_other_files(small: tuple[Path, DemoSummary], tmp_path: Path) -> None:
    generate_demo_data(tmp_path, seed=8, **SMALL)
    ours, theirs = _digests(small[0]), _digests(tmp_path)
    assert ours.keys() == theirs.keys()
    assert all(ours[name] != theirs[name] for name in ours)


def test_kobo_xml_export_shape(small: tuple[Path, DemoSummary]) -> None:
    path = _kobo_exports(small[0])[0]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    first, second = raw[3:].split(b"\r\n")[:2]
    headers = first.decode().split(";")
    assert all(h.startswith('"') and h.endswith('"') for h in headers)
    headers = [h.strip('"') for h in headers]
    assert {"location/commune", "services/sat_etat_civil", "participation/info_channels",
            "participation/info_channels/radio_tv", "start", "consent"} <= set(headers)
    assert headers[-len(KOBO_SYSTEM):] == list(KOBO_SYSTEM)
    hxl = [h.strip('"') for h in second.decode().split(";")]
    assert hxl[headers.index("location/commune")] == "#adm2+code"
    _, _, rows = _kobo(path)
    values_with_newline = sum("\n" in v for r in rows for v in r.values())
    assert raw.replace(b"\r\n", b"").count(b"\n") == values_with_newline  # CRLF line ends
    assert [r["_index"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert rows[0]["start"].endswith("+01:00") and len(rows[0]["start"]) == 29
    # Device times carry Morocco's offset of the day: UTC+0 during Ramadan 2022 (27 March -
    # 8 May), UTC+1 otherwise.
    starts = [r["start"] for r in _kobo(_kobo_exports(small[0])[-1])[2]]
    ramadan = [start for start in starts if "2022-04-01" <= start[:10] <= "2022-05-01"]
    others = [start for start in starts if "2022-05-15" <= start[:10] <= "2022-12-31"]
    assert ramadan and all(start.endswith("+00:00") for start in ramadan)
    assert others and all(start.endswith("+01:00") for start in others)
    assert "+" not in rows[0]["_submission_time"] and len(rows[0]["_submission_time"]) == 19


def test_kobo_exports_are_cumulative_and_edits_come_last(small: tuple[Path, DemoSummary]) -> None:
    out, summary = small
    exports = [_kobo(p)[2] for p in _kobo_exports(out)]
    ids = [[r["_id"] for r in rows] for rows in exports]
    assert set(ids[0]) < set(ids[1]) < set(ids[2])
    assert all(x == sorted(x, key=int) for x in ids)
    second = {r["_id"]: r for r in exports[1]}
    edited = [r for r in exports[2] if r["_id"] in second
              and r["_submission_time"] != second[r["_id"]]["_submission_time"]]
    assert len(edited) == summary.injected["edited"] > 0
    for row in edited:
        before = second[row["_id"]]
        assert row["_uuid"] == before["_uuid"] and row["_submission_time"] > "2022-07-04"
        assert sum(row[k] != before[k] for k in row if k not in KOBO_SYSTEM) == 1


def test_code_columns_keep_leading_zeros(small: tuple[Path, DemoSummary]) -> None:
    out = small[0]
    _, _, rows = _kobo(_kobo_exports(out)[-1])
    consenting = [r for r in rows if r["consent"] == "yes"]
    assert all(len(r["location/commune"]) == 9 and r["location/commune"].startswith("05")
               for r in consenting)
    assert all(r["location/province"].startswith("05") for r in consenting)
    odk = _csv(next(out.glob("odk_*.csv")), sep=",", encoding="utf-8")
    at = odk[0].index("location-commune")
    assert all(r[at].startswith("05") for r in odk[1:] if r[at])


def test_odk_central_export(small: tuple[Path, DemoSummary]) -> None:
    path = next(small[0].glob("odk_*.csv"))
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    header, *rows = _csv(path, sep=",", encoding="utf-8")
    assert "meta-instanceID" in header and "respondent-sex" in header
    assert header[-len(ODK_TRAILING):] == list(ODK_TRAILING)
    assert not any(h.startswith("participation-info_channels/") for h in header)
    record = dict(zip(header, rows[0], strict=True))
    assert record["meta-instanceID"].startswith("uuid:") and record["KEY"] == record[
        "meta-instanceID"]


def test_labels_export_repeats_xml_submissions(small: tuple[Path, DemoSummary]) -> None:
    out = small[0]
    header, first, *rows = _csv(next(out.glob("*labels_fr*.csv")), sep=";",
                                encoding="utf-8-sig")
    assert "Sexe" in header and "Commune" in header and "respondent/sex" not in header
    assert first[header.index("_uuid")]  # no HXL line: the second line is a submission
    records = [dict(zip(header, r, strict=True)) for r in [first, *rows]]
    assert {r["Sexe"] for r in records} <= {"Femme", "Homme", ""}
    assert "Khénifra" in {r["Province"] for r in records}
    xml_uuids = {r["_uuid"] for r in _kobo(_kobo_exports(out)[-1])[2]}
    assert {r["_uuid"] for r in records} <= xml_uuids


def test_paper_files(small: tuple[Path, DemoSummary]) -> None:
    out = small[0]
    cp1256 = next(out.glob("papier_*_cp1256.csv"))
    text = cp1256.read_bytes().decode("cp1256")
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert header[0] == "N° questionnaire" and rows[0][0].startswith("AZL-")
    assert "_uuid" not in header and "start" not in header
    unicode_file = next(out.glob("papier_*_unicode.txt"))
    assert unicode_file.read_bytes().startswith(b"\xff\xfe")
    header, *rows = _csv(unicode_file, sep="\t", encoding="utf-16")
    ages = [r[header.index("Âge (années révolues)")] for r in rows]
    assert rows[0][0].startswith("BML-") and any(set(a) <= ARABIC_INDIC for a in ages)


def test_kobo_xlsx_export(small: tuple[Path, DemoSummary]) -> None:
    wb = openpyxl.load_workbook(next(small[0].glob("*_AZL_*.xlsx")), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "location/commune" in header and isinstance(first["start"], datetime)
    assert first["location/commune"] == int(first["location/commune"]) < 60_000_000


def test_registers(small: tuple[Path, DemoSummary]) -> None:
    out, summary = small
    files = sorted(out.glob("registre_*.xlsx"))
    assert len(files) == 16
    june, september = (_participants(p) for p in files[:2])
    assert len(september) > len(june)
    # Re-sent with the rows appended; a few ages typed wrong in June are corrected (only
    # the age changes, at the same place).
    by_name = {f.name: f for f in summary.files}
    changed = [i for i, row in enumerate(june) if september[i] != row]
    assert len(changed) == by_name[files[0].name].problems["corrected_age"]
    for i in changed:
        assert [k for k in range(len(june[i])) if june[i][k] != september[i][k]] == [3]
    wb = openpyxl.load_workbook(files[1], read_only=True)
    assert wb.sheetnames == ["ateliers", "participants", "valeurs", "communes"]
    codes = [r[1] for r in wb["ateliers"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(c, str) and len(c) == 9 for c in codes)
    latest = [row for p in files[1::2] for row in _participants(p)]
    assert len(latest) == summary.attendance_rows


def _participants(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return list(wb["participants"].iter_rows(min_row=2, values_only=True))


def test_summary_matches_files(small: tuple[Path, DemoSummary]) -> None:
    out, summary = small
    latest = _kobo(_kobo_exports(out)[-1])[2]
    ids = {r["_uuid"] or f"id:{r['_id']}" for r in latest}
    odk_header, *odk = _csv(next(out.glob("odk_*.csv")), sep=",", encoding="utf-8")
    ids |= {r[odk_header.index("meta-instanceID")] for r in odk}
    ids |= {r[0] for r in _csv(next(out.glob("*_unicode.txt")), sep="\t", encoding="utf-16")[1:]}
    cp1256 = next(out.glob("*_cp1256.csv")).read_bytes().decode("cp1256")
    paper = _csv(next(out.glob("*_unicode.txt")), sep="\t", encoding="utf-16")[1:]
    paper += list(csv.reader(io.StringIO(cp1256, newline=""), delimiter=";"))[1:]
    ids |= {r[0] for r in paper}
    # n_responses valid submissions, with refusals and invalid ones on top.
    assert len(ids) == summary.submissions
    invalid = sum(summary.injected[k] for k in SURVEY_INVALID)
    assert summary.accepted == SMALL["n_responses"] == len(ids) - summary.no_consent - invalid
    by_name = {f.name: f for f in summary.files}
    for path in _kobo_exports(out):
        assert by_name[path.name].rows == len(_kobo(path)[2])
    assert sum(r["_uuid"] == "" for r in latest) == summary.injected["missing_uuid"]
    assert sum(r["respondent/sex"] == "" and r["consent"] == "yes"
               for r in latest) == summary.injected["sex_missing"]
    # Paper files have no consent column: a refusal is a number (and enumerator) alone.
    paper_refusals = sum(not any(r[2:]) for r in paper)
    assert paper_refusals == 2
    assert sum(r["consent"] == "no" for r in latest) + sum(
        r[odk_header.index("consent")] == "no" for r in odk) + paper_refusals \
        == summary.no_consent
    speeders = sum(_minutes(r["start"], r["end"]) < 5 for r in latest)
    at = odk_header.index("start"), odk_header.index("end")
    speeders += sum(_minutes(r[at[0]], r[at[1]]) < 5 for r in odk)
    assert speeders == summary.injected["speeder"]
    assert all(summary.injected[k] >= 1 for k in SURVEY_INVALID)


def _minutes(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def test_default_size(tmp_path: Path) -> None:
    summary = generate_demo_data(tmp_path)
    assert summary.accepted >= 8350 and summary.workshops == 277
    assert summary.attendances >= 5000 > summary.unique_participants
    rows, known = [], set()
    for path in sorted(tmp_path.glob("registre_*_2022-09.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        known |= {r[0] for r in wb["ateliers"].iter_rows(min_row=2, values_only=True)}
        rows += wb["participants"].iter_rows(min_row=2, values_only=True)
    rows = [r for r in rows if r[0] in known]  # a row naming an unknown workshop is an error
    women = sum(str(r[2]).strip() in ("F", "f", "Femme", "امرأة") for r in rows) / len(rows)
    youth = sum(str(r[3]).isdigit() and 15 <= int(r[3]) <= 29 for r in rows) / len(rows)
    disabled = sum(str(r[5]).strip() in ("oui", "Oui", "نعم") for r in rows) / len(rows)
    assert 0.30 <= women <= 0.36 and 0.30 <= youth <= 0.36 and 0.055 <= disabled <= 0.075
    # The headline as the pipeline reads it: the programme's scale (8,350+ questionnaires
    # used, 277 workshops, 5,000+ attendances), every planted problem on top.
    con = build(ingest(tmp_path), "int_attendances")
    survey = dict(con.execute(
        "select disposition, count(*) from int_survey_dispositions group by 1").fetchall())
    assert survey["accepted"] == summary.accepted >= 8350
    assert survey["excluded_no_consent"] == summary.no_consent
    assert con.execute(
        "select count(distinct workshop_id), count(*) from int_attendances").fetchone() == (
        summary.workshops, summary.attendances)
    assert summary.attendances >= 5000
    superseded = con.execute(
        "select count(*) from int_register_dispositions where disposition = 'superseded'")
    assert superseded.fetchone()[0] == summary.injected["corrected_age"]
    # The Arabic names of the Windows-1256 paper file are read as Arabic, not as mojibake.
    assert con.execute(
        "select encoding from quality_file_summary where source_file like '%cp1256%'"
    ).fetchone() == ("cp1256",)


def test_cli_refuses_a_folder_with_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "old.csv").write_text("x")
    args = ["--out", str(tmp_path), "--responses", "120", "--workshops", "0",
            "--shapes", "kobo_xml"]
    assert main(args) == 2
    assert main([*args, "--force"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # three exports during the 2022 baseline, one after the 2024 follow-up
    assert sum(line.startswith("kobo_citizen_survey_") for line in lines) == 4
