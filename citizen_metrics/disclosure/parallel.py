"""Run independent pieces of disclosure work (families) side by side.

The work is mostly linear programming, and HiGHS releases Python's lock while it solves:
threads of one process run the solves in parallel, with nothing to start, copy or import.
(Worker processes were tried: each imported the run's main module again, Dagster and every
asset, and received its family pickled; at a million responses the disclosure steps took
three times as long as in threads.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

WORKERS_VARIABLE = "PIPELINE_DISCLOSURE_WORKERS"

Task = TypeVar("Task")
Result = TypeVar("Result")


def workers() -> int:
    """`PIPELINE_DISCLOSURE_WORKERS`, else the machine's cores (at most 2: the run's other
    steps and readers of the marts need the machine too)."""
    configured = os.environ.get(WORKERS_VARIABLE, "").strip()
    if configured:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def run_in_parallel(function: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
    """`function` over `tasks`, in order, on `workers()` threads."""
    count = min(workers(), len(tasks))
    if count <= 1:
        return [function(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="disclosure") as pool:
        return list(pool.map(function, tasks))
