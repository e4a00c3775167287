"""Materialize every asset in-process on one folder and print step timings as JSON.

Run by `benchmarks/benchmark.py` in a child process, so that its peak memory is its own.
`--skip-audit` leaves out the disclosure audit (for runs with
`PIPELINE_DISCLOSURE_CONTROL=primary_only`, whose output the audit would rightly refuse).
The folder's warehouse (`work/`) is kept between calls: a second call is an incremental
night on the same staging.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import dagster as dg

from citizen_metrics.defs.asset_checks import disclosure_audit
from citizen_metrics.defs.definitions import ASSETS, CHECKS
from citizen_metrics.defs.resources import WarehouseResource

STAGING_STEPS = ("stage_survey_exports", "stage_workshop_registers")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--skip-audit", action="store_true")
    args = parser.parse_args()
    root: Path = args.root
    instance = dg.DagsterInstance.ephemeral()
    warehouse = WarehouseResource(
        raw_dir=str(root / "raw"), marts_dir=str(root / "marts"), work_dir=str(root / "work")
    )
    checks = [check for check in CHECKS if not (args.skip_audit and check is disclosure_audit)]
    started = time.perf_counter()
    result = dg.materialize([*ASSETS, *checks], resources={"warehouse": warehouse},
                            instance=instance)
    wall = time.perf_counter() - started
    steps = {
        stat.step_key: round(stat.end_time - stat.start_time, 3)
        for stat in instance.get_run_step_stats(result.run_id)
        if stat.end_time and stat.start_time
    }
    staging = {}
    for step in STAGING_STEPS:
        metadata = result.asset_materializations_for_node(step)[0].metadata
        staging[step] = {key: metadata[key].value for key in
                         ("files_new_or_changed", "files_unchanged", "files_removed",
                          "rows_read_now")}
    print(json.dumps({
        "success": result.success,
        "wall_seconds": round(wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_children_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "steps": steps,
        "staging": staging,
    }))


if __name__ == "__main__":
    main()
