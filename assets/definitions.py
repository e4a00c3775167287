"""The one Definitions object: `dagster dev`, `dagster job execute`, the server's webserver and
daemon and the tests all load this module, as the code location `citizen_metrics`
(`workspace.yaml`, `[tool.dagster]` in pyproject.toml)."""

from __future__ import annotations

import dagster as dg

from assets.automation import (
    citizen_metrics_job,
    new_raw_files,
    nightly_schedule,
    purge_run_history_job,
    weekly_purge_schedule,
)
from assets.checks import CHECKS
from assets.labels import label_tables
from assets.marts import MART_ASSETS, citizen_metrics_database, manager_report, mart_exports
from assets.raw import raw_file_inventory, raw_survey_responses, raw_workshop_registers
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
]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[citizen_metrics_job, purge_run_history_job],
    schedules=[nightly_schedule, weekly_purge_schedule],
    sensors=[new_raw_files],
    resources={"pipeline": PipelineResource()},
    # One process for the whole run: ~60 ms per asset instead of ~2 s for a new process per
    # step, and the assets share nothing but the warehouse file anyway.
    executor=dg.in_process_executor,
)
