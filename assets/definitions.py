"""The one Definitions object: `dagster dev`, `dagster asset materialize` and the tests all
load this module (see `[tool.dagster]` in pyproject.toml)."""

from __future__ import annotations

import dagster as dg

from assets.alerting import alert_on_failed_run
from assets.automation import citizen_metrics_job, new_raw_files, nightly_schedule
from assets.checks import CHECKS as QUALITY_CHECKS
from assets.labels import label_tables
from assets.marts import MART_ASSETS, citizen_metrics_database, manager_report, mart_exports
from assets.publication import night_is_complete, published_marts
from assets.raw import raw_file_inventory, raw_survey_responses, raw_workshop_registers
from assets.recovery import recover_dead_runs
from assets.reference import reference_geography, reference_labels, survey_form
from assets.resources import PipelineResource
from assets.validated import validated_attendances, validated_survey_responses

ASSETS = [
    reference_geography,
    survey_form,
    reference_labels,
    raw_file_inventory,
    raw_survey_responses,
    raw_workshop_registers,
    validated_survey_responses,
    validated_attendances,
    *MART_ASSETS,
    label_tables,
    citizen_metrics_database,
    mart_exports,
    manager_report,
    published_marts,
]
CHECKS = [*QUALITY_CHECKS, night_is_complete]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[citizen_metrics_job],
    schedules=[nightly_schedule],
    sensors=[new_raw_files, recover_dead_runs, alert_on_failed_run],
    resources={"pipeline": PipelineResource()},
    # One process for the whole run: ~60 ms per asset instead of ~2 s for a new process per
    # step, and the assets share nothing but the warehouse file anyway.
    executor=dg.in_process_executor,
)
