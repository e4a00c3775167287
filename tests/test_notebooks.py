"""Notebooks are jupytext scripts: each runs top to bottom on the end-to-end marts."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs(notebook: Path, e2e_run, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = e2e_run
    monkeypatch.setenv("PIPELINE_MARTS_DIR", str(root / "marts"))
    namespace = runpy.run_path(str(notebook))
    assert "con" in namespace
