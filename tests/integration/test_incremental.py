"""Incremental nights: a file already read and unchanged is not read again, a new or changed
one is read alone, a removed one leaves staging, and what is published is what a full
rebuild publishes."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from citizen_metrics.disclosure.precision import round_estimates
from citizen_metrics.ingest import stage as staging
from citizen_metrics.ingest.pseudonymise import Pseudonymiser
from citizen_metrics.ingest.readers.registers import RegisterMapping
from citizen_metrics.ingest.readers.survey import SurveyMapping
from citizen_metrics.ingest.sources import RawFile
from citizen_metrics.ingest.stage import (
    plan_staging,
    stage_file_inventory,
    stage_register_files,
    stage_survey_files,
)
from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import Settings
from citizen_metrics.tables import STAGING_TABLES
from tests.support import E2E_FILES, FIXTURES, copy_raw_files, materialize_all

E2E = FIXTURES / "e2e"
# Night 1 lacks these two; night 2 brings them (a new monthly export, a re-sent register).
ARRIVING = ["kobo_labels_fr.csv", "registre_EXP01_2022-04.xlsx"]
CHANGED = "kobo_export_2022-04.csv"  # night 1 has an earlier, shorter version of it
GONE = "kobo_dropped_by_mistake.csv"  # night 1 only: a file the clerk removed since
READ = [name for name in E2E_FILES if name != "empty.csv"]  # an empty file is no export


def test_plan_compares_names_and_contents() -> None:
    plan = plan_staging(current={"a": "1", "b": "2", "c": "3"},
                        staged={"a": "1", "b": "old", "d": "4"})
    assert plan.keep == ("a",)
    assert plan.read == ("b", "c")  # changed, new
    assert plan.drop == ("b", "d")  # changed, gone


def _copy_in_arrival_order(names: list[str], raw: Path) -> None:
    """Each file with the modification time it has in the end-to-end run."""
    for name in names:
        copy_raw_files([name], E2E, raw, first=E2E_FILES.index(name))


def _night_one(raw: Path) -> None:
    _copy_in_arrival_order([n for n in E2E_FILES if n not in ARRIVING], raw)
    lines = (E2E / CHANGED).read_bytes().split(b"\r\n")
    (raw / CHANGED).write_bytes(b"\r\n".join(lines[:8]) + b"\r\n")  # an earlier export
    shutil.copyfile(E2E / "kobo_export_2022-03.csv", raw / GONE)
    os.utime(raw / GONE, (1_651_000_000, 1_651_000_000))


def _night_two(raw: Path) -> None:
    (raw / GONE).unlink()
    _copy_in_arrival_order([*ARRIVING, CHANGED], raw)


class Recorder:
    """The files each reader is asked to read, and the files hashed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        self.hashed: list[str] = []
        survey, register, sha256 = (staging.read_survey_export, staging.read_register,
                                    RawFile.sha256)

        def read_survey(raw, mapping, *, streaming=True):
            self.read.append(raw.name)
            return survey(raw, mapping, streaming=streaming)

        def read_register(raw, mapping):
            self.read.append(raw.name)
            return register(raw, mapping)

        def hashed(raw):
            self.hashed.append(raw.name)
            return sha256(raw)

        monkeypatch.setattr(staging, "read_survey_export", read_survey)
        monkeypatch.setattr(staging, "read_register", read_register)
        monkeypatch.setattr(RawFile, "sha256", hashed)

    def night(self, warehouse: Path, raw: Path, salt: bytes = b"test") -> dict[str, dict]:
        self.read.clear()
        self.hashed.clear()
        settings = Settings.from_env()
        keys = Pseudonymiser(salt)
        with duckdb.connect(str(warehouse)) as con:
            con.execute("set TimeZone = 'UTC'")
            stage_file_inventory(con, raw, settings.read_limits)
            survey = stage_survey_files(con, raw, SurveyMapping(
                load_form(settings.survey_form), keys, settings.vocabularies.selected_flags),
                settings.read_limits)
            registers = stage_register_files(con, raw, RegisterMapping(
                keys, settings.vocabularies), settings.read_limits)
        return {"survey": survey, "registers": registers}


def _staged_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every staging table's rows, sorted (the ledger without its reading times)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table.name: sorted(con.execute(
                f"select * exclude (staged_at) from {table.name}"
                if table.name.endswith("_staged_files") else f"select * from {table.name}"
            ).fetchall(), key=repr)
            for table in STAGING_TABLES
        }


def test_staging_reads_only_what_is_new_or_changed(tmp_path: Path, monkeypatch) -> None:
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    recorder = Recorder(monkeypatch)
    _night_one(raw)
    first = recorder.night(warehouse, raw)
    assert first["survey"]["full_read"] == 1
    assert sorted(recorder.read) == sorted([n for n in READ if n not in ARRIVING] + [GONE])

    # Nothing new: no file is read, nor even hashed; staging is as it was.
    before = _staged_tables(warehouse)
    again = recorder.night(warehouse, raw)
    assert recorder.read == [] and recorder.hashed == []
    assert again["survey"]["files_new_or_changed"] == 0 and again["survey"]["rows_read_now"] == 0
    assert again["survey"]["files_unchanged"] == first["survey"]["files_new_or_changed"]
    assert _staged_tables(warehouse) == before

    # A new export, a re-sent register, a changed export, a removed one.
    _night_two(raw)
    second = recorder.night(warehouse, raw)
    assert sorted(recorder.read) == sorted([*ARRIVING, CHANGED])
    assert sorted(recorder.hashed) == sorted([*ARRIVING, CHANGED])
    assert second["survey"]["files_new_or_changed"] == 2 and second["survey"]["files_removed"] == 1
    assert second["registers"]["files_new_or_changed"] == 1 and second["survey"]["full_read"] == 0

    # Staging now holds exactly what a first reading of the same folder gives.
    fresh = tmp_path / "fresh.duckdb"
    recorder.night(fresh, raw)
    assert sorted(recorder.read) == sorted(READ)
    incremental, full = _staged_tables(warehouse), _staged_tables(fresh)
    assert incremental.keys() == full.keys()
    for name in full:
        assert incremental[name] == full[name], name
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from stg_survey_rows where source_file = ?",
                           [GONE]).fetchone() == (0,)


