"""The tables of the end-to-end runs' warehouses are the declared ones: the staging shapes,
and every table's contract (pandera schemas derived from the declarations). (The
declarations alone: unit/test_tables.py.)"""

from __future__ import annotations

import duckdb
import pytest

from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import REPO_ROOT
from citizen_metrics.tables import STAGING_TABLES, TABLES, published_tables
from citizen_metrics.tables.contracts import table_schema
from tests.support import run_lists

FORM = load_form(REPO_ROOT / "data" / "reference" / "forms" / "citizen_survey.xlsx")


def test_staging_tables_in_the_warehouse_are_the_declared_ones(e2e_run) -> None:
    root, _ = e2e_run
    con = duckdb.connect(str(root / "work" / "warehouse.duckdb"), read_only=True)
    try:
        for table in STAGING_TABLES:
            found = [(name, kind.lower()) for name, kind, *_ in
                     con.execute(f"describe {table.name}").fetchall()]
            declared = [(f.name, f.duckdb_type) for f in table.all_fields(FORM)]
            assert found == declared, table.name
    finally:
        con.close()


@pytest.mark.parametrize("run", ["e2e_run", "e2e_run_threshold_4"])
def test_every_table_keeps_its_contract(run, request) -> None:
    """Columns, types, empty values, allowed values and keys of every table of the runs are
    the declared ones (pandera schemas derived from the declarations)."""
    root = request.getfixturevalue(run)
    root = root[0] if isinstance(root, tuple) else root
    lists = run_lists()
    con = duckdb.connect(str(root / "work" / "warehouse.duckdb"), read_only=True)
    try:
        present = {name for (name,) in con.execute(
            "select table_name from information_schema.tables").fetchall()}
        # Every table of the warehouse is declared, and every declared table is built.
        assert present == set(TABLES)
        assert set(published_tables()) <= present
        for table in TABLES.values():
            table_schema(table, lists).validate(con.table(table.name).pl(), lazy=True)
    finally:
        con.close()
