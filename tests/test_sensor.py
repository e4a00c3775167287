"""The raw-folder sensor starts a run only for a file that really is new or changed: not at
start-up for files already published, not for a file touched or copied again, not for a file
still being copied; the schedule, the job and the clean-up of run history."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from citizen_metrics.defs.automation import (
    citizen_metrics_job,
    new_raw_files,
    nightly_schedule,
    purge_run_history_job,
    weekly_purge_schedule,
)
from citizen_metrics.defs.definitions import defs
from citizen_metrics.defs.resources import WarehouseResource
from citizen_metrics.ingest.arrivals import decode_cursor
from tests.conftest import E2E_FILES, FIXTURES

OLD = 1_700_000_000  # a modification time well in the past (2023-11-14)


def evaluate(root: Path, cursor: str | None) -> tuple[dg.SkipReason | dg.RunRequest, str]:
    # The resource is a context manager (it holds a run's folders): the context opens it.
    with dg.build_sensor_context(cursor=cursor, resources={"warehouse": WarehouseResource(
            raw_dir=str(root / "raw"), marts_dir=str(root / "marts"))}) as context:
        result = new_raw_files(context)
        assert isinstance(result, dg.SkipReason | dg.RunRequest)
        assert context.cursor is not None
        return result, context.cursor


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


def test_files_never_published_start_a_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "README.md").write_text("ignored")
    empty, cursor = evaluate(tmp_path, None)
    assert isinstance(empty, dg.SkipReason)
    shutil.copyfile(FIXTURES / "e2e" / "kobo_export_2022-03.csv", raw / "kobo.csv")
    os.utime(raw / "kobo.csv", (OLD, OLD))
    first, _ = evaluate(tmp_path, None)
    assert isinstance(first, dg.RunRequest)
    assert isinstance(evaluate(tmp_path, cursor)[0], dg.RunRequest)


def test_nightly_schedule_runs_the_job_at_two_in_morocco() -> None:
    schedule = defs.resolve_schedule_def("nightly_citizen_metrics")
    assert schedule is nightly_schedule
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Africa/Casablanca"
    assert schedule.job_name == "citizen_metrics_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert defs.resolve_sensor_def("new_raw_files").job_name == "citizen_metrics_job"


def test_data_failures_are_not_retried() -> None:
    job = defs.resolve_job_def("citizen_metrics_job")
    assert job is not None and citizen_metrics_job.name == job.name
    assert job.tags["dagster/retry_on_asset_or_op_failure"] == "false"


def test_purge_deletes_old_runs_only() -> None:
    instance = dg.DagsterInstance.ephemeral()
    keep = {"ops": {"purge_old_runs": {"config": {"keep_days": 400}}}}
    first = purge_run_history_job.execute_in_process(instance=instance, run_config=keep)
    assert first.output_for_node("purge_old_runs") == 0
    assert instance.get_run_by_id(first.run_id) is not None
    purge = purge_run_history_job.execute_in_process(
        instance=instance, run_config={"ops": {"purge_old_runs": {"config": {"keep_days": 0}}}})
    assert purge.output_for_node("purge_old_runs") == 1
    assert instance.get_run_by_id(first.run_id) is None
    assert [run.run_id for run in instance.get_runs()] == [purge.run_id]
    assert weekly_purge_schedule.execution_timezone == "Africa/Casablanca"