def test_a_new_salt_reads_every_file_again(tmp_path: Path, monkeypatch) -> None:
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    copy_raw_files(E2E_FILES[:3], E2E, raw)
    recorder = Recorder(monkeypatch)
    recorder.night(warehouse, raw, salt=b"one")
    recorder.night(warehouse, raw, salt=b"one")
    assert recorder.read == []
    run = recorder.night(warehouse, raw, salt=b"two")
    assert sorted(recorder.read) == sorted(E2E_FILES[:3])
    assert run["survey"]["full_read"] == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        keys = con.execute("select count(distinct reading_fingerprint) "
                           "from stg_survey_staged_files").fetchone()
    assert keys == (1,)  # no row of the old salt is left


def _published(marts: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(marts / "citizen_metrics.duckdb"), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() order by table_name").fetchall()]
        return {name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
                for name in names}


def test_incremental_nights_publish_what_a_full_rebuild_publishes(tmp_path: Path,
                                                                     e2e_run) -> None:
    """Two nights on one warehouse (the second adds, changes and removes files) publish
    the same tables, row for row, as the end-to-end run on the same files read at once."""
    root = tmp_path / "nights"
    _night_one(root / "raw")
    materialize_all(root)
    _night_two(root / "raw")
    result = materialize_all(root)
    staged = result.asset_materializations_for_node("stage_survey_exports")[0].metadata
    assert staged["files_new_or_changed"].value == 2 and staged["files_removed"].value == 1

    full_root, _ = e2e_run
    incremental, full = _published(root / "marts"), _published(full_root / "marts")
    assert incremental.keys() == full.keys() and "mart_survey_indicators" in full
    for name in full:
        assert incremental[name] == full[name], name


def test_a_figure_halfway_publishes_the_same_digits_whatever_the_order() -> None:
    """9 of 16 respondents satisfied is 0.5625, halfway between two published shares (3
    decimals): summed in another order (a night that reads one new export adds its rows
    last), the same ratio lands a bit of a double below or above it, and must publish 0.563
    both ways (as 21/8 = 2.625 publishes the score 2.63)."""
    halfway_share, halfway_score = 9 / 16, 21 / 8
    con = duckdb.connect()
    con.execute("create table mart_survey_indicators (satisfied_share double, mean_score double)")
    con.executemany("insert into mart_survey_indicators values (?, ?)", [
        (math.nextafter(halfway_share, 0), math.nextafter(halfway_score, 0)),
        (halfway_share, halfway_score),
        (math.nextafter(halfway_share, 1), math.nextafter(halfway_score, 3)),
    ])
    round_estimates(con, "mart_survey_indicators")
    assert con.execute("select distinct satisfied_share, mean_score "
                       "from mart_survey_indicators").fetchall() == [(0.563, 2.63)]


def test_a_decimal_half_rounds_away_from_zero_though_its_double_lies_below() -> None:
    """0.001 - 0.0115 = -0.0105 is stored as the double -0.010499999…; published to 3
    decimals it is -0.011, as on paper, not -0.010."""
    con = duckdb.connect()
    con.execute("create table mart_equity_gaps (gap double, share_a double, share_b double)")
    con.execute("insert into mart_equity_gaps values (0.001 - 0.0115, 0.001, 0.0115)")
    round_estimates(con, "mart_equity_gaps")
    assert con.execute("select gap, share_a, share_b from mart_equity_gaps").fetchall() == [
        (-0.011, 0.001, 0.012)]


def test_a_file_rejected_whole_is_read_again_the_next_night(tmp_path: Path,
                                                            monkeypatch) -> None:
    """An export whose reading failed (an I/O error that has passed since) is not taken as
    read: the next night reads it again, and its rows are staged once."""
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    copy_raw_files(E2E_FILES[:3], E2E, raw)
    survey_reader = staging.read_survey_export
    victim = "kobo_export_2022-03.csv"
    assert victim in E2E_FILES[:3]

    def failing(raw_file, mapping, *, streaming=True):
        if raw_file.name == victim:
            raise OSError(5, "Input/output error")
        return survey_reader(raw_file, mapping, streaming=streaming)

    monkeypatch.setattr(staging, "read_survey_export", failing)
    Recorder(monkeypatch).night(warehouse, raw)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status from stg_survey_file_reads where source_file = ?",
                           [victim]).fetchall() == [("rejected",)]
        assert con.execute("select count(*) from stg_survey_staged_files "
                           "where source_file = ?", [victim]).fetchone() == (0,)

    monkeypatch.setattr(staging, "read_survey_export", survey_reader)
    recorder = Recorder(monkeypatch)
    again = recorder.night(warehouse, raw)
    assert recorder.read == [victim]
    assert again["survey"]["files_new_or_changed"] == 1
    fresh = tmp_path / "fresh.duckdb"
    recorder.night(fresh, raw)
    assert _staged_tables(warehouse) == _staged_tables(fresh)
