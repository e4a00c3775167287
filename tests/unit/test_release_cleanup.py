"""Nothing left behind: a failed night's half-built publication (`releases/.next/`) is
removed once the night has ended, so that a disk it filled frees itself, but never while a
run holds the marts folder; releases beyond the two kept go before a night; a night without
room for its publication stops before writing anything."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from citizen_metrics.operations.runlock import hold_folders
from citizen_metrics.publish import release as release_module
from citizen_metrics.publish.release import (
    MartsFolder,
    NotEnoughSpace,
    discard_failed_publication,
    prepare_for_a_night,
)


def _half_built(marts: Path) -> Path:
    staging = MartsFolder(marts).staging
    (staging / "exports").mkdir(parents=True)
    (staging / "exports" / "mart_targets.csv").write_bytes(b"x" * 1000)
    return staging


def test_a_failed_nights_half_built_publication_is_removed(tmp_path: Path) -> None:
    staging = _half_built(tmp_path / "marts")
    assert discard_failed_publication(tmp_path / "marts")
    assert not staging.exists()
    assert not discard_failed_publication(tmp_path / "marts")  # nothing left to remove


def _hold(marts: str, ready: multiprocessing.synchronize.Event,
          done: multiprocessing.synchronize.Event) -> None:
    with hold_folders([Path(marts)], run_id="another-run"):
        ready.set()
        done.wait(30)


def test_a_publication_another_run_is_building_stays(tmp_path: Path) -> None:
    staging = _half_built(tmp_path / "marts")
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    other = context.Process(target=_hold, args=(str(tmp_path / "marts"), ready, done))
    other.start()
    try:
        assert ready.wait(30)
        assert not discard_failed_publication(tmp_path / "marts")
        assert (staging / "exports" / "mart_targets.csv").exists()
    finally:
        done.set()
        other.join(30)


def _release(marts: Path, name: str, size: int) -> None:
    release = marts / "releases" / name
    release.mkdir(parents=True)
    (release / "manifest.json").write_text(
        json.dumps({"files": [{"path": "citizen_metrics.duckdb", "bytes": size}]}))


def _make_current(marts: Path, name: str) -> None:
    for link, target in (("current", f"releases/{name}"),
                         ("manifest.json", "current/manifest.json")):
        (marts / link).unlink(missing_ok=True)
        (marts / link).symlink_to(target)


def test_releases_beyond_the_two_kept_go_before_a_night(tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    for name in ("20261201T020000Z-aaaa", "20261202T020000Z-bbbb", "20261203T020000Z-cccc"):
        _release(marts, name, 1000)
    _make_current(marts, "20261203T020000Z-cccc")
    prepare_for_a_night(marts)
    assert sorted(p.name for p in (marts / "releases").iterdir()) == [
        "20261202T020000Z-bbbb", "20261203T020000Z-cccc"]


def test_a_night_without_room_for_its_publication_stops_before_writing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marts = tmp_path / "marts"
    _release(marts, "20261203T020000Z-cccc", 50_000_000)
    _make_current(marts, "20261203T020000Z-cccc")
    free = {"bytes": 59_000_000}
    monkeypatch.setattr(release_module.shutil, "disk_usage",
                        lambda _: shutil._ntuple_diskusage(10**9, 10**9, free["bytes"]))
    with pytest.raises(NotEnoughSpace, match=r"il reste 59 Mo libres .* environ 60 Mo"):
        prepare_for_a_night(marts)  # 50 MB published, 20 % more asked: 60 MB
    free["bytes"] = 61_000_000
    prepare_for_a_night(marts)
