"""Nothing left behind: a failed night's half-built publication (`releases/.next/`) is
removed once the night has ended, so that a disk it filled frees itself, but never while a
run holds the marts folder."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from citizen_metrics.operations.runlock import hold_folders
from citizen_metrics.publish.release import MartsFolder, discard_failed_publication


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
