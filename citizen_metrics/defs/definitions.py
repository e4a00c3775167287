"""The one Definitions object: `dagster dev`, `dagster job execute`, the server's webserver and
daemon and the tests all load this module, as the code location `citizen_metrics`
(`workspace.yaml`, `[tool.dagster]` in pyproject.toml)."""

from __future__ import annotations

import dagster as dg

from citizen_metrics.defs.alerting import alert_on_failed_run
from citizen_metrics.defs.asset_checks import CHECKS as QUALITY_CHECKS
from citizen_metrics.defs.automation import (
    citizen_metrics_job,
    new_raw_files,
    nightly_schedule,
    purge_run_history_job,
    weekly_purge_schedule,
)
from citizen_metrics.defs.publication import PUBLICATION_ASSETS, PUBLICATION_CHECKS
from citizen_metrics.defs.recovery import recover_dead_runs
from citizen_metrics.defs.resources import WarehouseResource
from citizen_metrics.defs.table_assets import TABLE_ASSETS

# One asset per warehouse table (reference, staging, intermediate, marts, labels, quality),
# then publication: the marts database, its exports and the managers' report, built beside
# what readers see, and their publication together.
ASSETS = [*TABLE_ASSETS, *PUBLICATION_ASSETS]
CHECKS = [*QUALITY_CHECKS, *PUBLICATION_CHECKS]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[citizen_metrics_job, purge_run_history_job],
    schedules=[nightly_schedule, weekly_purge_schedule],
    sensors=[new_raw_files, recover_dead_runs, alert_on_failed_run],
    resources={"warehouse": WarehouseResource()},
    # One process for the whole run: ~60 ms per asset instead of ~2 s for a new process per
    # step, and the assets share nothing but the warehouse file anyway.
    executor=dg.in_process_executor,
)
