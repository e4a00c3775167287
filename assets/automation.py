"""When the pipeline runs: one job over every asset, nightly, and on new files."""

from __future__ import annotations

import json

import dagster as dg

from assets.resources import PipelineResource
from pipeline.sources import raw_files

citizen_metrics_job = dg.define_asset_job(
    name="citizen_metrics_job",
    selection=dg.AssetSelection.all(),
    description="Ingest every raw file, validate, build and publish all marts.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_citizen_metrics",
    job=citizen_metrics_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Africa/Casablanca",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild everything at 02:00 Morocco time, when nobody is reading reports.",
)


def raw_folder_state(pipeline: PipelineResource) -> dict[str, int]:
    """File name -> modification time (ns) of every file in the raw folder."""
    return {raw.name: raw.modified_ns for raw in raw_files(pipeline.settings().raw_dir)}


@dg.sensor(job=citizen_metrics_job, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_raw_files(
    context: dg.SensorEvaluationContext, pipeline: PipelineResource
) -> dg.SkipReason | dg.RunRequest:
    """Request a run when a file is added to or changed in the raw folder, once per change
    (the cursor remembers every file's name and modification time)."""
    seen: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    current = raw_folder_state(pipeline)
    changed = sorted(name for name, mtime in current.items() if seen.get(name) != mtime)
    if not changed:
        return dg.SkipReason("no new or changed file in the raw folder")
    context.update_cursor(json.dumps(current, sort_keys=True))
    run_key = "|".join(f"{name}@{current[name]}" for name in changed)
    return dg.RunRequest(
        run_key=run_key,
        tags={"trigger": "new_raw_files", "files": ", ".join(changed)[:200]},
    )
