"""What the national-scale benchmark relies on: the synthetic national reference, and
disclosure control limited to primary suppression (never in production). (Primary only on
the end-to-end run's warehouse: integration/test_scaling_primary_only_run.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.national import MARK, write_national_reference
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


def test_the_disclosure_benchmark_counts_the_headline_figures_withheld() -> None:
    # A hand-written indicators mart and gaps table. Counted (n_rated >= 10, a total or a
    # single dimension other than the commune type, not an `unknown` group): the region's
    # total (published) and women (withheld), the province's weighted men (withheld) and
    # its total (published). Not counted: the region's `unknown` (withheld, 25 rated), its
    # men (9 rated), a pair, the commune type. Gaps: the region's two with both groups >= 10
    # (one withheld); one with 9 in a group is not counted.
    import duckdb

    from benchmarks.disclosure_night import headline_losses

    con = duckdb.connect()
    con.execute("""
        create table mart_survey_indicators as select * from (values
            ('region', 'unweighted', 'total', 'all', 40, false),
            ('region', 'unweighted', 'sex', 'female', 21, true),
            ('region', 'unweighted', 'sex', 'male', 9, true),
            ('region', 'unweighted', 'disability', 'unknown', 25, true),
            ('region', 'unweighted', 'sex,residence', 'female,rural', 12, true),
            ('region', 'unweighted', 'commune_type', 'rural', 30, true),
            ('province', 'weighted', 'sex', 'male', 15, true),
            ('province', 'weighted', 'total', 'all', 30, false)
        ) t(geography_level, estimate_type, breakdown, group_key, n_rated, suppressed)
    """)
    con.execute("""
        create table mart_equity_gaps as select * from (values
            ('region', 10, 12, true), ('region', 30, 40, false), ('region', 9, 40, true)
        ) t(geography_level, n_a, n_b, suppressed)
    """)
    assert headline_losses(con, 10) == {
        "region unweighted": [1, 2], "province weighted": [1, 2], "region gaps": [1, 2]}
