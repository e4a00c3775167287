"""Recovery without a human: a run holds its folders with a kernel lock, and runs whose
process is gone are marked failed so that nothing they held blocks the next night.

A run killed with SIGKILL (or by the OOM killer, or a power cut) cannot report its own end:
Dagster keeps it STARTED, with the slot of the `duckdb_warehouse` pool it had claimed, and
every later run waits forever for that slot ("Step blocked by limit for pool"), as would the
run queue (one run at a time in `dagster.yaml`). So:

- every run, before its first step, marks the runs whose process no longer exists as failed
  and frees their pool slots (`clean_dead_runs`); the sensor `recover_dead_runs` does the
  same every minute for the run queue of the Dagster daemon;
- every run holds its work and marts folders with `flock` (`citizen_metrics.operations.runlock`),
which the
  kernel releases when the process dies: a second run on the same folders stops at once
  with a clear message, and never touches the first one's output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import psutil
from dagster._core.events import DagsterEventType
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

from citizen_metrics.build.warehouse import damage, set_aside
from citizen_metrics.ingest.pseudonymise import load_salt
from citizen_metrics.operations.alerts import DAMAGED_WAREHOUSE, Alert, send_alert
from citizen_metrics.operations.quiet import record_run_inputs
from citizen_metrics.operations.runlock import Holder, hold_folders
from citizen_metrics.publish.release import prepare_for_a_night
from citizen_metrics.settings import Settings

PID_TAG = "citizen_metrics/pid"
HOST_TAG = "citizen_metrics/host"
IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    pid: int


def _run_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    """The process that executes `run`: the tag the run wrote when it took its folders, or
    the process that reported the run's start."""
    if run.tags.get(PID_TAG, "").isdigit():
        return int(run.tags[PID_TAG])
    records = instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None else None


def process_is_gone(pid: int, run_started: float | None) -> bool:
    """Whether process `pid` no longer runs the run started at `run_started` (epoch
    seconds): no such process, a zombie left by a kill, or a newer process that reused the
    number."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        return run_started is not None and process.create_time() > run_started + 1
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False  # cannot tell (another user's process): leave it alone


def clean_dead_runs(instance: dg.DagsterInstance, *, except_run: str | None = None
                    ) -> list[DeadRun]:
    """Mark every in-progress run of this machine whose process is gone as failed, and free
    the pool slots it held. Runs of other machines (their host tag) are left alone."""
    host = socket.gethostname()
    cleaned: list[DeadRun] = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        if run.run_id == except_run or run.tags.get(HOST_TAG, host) != host:
            continue
        pid = _run_pid(instance, run)
        if pid is None or not process_is_gone(pid, record.start_time):
            continue
        instance.report_run_failed(
            run, message=f"The process of this run ({pid}) is gone: it was killed or crashed. "
                         "Marked failed so that the next runs are not blocked by it.")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        cleaned.append(DeadRun(run.run_id, pid))
    return cleaned


@contextlib.contextmanager
def hold_run(settings: Settings, context: dg.InitResourceContext) -> Iterator[Holder | None]:
    """For a run: clean the dead runs, then hold the run's folders until it ends, heal the
    warehouse, make room for the publication and take the fingerprint of tonight's inputs
    (`citizen_metrics.operations.quiet`) before anything is read. Outside a run (a sensor or
    a schedule using the resource), nothing."""
    run = context.dagster_run
    if run is None:
        yield None
        return
    instance = context.instance
    if instance is not None:
        for dead in clean_dead_runs(instance, except_run=run.run_id):
            context.log.warning(  # type: ignore[union-attr]
                f"Run {dead.run_id[:8]} had been stopped abruptly (its process {dead.pid} is "
                "gone); it is marked failed and its leftovers are cleaned by this run.")
    with hold_folders((settings.work_dir, settings.marts_dir), run_id=run.run_id,
                      wait_seconds=settings.run_lock_wait_seconds) as holder:
        if instance is not None:
            instance.add_run_tags(run.run_id, {PID_TAG: str(holder.pid),
                                               HOST_TAG: holder.host})
        _heal_warehouse(settings, context, run.run_id)
        prepare_for_a_night(settings.marts_dir)
        load_salt(settings)  # a first night's new salt is part of what it is made from
        record_run_inputs(settings, run.run_id)
        yield holder


def _heal_warehouse(settings: Settings, context: dg.InitResourceContext, run_id: str) -> None:
    """A warehouse DuckDB cannot open or whose blocks fail their checksums is set aside (kept
    for a post-mortem), the operator alerted, and the night rebuilds from the raw folder as
    a first night would: everything in it can be rebuilt from `data/raw/`."""
    path = settings.warehouse_database
    why = damage(path)
    if why is None:
        return
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = set_aside(path, now=now)
    said = (f"L'entrepôt de travail {path} était endommagé (DuckDB ne peut pas l'ouvrir, ou "
            "ses sommes de contrôle ne correspondent plus : une erreur de disque, un fichier "
            f"écrasé). Il a été mis de côté dans {kept} pour analyse, et cette nuit le "
            f"reconstruit depuis {settings.raw_dir}, comme une première nuit (plus longue). "
            "Si cela se reproduit, faites vérifier le disque.")
    context.log.warning(f"{said} Original error: {why}")  # type: ignore[union-attr]
    send_alert(settings.alerts, Alert(subject=DAMAGED_WAREHOUSE, details=said, run_id=run_id))


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def recover_dead_runs(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Every minute, mark runs whose process is gone as failed (a run killed in the night
    would otherwise hold the run queue and the warehouse pool forever)."""
    cleaned = clean_dead_runs(context.instance)
    if not cleaned:
        return dg.SkipReason("no run whose process is gone")
    return dg.SkipReason("marked failed: " + ", ".join(dead.run_id for dead in cleaned))
