"""Each mart is named in its declaration (`citizen_metrics.tables.marts`) and its SQL file
only: every other module refers to the declaration, so that adding or renaming a mart is one
declaration and one SQL file, and the workbook takes its sheets from the declarations."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import citizen_metrics
from citizen_metrics.build.runner import SQL_DIR
from citizen_metrics.disclosure.figures import PROTECTED_TABLES
from citizen_metrics.tables import PUBLISHED
from citizen_metrics.tables.marts import MART_TABLES

PACKAGE = Path(citizen_metrics.__file__).parent


def hard_coded_names(root: Path, names: list[str]) -> list[str]:
    """Places where a string literal of a module under `root` (docstrings aside; the
    declarations in `tables/` aside) spells one of `names`."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] == "tables":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings):
                found += [f"{path.relative_to(root)}:{node.lineno}: {match.group(1)}"
                          for match in pattern.finditer(node.value)]
    return found


def test_no_mart_name_is_written_outside_its_declaration_and_sql() -> None:
    assert hard_coded_names(PACKAGE, [table.name for table in MART_TABLES]) == []


def test_the_scan_finds_a_name_in_a_query_and_not_in_a_docstring(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "declared.py").write_text('NAME = "mart_targets"\n')
    (tmp_path / "reader.py").write_text(
        '"""Reads `mart_targets`."""\n\n'
        'def read(con):\n'
        '    """From mart_targets."""\n'
        '    return con.sql(f"select * from mart_targets where x = {1}")\n')
    assert hard_coded_names(tmp_path, ["mart_targets"]) == ["reader.py:5: mart_targets"]


def test_every_mart_is_one_sql_file() -> None:
    for table in MART_TABLES:
        assert (SQL_DIR / "marts" / f"{table.name}.sql").is_file(), table.name


def test_sheets_are_declared_once_and_fit_excel() -> None:
    sheets = [sheet for table in PUBLISHED for sheet in (table.sheet, table.pairs_sheet)
              if sheet]
    assert len(sheets) == len(set(sheets))
    assert all(len(sheet) <= 31 for sheet in sheets)  # Excel's limit on a sheet's name
    assert {table.name for table in MART_TABLES} <= {
        table.name for table in PUBLISHED if table.sheet}


def test_protected_tables_are_published_marts() -> None:
    assert set(PROTECTED_TABLES) <= set(MART_TABLES)
