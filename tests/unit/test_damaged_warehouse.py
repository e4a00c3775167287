"""A warehouse DuckDB cannot trust (random bytes over it, a block overwritten in the middle)
is recognised before a night writes on top of it, and set aside for a post-mortem, keeping
the two most recent; a healthy one, or none, is left alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from citizen_metrics.build.warehouse import connect, damage, set_aside


def _warehouse(path: Path) -> Path:
    with connect(path) as con:
        con.execute("create table stg_rows as select range as row_id, md5(range::varchar) "
                    "as answer from range(300000)")
        con.execute("create table stg_files as select 'a.csv' as source_file")
    return path


def test_a_healthy_or_absent_warehouse_is_trusted(tmp_path: Path) -> None:
    assert damage(tmp_path / "none.duckdb") is None
    assert damage(_warehouse(tmp_path / "warehouse.duckdb")) is None


def test_random_bytes_over_the_warehouse_are_damage(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(np.random.default_rng(1).bytes(4_000_000))
    assert "not a valid DuckDB database file" in (damage(path) or "")


def test_a_block_overwritten_in_the_middle_is_damage(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "warehouse.duckdb")
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(np.random.default_rng(2).bytes(1_000_000))
    assert "checksum" in (damage(path) or "")


def test_a_damaged_warehouse_is_set_aside_and_the_two_latest_kept(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    for night in ("20261201T020000Z", "20261202T020000Z", "20261203T020000Z"):
        path.write_bytes(b"not a database")
        path.with_name(path.name + ".wal").write_bytes(b"log")
        kept = set_aside(path, now=night)
        assert kept.read_bytes() == b"not a database" and not path.exists()
    assert sorted(p.name for p in (tmp_path / "damaged").iterdir()) == [
        "warehouse-20261202T020000Z.duckdb", "warehouse-20261202T020000Z.duckdb.wal",
        "warehouse-20261203T020000Z.duckdb", "warehouse-20261203T020000Z.duckdb.wal"]
    with connect(path) as con:  # the night starts from an empty warehouse
        assert con.execute("select count(*) from duckdb_tables()").fetchone() == (0,)
