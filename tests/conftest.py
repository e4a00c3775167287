"""Shared fixtures: a salt for pseudonymisation and the end-to-end run on committed files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
E2E_FILES = [  # in the order they "arrived" (modification times), oldest first
    "kobo_export_2022-03.csv",
    "registre_EXP01_2022-03.xlsx",
    "kobo_export_2022-04.csv",
    "kobo_labels_fr.csv",
    "registre_EXP01_2022-04.xlsx",
    "empty.csv",
    "header_only.csv",
]


@pytest.fixture(autouse=True, scope="session")
def _test_salt() -> None:
    """Tests never read or write the developer's salt file."""
    os.environ["PIPELINE_SALT"] = "test-salt-not-secret"


def copy_raw_files(names: list[str], source: Path, raw_dir: Path, first: int = 0) -> None:
    """Copy fixture files with increasing modification times (the arrival order), the
    first one `first` minutes after 2022-05-01."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names, start=first):
        target = raw_dir / name
        shutil.copyfile(source / name, target)
        stamp = 1_651_363_200 + 60 * index  # 2022-05-01, one minute apart
        os.utime(target, (stamp, stamp))


def materialize_all(root: Path, raise_on_error: bool = True,
                    **overrides: object) -> dg.ExecuteInProcessResult:
    """Materialize every asset and check of the project in-process on `root/raw` (into
    `root/marts`, `root/work`)."""
    from citizen_metrics.defs.definitions import ASSETS, CHECKS
    from citizen_metrics.defs.resources import WarehouseResource

    resource = WarehouseResource(
        raw_dir=str(root / "raw"),
        marts_dir=str(root / "marts"),
        work_dir=str(root / "work"),
        **overrides,
    )
    return dg.materialize(
        [*ASSETS, *CHECKS], resources={"warehouse": resource}, raise_on_error=raise_on_error
    )


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


# The marts built from the warehouse, in order (the gaps read the indicators, the targets
# the participation), after the sums they are computed from.
MART_SQL = ("int_survey_rollup", "mart_survey_indicators", "mart_survey_options",
            "mart_participation", "mart_equity_gaps", "mart_targets")


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


def ingest(raw_dir: Path):
    """Read, stage, resolve and summarise `raw_dir` without Dagster (fast; for many runs).

    The same steps the assets run, in the order what they read requires, on an in-memory
    warehouse; returns the connection with `quality_file_summary` and `quality_quarantine`.
    """
    import duckdb

    from citizen_metrics.build.runner import SqlContext
    from citizen_metrics.build.steps import build_upstream
    from citizen_metrics.settings import Settings

    context = SqlContext.build(Settings.from_env(raw_dir=raw_dir))
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    build_upstream(con, context, ["quality_file_summary", "quality_quarantine"])
    return con


def build(con, *names: str):
    """Build the tables `names` (intermediate tables, marts) on a warehouse `ingest` filled,
    with what they need that is not there yet, as the assets do."""
    from citizen_metrics.build.runner import SqlContext
    from citizen_metrics.build.steps import build_upstream
    from citizen_metrics.settings import Settings

    context = SqlContext.build(Settings.from_env())
    present = [name for (name,) in con.execute(
        "select table_name from information_schema.tables").fetchall()]
    build_upstream(con, context, names, present=present)
    return con
