"""A damaged warehouse heals itself: a night finding random bytes where the warehouse was
sets the file aside, says so in an alert, rebuilds everything from the raw folder and
publishes what a clean night publishes. (Recognising damage: unit/test_damaged_warehouse.py.)"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from citizen_metrics.tables.marts import MART_TABLES
from tests.support import E2E_FILES, FIXTURES, copy_raw_files, materialize_all


def test_a_night_on_a_damaged_warehouse_rebuilds_and_publishes_the_clean_figures(
        tmp_path: Path, e2e_run, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_root, _ = e2e_run
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", tmp_path / "raw")
    warehouse = tmp_path / "work" / "warehouse.duckdb"
    warehouse.parent.mkdir(mode=0o700)
    warehouse.write_bytes(np.random.default_rng(7).bytes(2_000_000))
    monkeypatch.setenv("PIPELINE_ALERT_LOG", str(tmp_path / "alerts.log"))
    result = materialize_all(tmp_path)
    assert result.success
    (kept,) = (tmp_path / "work" / "damaged").glob("warehouse-*.duckdb")
    assert kept.stat().st_size == 2_000_000
    assert "endommagé" in (tmp_path / "alerts.log").read_text(encoding="utf-8")
    with duckdb.connect(str(clean_root / "marts" / "citizen_metrics.duckdb"),
                        read_only=True) as clean, duckdb.connect(
            str(tmp_path / "marts" / "citizen_metrics.duckdb"), read_only=True) as healed:
        for table in MART_TABLES:
            query = f"select * from {table.name} order by all"
            assert healed.execute(query).fetchall() == clean.execute(query).fetchall(), table
