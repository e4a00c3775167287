"""Materialize every asset in-process on one folder and print step timings as JSON.

Run by `benchmarks/benchmark.py` in a child process, so that its peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import dagster as dg

from assets.definitions import ASSETS, CHECKS
from assets.resources import PipelineResource


def main(root: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    pipeline = PipelineResource(
        raw_dir=str(root / "raw"), marts_dir=str(root / "marts"), work_dir=str(root / "work")
    )
    started = time.perf_counter()
    result = dg.materialize(
        [*ASSETS, *CHECKS], resources={"pipeline": pipeline}, instance=instance
    )
    wall = time.perf_counter() - started
    steps = {
        stat.step_key: round(stat.end_time - stat.start_time, 3)
        for stat in instance.get_run_step_stats(result.run_id)
        if stat.end_time and stat.start_time
    }
    print(json.dumps({
        "success": result.success,
        "wall_seconds": round(wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "steps": steps,
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
