"""The guard on whole nights: tonight's figures against the end-to-end run's publication,
a night that lost a file keeps the previous marts, a night without files stops at once.
(The guard's rules alone: unit/test_guard.py.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from citizen_metrics.operations.guard import NightFigures, judge, last_publication
from tests.support import E2E_FILES, FIXTURES, copy_raw_files, ingest, materialize_all


def test_tonight_against_the_last_publication(e2e_run, tmp_path: Path) -> None:
    """Tonight's figures are read the same way from the warehouse as last night's from the
    published marts: the fixture's night again is the same; without March's export it
    lacks a file; with only the registers it has no survey response left."""
    root, _ = e2e_run
    last = last_publication(root / "marts")
    assert last is not None and last.described.startswith("les chiffres publiés le ")
    assert last.figures.accepted_responses == 16 and last.figures.accepted_attendances == 11
    for name, kept, problems in (
        ("same", E2E_FILES, 0),
        ("lacking", [f for f in E2E_FILES if f != "kobo_export_2022-03.csv"], 1),
        ("registers", [f for f in E2E_FILES if f.startswith("registre")], 2),
    ):
        raw = tmp_path / name
        copy_raw_files(kept, FIXTURES / "e2e", raw)
        con = ingest(raw)
        tonight = NightFigures.read(con)
        present = dict(con.execute("select source_file, sha256 from stg_raw_files").fetchall())
        verdict = judge(tonight, last, present, max_drop=0.2, rebaseline=False)
        assert len(verdict.problems) == problems, (name, verdict.problems)



def test_a_wrong_night_keeps_the_previous_marts(e2e_run, tmp_path: Path) -> None:
    """The whole graph on a night that lost a file: the blocking check stops publication,
    the published files stay as they were, and the check says why."""
    root, _ = e2e_run
    shutil.copytree(root / "marts", tmp_path / "marts", symlinks=True)
    copy_raw_files([f for f in E2E_FILES if f != "kobo_export_2022-04.csv"], FIXTURES / "e2e",
                   tmp_path / "raw")
    before = {str(path): path.read_bytes()
              for path in (tmp_path / "marts" / "exports").rglob("*") if path.is_file()}
    result = materialize_all(tmp_path, raise_on_error=False)
    assert not result.success
    guard = next(e for e in result.get_asset_check_evaluations()
                 if e.check_name == "night_is_complete")
    assert not guard.passed and "kobo_export_2022-04.csv" in (guard.description or "")
    assert "Rien n'a été publié" in (guard.description or "")
    after = {str(path): path.read_bytes()
              for path in (tmp_path / "marts" / "exports").rglob("*") if path.is_file()}
    assert after == before
    published = [event for event in result.get_asset_materialization_events()
                 if event.asset_key == dg.AssetKey("published_marts")]
    assert published == []
    assert os.readlink(tmp_path / "marts" / "current") == os.readlink(root / "marts" / "current")


@pytest.mark.parametrize("missing", [True, False])
def test_a_night_without_files_stops_at_once(tmp_path: Path, missing: bool) -> None:
    if not missing:
        (tmp_path / "raw").mkdir()
    result = materialize_all(tmp_path, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "stg_raw_files"
    assert not (tmp_path / "marts" / "citizen_metrics.duckdb").exists()
