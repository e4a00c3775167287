"""The raw-folder sensor starts a run only for a file that really is new or changed: not at
start-up for files already published, not for a file touched or copied again, not for a file
still being copied. (Files never published, the schedule, the job and the clean-up of run
history: unit/test_sensor.py.)"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from citizen_metrics.ingest.arrivals import decode_cursor
from tests.support import E2E_FILES, FIXTURES, OLD, evaluate


@pytest.fixture
def published(e2e_run, tmp_path: Path) -> Path:
    """A copy of the end-to-end run's raw folder and published marts (times kept)."""
    source, _ = e2e_run
    for folder in ("raw", "marts"):
        shutil.copytree(source / folder, tmp_path / folder)
    return tmp_path


def test_start_up_starts_no_run_for_files_already_published(published: Path) -> None:
    result, cursor = evaluate(published, None)
    assert isinstance(result, dg.SkipReason)
    seen = decode_cursor(cursor)
    assert seen is not None and sorted(seen) == sorted(E2E_FILES)
    # A cursor of the sensor's former form (name -> time) is read as none: seeded again.
    result, _ = evaluate(published, '{"kobo_export_2022-03.csv": 1651363200000000000}')
    assert isinstance(result, dg.SkipReason)


def test_new_changed_touched_settling_and_removed_files(published: Path) -> None:
    raw = published / "raw"
    _, cursor = evaluate(published, None)

    export = raw / "kobo_export_2022-05.csv"
    shutil.copyfile(FIXTURES / "shapes" / "kobo_names_flat.csv", export)
    os.utime(export, (OLD, OLD))
    new, cursor = evaluate(published, cursor)
    assert isinstance(new, dg.RunRequest) and new.tags["files"] == export.name
    again, cursor = evaluate(published, cursor)
    assert isinstance(again, dg.SkipReason)

    # Copied again or touched: same bytes, no run.
    os.utime(raw / "kobo_export_2022-03.csv", (OLD + 60, OLD + 60))
    touched, cursor = evaluate(published, cursor)
    assert isinstance(touched, dg.SkipReason)

    # Its content changed: a run, with another key than the first.
    with (raw / "kobo_export_2022-03.csv").open("ab") as handle:
        handle.write(b"\r\n")
    os.utime(raw / "kobo_export_2022-03.csv", (OLD + 120, OLD + 120))
    changed, cursor = evaluate(published, cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != new.run_key
    assert changed.tags["files"] == "kobo_export_2022-03.csv"

    # A file being copied right now waits for the next look.
    late = raw / "registre_EXP09.xlsx"
    shutil.copyfile(FIXTURES / "e2e" / "registre_EXP01_2022-03.xlsx", late)
    settling, cursor = evaluate(published, cursor)
    assert isinstance(settling, dg.SkipReason) and "being copied" in settling.skip_message
    os.utime(late, (time.time() - 120, time.time() - 120))
    arrived, cursor = evaluate(published, cursor)
    assert isinstance(arrived, dg.RunRequest) and arrived.tags["files"] == late.name

    # A removed file starts no run (the nightly run takes it out of the figures).
    export.unlink()
    removed, cursor = evaluate(published, cursor)
    assert isinstance(removed, dg.SkipReason)
    assert export.name not in (decode_cursor(cursor) or {})
