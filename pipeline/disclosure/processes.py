"""Run independent pieces of disclosure work (families) in parallel processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

WORKERS_VARIABLE = "PIPELINE_DISCLOSURE_WORKERS"
# Below this many cells in all, starting worker processes costs more than it saves.
PARALLEL_FROM_CELLS = 20_000

Task = TypeVar("Task")
Result = TypeVar("Result")


def workers() -> int:
    """`PIPELINE_DISCLOSURE_WORKERS`, else the machine's cores (at most 2: the run's other
    steps and readers of the marts need the machine too)."""
    configured = os.environ.get(WORKERS_VARIABLE, "").strip()
    if configured:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def run_in_processes(function: Callable[[Task], Result], tasks: Sequence[Task], *,
                     size: int) -> list[Result]:
    """`function` over `tasks`, in order; in worker processes when there are several tasks
    and enough work (`size`, in cells) to repay starting them."""
    count = workers()
    if count == 1 or len(tasks) < 2 or size < PARALLEL_FROM_CELLS:
        return [function(task) for task in tasks]
    # `spawn`: the parent holds a DuckDB connection and Dagster's threads; a forked child
    # would inherit them half-copied.
    with ProcessPoolExecutor(max_workers=count, mp_context=get_context("spawn")) as pool:
        return list(pool.map(function, tasks, chunksize=1))
