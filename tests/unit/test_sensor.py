"""The raw-folder sensor starts a run for files never published; the schedule, the job and
the clean-up of run history. (The sensor on a published run's folders, for files new,
changed, touched or still being copied: integration/test_sensor_on_published_run.py.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from citizen_metrics.defs.automation import (
    citizen_metrics_job,
    nightly_schedule,
    purge_run_history_job,
    weekly_purge_schedule,
)
from citizen_metrics.defs.definitions import defs
from tests.support import FIXTURES, OLD, evaluate


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
