"""What the national-scale benchmark relies on: the synthetic national reference, and
disclosure control limited to primary suppression (never in production)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest

from benchmarks.national import MARK, write_national_reference
from citizen_metrics.build.runner import SqlContext, run_sql
from citizen_metrics.ingest.reference_lists import Reference
from citizen_metrics.settings import PRIMARY_ONLY_DISCLOSURE, Settings


def test_the_national_reference_is_synthetic_and_loads(tmp_path: Path) -> None:
    folder = write_national_reference(tmp_path / "reference")
    settings = Settings.from_env(reference_dir=folder)
    reference = Reference.load(settings)
    communes = reference.communes["commune_code"].to_list()
    assert len(communes) == len(set(communes)) == 1503
    assert reference.provinces.height == 75
    assert reference.cohort.height == 1503
    assert MARK in (folder / "SYNTHETIC.txt").read_text(encoding="utf-8")
    # The region's own communes are kept as they are, the invented ones say so.
    real = Reference.load(Settings.from_env())
    assert set(real.communes["commune_code"].to_list()) <= set(communes)
    invented = reference.communes.filter(
        ~reference.communes["commune_code"].is_in(real.communes["commune_code"].to_list()))
    assert invented["name_fr"].str.starts_with("Commune synthétique").all()


def test_primary_only_is_refused_in_production(monkeypatch) -> None:
    monkeypatch.setenv("PIPELINE_DISCLOSURE_CONTROL", "none")
    with pytest.raises(ValueError, match="must be full or primary_only"):
        Settings.from_env()
    monkeypatch.setenv("PIPELINE_DISCLOSURE_CONTROL", PRIMARY_ONLY_DISCLOSURE)
    assert Settings.from_env().disclosure_control == PRIMARY_ONLY_DISCLOSURE
    monkeypatch.setenv("PIPELINE_ENV", "production")
    with pytest.raises(ValueError, match="production always publishes"):
        Settings.from_env()


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
