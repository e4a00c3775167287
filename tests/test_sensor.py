"""The raw-folder sensor asks for one run per new or changed file, never twice."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.automation import new_raw_files
from assets.resources import PipelineResource


def evaluate(raw_dir: Path, cursor: str | None):
    # The resource is a context manager (it holds a run's folders): the context opens it.
    with dg.build_sensor_context(
        cursor=cursor, resources={"pipeline": PipelineResource(raw_dir=str(raw_dir))}
    ) as context:
        result = new_raw_files(context)
        return result, context.cursor


def test_new_and_changed_files_trigger_once(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("ignored")
    result, cursor = evaluate(tmp_path, None)
    assert isinstance(result, dg.SkipReason)

    export = tmp_path / "kobo.csv"
    export.write_text("a;b\n")
    os.utime(export, (1_700_000_000, 1_700_000_000))
    result, cursor = evaluate(tmp_path, cursor)
    assert isinstance(result, dg.RunRequest)
    assert "kobo.csv@" in result.run_key

    again, cursor = evaluate(tmp_path, cursor)
    assert isinstance(again, dg.SkipReason)

    os.utime(export, (1_700_000_100, 1_700_000_100))
    changed, cursor = evaluate(tmp_path, cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != result.run_key
