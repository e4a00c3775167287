"""Disclosure control limited to primary suppression (the national-scale benchmark's mode),
on the end-to-end run's warehouse: the same primary figures withheld as in full, and none
to protect them. (The benchmark's other needs: unit/test_scaling.py.)"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb

from citizen_metrics.build.runner import SqlContext, run_sql
from citizen_metrics.settings import PRIMARY_ONLY_DISCLOSURE, Settings


def _reasons(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("select coalesce(suppression, 'published'), count(*) "
                            "from mart_survey_indicators group by all").fetchall())


def test_primary_only_withholds_the_small_figures_and_no_complementary(
        e2e_run, tmp_path: Path) -> None:
    """The indicators rebuilt from the end-to-end run's warehouse both ways: primary only
    withholds the same primary figures as in full, and nothing to protect them."""
    root, _ = e2e_run
    counted = {}
    for mode in ("full", PRIMARY_ONLY_DISCLOSURE):
        warehouse = tmp_path / f"{mode}.duckdb"
        for suffix in ("", ".wal"):
            source = root / "work" / f"warehouse.duckdb{suffix}"
            if source.exists():
                shutil.copyfile(source, warehouse.with_name(warehouse.name + suffix))
        settings = dataclasses.replace(Settings.from_env(), disclosure_control=mode)
        with duckdb.connect(str(warehouse)) as con:
            run_sql(con, "mart_survey_indicators", SqlContext.build(settings))
            counted[mode] = _reasons(con)
    full, primary_only = counted["full"], counted[PRIMARY_ONLY_DISCLOSURE]
    assert full.get("complementary", 0) > 0 and "complementary" not in primary_only
    assert primary_only["primary"] == full["primary"] > 0
    assert sum(primary_only.values()) == sum(full.values())
    assert primary_only["published"] > full["published"]
