"""Nights nobody watches: a run killed at any stage, two runs at once, runs on the real
Dagster instance settings (`dagster.yaml`: one warehouse writer, one run at a time).

Runs are started as `make run` starts them (`citizen_metrics.operations.night.main`) in child
processes, and killed with SIGKILL at named points (`citizen_metrics.operations.failpoints`): during
ingestion, while the marts are built, while tonight's database is written, while the exports are
written. After each kill the previous publication must be byte for byte what it was, and the next
run must get further on its own (no pool slot, lock or half-written file of the dead run
may block it); the last one publishes.

The children are forked from a server process that imported the pipeline once
(`tests.support.Night`): each run then costs its work, not the seconds of importing Dagster
and the pipeline again. Every night here is forced (`PIPELINE_FORCE_REBUILD=1`): on the same
files, a night left alone would be quiet and keep the publication.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from citizen_metrics.publish.exports import PUBLISHED_TABLES
from citizen_metrics.settings import REPO_ROOT
from tests.support import E2E_FILES, FIXTURES, KILLED, Night, copy_raw_files, run_night


def published(marts: Path) -> dict[str, bytes]:
    """Every file readers can open in the marts folder, by the name they open it with."""
    files = [marts / "citizen_metrics.duckdb",
             *sorted(path for path in (marts / "exports").rglob("*") if path.is_file()),
             *sorted((marts / "report").iterdir())]
    return {str(path.relative_to(marts)): path.read_bytes() for path in files}


def exports_and_report(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items()
            if name.startswith(("exports/", "report/"))}


STAGES = [
    "staging:batch-written",  # ingestion: a file half written into staging
    "sql:mart_survey_options",  # the marts
    "publication:database",  # tonight's database half copied
    "exports:table",  # the exports half written
]


def test_a_killed_run_never_blocks_nor_damages_the_next_nights(
        e2e_run, tmp_path: Path) -> None:
    """The end-to-end fixture's publication is last night's; tonight's runs on the same
    files are killed at each stage in turn, then one succeeds on its own while a second run
    on the same folders is refused."""
    from citizen_metrics.defs.definitions import ASSETS, CHECKS
    from citizen_metrics.defs.resources import WarehouseResource

    e2e_root, _ = e2e_run
    root = tmp_path
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", root / "raw")  # the same files, same times
    shutil.copytree(e2e_root / "marts", root / "marts", symlinks=True)
    (root / "home").mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", root / "home" / "dagster.yaml")
    before = published(root / "marts")

    for stage in STAGES:
        code, out = run_night(root, stage, force=True)
        assert code == KILLED, (stage, out)
        # Readers see last night's set, every file whole, nothing of the dead run.
        assert published(root / "marts") == before, stage

    # The next run, on its own: the dead runs hold no pool slot nor lock that blocks it.
    # It is held while it builds the marts, and a second run on the same folders starts.
    release = root / "release-first-run"
    first = Night(root, f"sql:mart_survey_indicators=wait:{release}", force=True)
    deadline = time.monotonic() + 240
    while not release.with_name(release.name + ".reached").exists():
        assert time.monotonic() < deadline and first.running()
        time.sleep(0.1)
    second = dg.materialize(
        [*ASSETS, *CHECKS], raise_on_error=False,
        resources={"warehouse": WarehouseResource(raw_dir=str(root / "raw"),
                                                marts_dir=str(root / "marts"),
                                                work_dir=str(root / "work"))})
    release.touch()
    assert not second.success
    failure = next(event for event in second.all_events
                   if event.event_type_value == "RESOURCE_INIT_FAILURE")
    assert "travaille déjà sur" in str(failure.event_specific_data.error.message)
    assert published(root / "marts") == before  # the refused run touched nothing
    code, out = first.finish()
    assert code == 0, out
    assert "La nuit est publiée." in out and "Traceback" not in out
    assert "DEBUG" not in out and "Warning" not in out
    log = max((root / "work" / "logs").glob("run-*.log"))
    assert "RUN_SUCCESS" in log.read_text()  # Dagster's own lines go to the technical log

    # Same raw files as last night: the same bytes in every export and the report.
    after = published(root / "marts")
    assert exports_and_report(after) == exports_and_report(before)
    # And the same rows, in the same order, in every table of the database (a DuckDB file
    # itself is never byte-identical: its blocks carry their own headers).
    with duckdb.connect(str(e2e_root / "marts" / "citizen_metrics.duckdb"),
                        read_only=True) as last_night, \
            duckdb.connect(str(root / "marts" / "citizen_metrics.duckdb"),
                           read_only=True) as tonight:
        for table in PUBLISHED_TABLES:
            assert tonight.table(table).fetchall() == last_night.table(table).fetchall(), table
    manifest = json.loads((root / "marts" / "manifest.json").read_text())
    assert manifest["run_id"] and manifest["night"]["accepted_responses"] == 16
    # The killed runs are marked failed in Dagster; none is left STARTED.
    instance = dg.DagsterInstance.from_config(str(root / "home"))
    statuses = [run.status for run in instance.get_runs()]
    assert statuses.count(dg.DagsterRunStatus.FAILURE) == len(STAGES)
    assert statuses.count(dg.DagsterRunStatus.SUCCESS) == 1
    releases = sorted(p.name for p in (root / "marts" / "releases").iterdir())
    assert len(releases) == 2  # tonight's and the previous one


def test_publication_is_one_swap_even_when_killed_in_it(tmp_path: Path) -> None:
    """Killed right before or right after the swap of `current`: readers see one whole
    set, the old or the new, and the next publication cleans what was left."""
    from citizen_metrics.publish.release import MartsFolder

    folder = MartsFolder(tmp_path / "marts")

    def stage(night: str) -> None:
        staging = folder.start_staging()
        (staging / "citizen_metrics.duckdb").write_text(night)
        for part in ("exports", "report"):
            (staging / part).mkdir()
            (staging / part / "file.csv").write_text(f"{part} of {night}")

    def seen() -> set[str]:
        return {(folder.root / "citizen_metrics.duckdb").read_text(),
                *(path.read_text().rsplit(" ", 1)[-1] for part in ("exports", "report")
                  for path in (folder.root / part).iterdir())}

    code = _publish_in_child(folder, stage, "monday", None)
    assert code == 0 and seen() == {"monday"}
    for night, point, expected in (("tuesday", "publication:before-swap", "monday"),
                                   ("wednesday", "publication:after-swap", "wednesday")):
        assert _publish_in_child(folder, stage, night, point) == KILLED
        assert seen() == {expected}
    assert _publish_in_child(folder, stage, "thursday", None) == 0
    assert seen() == {"thursday"}
    # The release of the night killed before its swap is gone; thursday and wednesday stay.
    assert len(list(folder.releases.iterdir())) == 2


def _publish_in_child(folder, stage, night: str, point: str | None) -> int:
    """Stage `night` and publish it in a child process killed at `point` (SIGKILL)."""
    code = (
        "import sys; from pathlib import Path\n"
        "from citizen_metrics.publish.release import MartsFolder, publish_staged\n"
        f"publish_staged(MartsFolder(Path({str(folder.root)!r})), run_id={night!r}*4, "
        "night={}, tables={})\n"
    )
    stage(night)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    if point:
        env["PIPELINE_FAILPOINT"] = point
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT,
                          timeout=60).returncode
