"""The one resource every asset uses (`warehouse`): the run's settings and short warehouse
connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from citizen_metrics.build.warehouse import connect
from citizen_metrics.defs.recovery import hold_run
from citizen_metrics.settings import Settings

# Every asset that writes the warehouse runs in this pool; dagster.yaml limits it to one at a
# time, because DuckDB lets one process write a database file at a time.
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """Paths and rules of the run. Empty fields fall back to the environment variables of
    `citizen_metrics.settings` (PIPELINE_RAW_DIR, PIPELINE_MARTS_DIR…), so tests and one-off runs
    can point the same definitions at another folder.

    `rebaseline` accepts, for one run, a night smaller than the last publication (set it in
    the launchpad's run config, or `PIPELINE_REBASELINE=1`; see `citizen_metrics.operations.guard`).

    A run holds its work and marts folders from its start to its end
    (`citizen_metrics.defs.recovery`): a second run on the same folders stops at once, and runs
    killed earlier are cleaned.
    """

    raw_dir: str | None = None
    marts_dir: str | None = None
    work_dir: str | None = None
    reference_dir: str | None = None
    suppression_threshold: int | None = None
    rebaseline: bool | None = None

    def settings(self) -> Settings:
        def path(value: str | None) -> Path | None:
            return Path(value) if value else None

        return Settings.from_env(
            raw_dir=path(self.raw_dir),
            marts_dir=path(self.marts_dir),
            work_dir=path(self.work_dir),
            reference_dir=path(self.reference_dir),
            suppression_threshold=self.suppression_threshold,
            rebaseline=self.rebaseline,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        with hold_run(self.settings(), context):
            yield self

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection to the warehouse (one writer at a time: `WAREHOUSE_POOL`)."""
        settings = self.settings()
        with connect(settings.warehouse_database,
                     memory_limit=settings.duckdb_memory_limit) as con:
            yield con
