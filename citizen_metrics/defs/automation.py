"""When the pipeline runs: one job over every asset, nightly, and when a file really is new
or changed; a night with nothing new since the last publication keeps it
(`citizen_metrics.operations.quiet`); and the weekly clean-up of old run history.

(No `from __future__ import annotations` here: Dagster reads the op's `context` annotation
at definition time.)"""

import datetime as dt
import hashlib

import dagster as dg

from citizen_metrics.defs.publication import PUBLICATION_ASSETS
from citizen_metrics.defs.resources import WarehouseResource
from citizen_metrics.ingest.arrivals import arrivals, decode_cursor, encode_cursor, published_files
from citizen_metrics.ingest.sources import raw_files
from citizen_metrics.operations.quiet import QuietNight, quiet_night
from citizen_metrics.publish.release import read_manifest
from citizen_metrics.settings import LOCAL_TIME_ZONE, force_rebuild
from citizen_metrics.tables import TABLES

# A run that failed because an asset or a check failed (a blocking check, the guard against
# a wrong night, a file that breaks a rule) is about the data: running it again gives the
# same failure, so it is never retried automatically. Runs whose worker died (the server
# restarted, the process was killed) are retried by the daemon (`run_retries` in the
# production dagster.yaml); the tag keeps that rule with the job whatever the instance says.
NO_RETRY_ON_DATA_FAILURE = {"dagster/retry_on_asset_or_op_failure": "false"}

citizen_metrics_job = dg.define_asset_job(
    name="citizen_metrics_job",
    selection=dg.AssetSelection.all(),
    description="Ingest the raw files new or changed since the last run, validate, build "
                "and publish all marts.",
    tags=NO_RETRY_ON_DATA_FAILURE,
)

# What readers see, each asset with its 26-hour freshness policy: the published tables,
# then the database, its exports, the report and their publication.
PUBLISHED_ASSET_KEYS = [
    *(dg.AssetKey(table.name) for table in TABLES.values() if table.published),
    *(key for asset in PUBLICATION_ASSETS for key in asset.keys),
]


def confirm_publication(instance: dg.DagsterInstance, quiet: QuietNight) -> None:
    """Record, on each published asset, that tonight found its figures still valid: a
    materialization reported without a run, carrying the data version and provenance of the
    asset's last real one (so nothing downstream looks stale) and saying in its metadata that
    nothing was recomputed. Dagster's freshness policies count materializations only (an
    observation would leave the figures "overdue" after a day of quiet nights)."""
    said = quiet.in_french()
    for key in PUBLISHED_ASSET_KEYS:
        last = instance.get_latest_materialization_event(key)
        before = last.asset_materialization if last is not None else None
        instance.report_runless_asset_event(dg.AssetMaterialization(
            asset_key=key,
            description=said,
            metadata={"nuit": "rien de neuf : rien n'a été recalculé",
                      "publication": quiet.release,
                      "publiée le": quiet.published_at.isoformat(timespec="seconds")},
            tags=dict(before.tags or {}) if before is not None else None,
        ))


@dg.schedule(
    name="nightly_citizen_metrics",
    job=citizen_metrics_job,
    cron_schedule="0 2 * * *",
    execution_timezone=LOCAL_TIME_ZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild the figures at 02:00 Morocco time, when nobody is reading reports; "
                "a night with nothing new since the last publication keeps it (skipped tick, "
                "figures confirmed).",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext,
                     warehouse: WarehouseResource) -> dg.RunRequest | dg.SkipReason:
    """Run the job, unless nothing is new since the last publication
    (`citizen_metrics.operations.quiet`): the tick is then skipped with the reason in
    French, and the published assets are confirmed fresh (`confirm_publication`)."""
    settings = warehouse.settings()
    quiet = None if force_rebuild() else quiet_night(settings,
                                                      read_manifest(settings.marts_dir))
    if quiet is None:
        return dg.RunRequest(tags={"trigger": "nightly_citizen_metrics"})
    confirm_publication(context.instance, quiet)
    return dg.SkipReason(quiet.in_french())


@dg.sensor(job=citizen_metrics_job, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_raw_files(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SkipReason | dg.RunRequest:
    """Request a run when a file of the raw folder is new or its content changed since the
    figures were last published, once per change (`citizen_metrics.ingest.arrivals`). Without a
    cursor (first start) it starts from the files behind the published marts: opening the UI
    starts no run for files already published."""
    settings = warehouse.settings()
    seen = decode_cursor(context.cursor)
    if seen is None:
        seen = published_files(settings.marts_database) or {}
    found = arrivals(raw_files(settings.raw_dir), seen)
    context.update_cursor(encode_cursor(found.seen))
    if not found.new_or_changed:
        waiting = f" ({len(found.settling)} still being copied)" if found.settling else ""
        return dg.SkipReason(f"no new or changed file in the raw folder{waiting}")
    quiet = quiet_night(settings, read_manifest(settings.marts_dir))
    if quiet is not None:  # a file put back as it was published: nothing to rebuild
        return dg.SkipReason(quiet.in_french())
    digest = hashlib.sha256("|".join(
        f"{name}@{found.seen[name].sha256}" for name in found.new_or_changed).encode())
    return dg.RunRequest(
        run_key=digest.hexdigest(),
        tags={"trigger": "new_raw_files",
              "files": ", ".join(found.new_or_changed)[:200]},
    )


# --- Run history retention --------------------------------------------------------------
# Dagster purges old schedule and sensor ticks itself (`retention` in dagster.yaml), but
# keeps every run and its event log forever. Runs older than this are deleted weekly with
# their compute logs; the published figures and files are not touched.
RUN_RETENTION_DAYS = 400


@dg.op(config_schema={
    "keep_days": dg.Field(int, default_value=RUN_RETENTION_DAYS,
                          description="runs created more than this many days ago go"),
    "batch": dg.Field(int, default_value=500, description="runs deleted per purge at most"),
})
def purge_old_runs(context: dg.OpExecutionContext) -> int:
    """Delete finished runs older than `keep_days` (and their compute logs)."""
    keep_days, batch = context.op_config["keep_days"], context.op_config["batch"]
    instance = context.instance
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=keep_days)
    records = instance.get_run_records(
        filters=dg.RunsFilter(created_before=cutoff, statuses=[
            dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
            dg.DagsterRunStatus.CANCELED]),
        limit=batch,
    )
    for record in records:
        run_id = record.dagster_run.run_id
        instance.compute_log_manager.delete_logs(prefix=[run_id])
        instance.delete_run(run_id)
    context.log.info(f"deleted {len(records)} runs created before {cutoff:%Y-%m-%d}")
    return len(records)


@dg.job(description="Delete run history older than the retention (400 days by default).")
def purge_run_history_job() -> None:
    purge_old_runs()


weekly_purge_schedule = dg.ScheduleDefinition(
    name="weekly_run_history_purge",
    job=purge_run_history_job,
    cron_schedule="30 3 * * 0",
    execution_timezone=LOCAL_TIME_ZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sundays 03:30 Morocco time: run history older than 400 days is deleted.",
)
