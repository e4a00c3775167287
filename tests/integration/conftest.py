"""The end-to-end runs on the committed fixture (tests/fixtures/e2e), materialized once per
session, and connections to what they published."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from tests.support import E2E_FILES, FIXTURES, MART_SQL, copy_raw_files, materialize_all


@pytest.fixture(scope="session")
def e2e_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.ExecuteInProcessResult]:
    root = tmp_path_factory.mktemp("e2e")
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", root / "raw")
    return root, materialize_all(root)


@pytest.fixture(scope="session")
def marts(e2e_run):
    """A read-only connection to the published marts of the end-to-end run."""
    import duckdb

    root, _ = e2e_run
    con = duckdb.connect(str(root / "marts" / "citizen_metrics.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def engine(e2e_run, tmp_path_factory: pytest.TempPathFactory):
    """The end-to-end run's figures as the engine computes them, before disclosure control
    withholds some and rounds the rest: the marts' SQL run again, on a copy of the run's
    private warehouse, with a threshold of 1 and without the suppression pattern. The
    engine's arithmetic is checked by hand here; what is published, against `marts`."""
    import dataclasses

    import duckdb

    from citizen_metrics.build.runner import SqlContext, create_statement, render
    from citizen_metrics.settings import Settings

    root, _ = e2e_run
    warehouse = tmp_path_factory.mktemp("engine") / "warehouse.duckdb"
    for suffix in ("", ".wal"):  # with its write-ahead log, if not yet checkpointed
        source = root / "work" / f"warehouse.duckdb{suffix}"
        if source.exists():
            shutil.copyfile(source, warehouse.with_name(warehouse.name + suffix))
    settings = dataclasses.replace(Settings.from_env(), suppression_threshold=1)
    variables = SqlContext.build(settings).variables()
    con = duckdb.connect(str(warehouse))
    con.execute(render("duckdb_macros", variables))
    for name in MART_SQL:
        con.execute(create_statement(name, variables))
    yield con
    con.close()


@pytest.fixture(scope="session")
def e2e_run_threshold_4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same fixture published with a suppression threshold of 4 instead of 10: more
    figures are published, some still withheld."""
    root = tmp_path_factory.mktemp("threshold4")
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", root / "raw")
    materialize_all(root, suppression_threshold=4)
    return root


@pytest.fixture(scope="session")
def marts_threshold_4(e2e_run_threshold_4: Path):
    """A read-only connection to the marts published with a threshold of 4."""
    import duckdb

    con = duckdb.connect(str(e2e_run_threshold_4 / "marts" / "citizen_metrics.duckdb"),
                         read_only=True)
    yield con
    con.close()
