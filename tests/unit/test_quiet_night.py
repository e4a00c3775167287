"""A quiet night: nothing new since the last publication keeps it. Each kind of change (a
raw file changed, added or removed, a reference file, a threshold, the code, the salt) makes
the night rebuild; a copy with the same bytes, a new modification time, a path or an alert
setting does not. All on small temporary folders, without running a night (the demo measured
twice in a row: docs/operating.md; nights in child processes: integration/)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest

from citizen_metrics.operations import quiet
from citizen_metrics.operations.quiet import (
    NightInputs,
    QuietNight,
    folder_digest,
    quiet_night,
    record_run_inputs,
    recorded_run_inputs,
    salt_identity,
)
from citizen_metrics.publish.release import MartsFolder, publish_staged, read_manifest
from citizen_metrics.settings import REPO_ROOT, Settings
from tests.support import E2E_FILES, FIXTURES, OLD, copy_raw_files

PUBLISHED_AT = dt.datetime(2026, 12, 7, 12, 18, 46, tzinfo=dt.UTC)  # 13:18 in Morocco


def _settings(root: Path, **changes: object) -> Settings:
    settings = Settings.from_env(raw_dir=root / "raw", marts_dir=root / "marts",
                                 work_dir=root / "work")
    return dataclasses.replace(settings, **changes)


def _publish(settings: Settings, inputs: NightInputs | None) -> None:
    """A small publication (a database, one export, the report) with `inputs` in its
    manifest, published the way a night publishes."""
    folder = MartsFolder(settings.marts_dir)
    staging = folder.start_staging()
    (staging / "citizen_metrics.duckdb").write_bytes(b"figures")
    for part, name in (("exports", "mart_targets.csv"), ("report", "rapport.html")):
        (staging / part).mkdir()
        (staging / part / name).write_text(f"{part} of the night")
    publish_staged(folder, run_id=uuid.uuid4().hex, night={}, tables={}, now=PUBLISHED_AT,
                   inputs=inputs.as_dict() if inputs else None)


@pytest.fixture
def published(tmp_path: Path) -> Settings:
    """The e2e fixture's raw files, published with the fingerprint of its inputs."""
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", tmp_path / "raw")
    settings = _settings(tmp_path)
    _publish(settings, NightInputs.of(settings))
    return settings


def _quiet(settings: Settings) -> QuietNight | None:
    return quiet_night(settings, read_manifest(settings.marts_dir))


def test_nothing_new_is_quiet_and_said_in_one_french_line(published: Settings) -> None:
    found = _quiet(published)
    assert found is not None
    assert found.in_french() == ("Rien de neuf depuis la publication du 07/12/2026 à 13:18 : "
                                 "les chiffres publiés restent valables.")
    manifest = read_manifest(published.marts_dir)
    assert manifest is not None and set(manifest["inputs"]) == {  # type: ignore[arg-type]
        "raw", "code", "reference", "settings"}


def test_same_bytes_a_new_time_or_other_paths_and_alerts_stay_quiet(
        published: Settings, tmp_path: Path) -> None:
    raw = published.raw_dir / E2E_FILES[0]
    os.utime(raw, (OLD, OLD))  # touched: a time alone is nothing new
    shutil.copyfile(raw, tmp_path / "copy")
    shutil.copyfile(tmp_path / "copy", raw)  # copied again with the same bytes
    assert _quiet(published) is not None
    moved = dataclasses.replace(
        published, work_dir=tmp_path / "elsewhere", max_drop=0.5, run_lock_wait_seconds=3,
        alerts=dataclasses.replace(published.alerts, mail_to=("someone@example.org",)))
    assert _quiet(moved) is not None


@pytest.mark.parametrize("change", ["changed", "new", "removed", "emptied"])
def test_a_raw_file_changed_added_or_removed_rebuilds(published: Settings, change: str) -> None:
    raw = published.raw_dir / "kobo_export_2022-04.csv"
    if change == "changed":  # one byte, same size, same time
        data = bytearray(raw.read_bytes())
        data[-3] ^= 1
        stamp = raw.stat()
        raw.write_bytes(bytes(data))
        os.utime(raw, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    elif change == "new":
        (published.raw_dir / "sub").mkdir()
        shutil.copyfile(raw, published.raw_dir / "sub" / "again.csv")
    elif change == "removed":
        raw.unlink()
    else:
        raw.write_bytes(b"")
    assert _quiet(published) is None
    before = NightInputs.from_dict(read_manifest(published.marts_dir)["inputs"])  # type: ignore[index]
    assert before is not None
    assert NightInputs.of(published).changed_since(before) == [
        "des fichiers du dossier des fichiers bruts"]


def test_a_renamed_raw_file_rebuilds(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x")
    first = folder_digest(tmp_path)
    (tmp_path / "a.csv").rename(tmp_path / "b.csv")
    assert folder_digest(tmp_path) != first


def test_a_named_pipe_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    assert folder_digest(tmp_path) == folder_digest(tmp_path)  # returns: nothing blocked
    assert folder_digest(tmp_path / "missing") != folder_digest(tmp_path)


def test_figure_settings_rebuild(published: Settings) -> None:
    for changes in ({"suppression_threshold": 11}, {"disclosure_control": "primary_only"},
                    {"protection_width": 0.3}, {"youth_max_age": 30},
                    {"targets": {**published.targets, "share_women": 0.5}},
                    {"salt": "another-salt"}):
        changed = dataclasses.replace(published, **changes)
        assert _quiet(changed) is None, changes
        before = NightInputs.from_dict(read_manifest(published.marts_dir)["inputs"])  # type: ignore[index]
        assert before is not None
        assert NightInputs.of(changed).changed_since(before) == [
            "les réglages qui changent les chiffres"], changes


def test_the_salt_is_known_by_a_digest_that_says_nothing_of_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path, salt=None, salt_file=tmp_path / "salt")
    assert salt_identity(settings) == "absent"
    (tmp_path / "salt").write_text("a-secret-salt\n")
    from_file = salt_identity(settings)
    assert from_file == salt_identity(dataclasses.replace(settings, salt="a-secret-salt"))
    assert "a-secret-salt" not in from_file and len(from_file) == 32
    assert salt_identity(dataclasses.replace(settings, salt="another")) != from_file


def test_a_reference_file_or_the_form_rebuilds(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(REPO_ROOT / "data" / "reference", reference)
    copy_raw_files(E2E_FILES[:1], FIXTURES / "e2e", tmp_path / "raw")
    settings = _settings(tmp_path, reference_dir=reference)
    _publish(settings, NightInputs.of(settings))
    assert _quiet(settings) is not None
    with (reference / "labels.yaml").open("a", encoding="utf-8") as labels:
        labels.write("\n# a comment is a change of the file\n")
    assert _quiet(settings) is None


def test_a_code_change_rebuilds(published: Settings, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    shutil.copytree(REPO_ROOT / "citizen_metrics" / "build" / "sql", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(quiet, "PACKAGE", package)
    _publish(published, NightInputs.of(published))
    assert _quiet(published) is not None
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"cache")
    assert _quiet(published) is not None  # byte-code caches follow the source
    sql = package / "marts" / "mart_targets.sql"
    sql.write_text(sql.read_text() + "\n-- changed\n")
    assert _quiet(published) is None


def test_a_publication_without_fingerprint_or_damaged_rebuilds(tmp_path: Path) -> None:
    copy_raw_files(E2E_FILES[:2], FIXTURES / "e2e", tmp_path / "raw")
    settings = _settings(tmp_path)
    assert _quiet(settings) is None  # nothing published yet
    _publish(settings, None)  # published before quiet nights: no fingerprint
    assert _quiet(settings) is None
    _publish(settings, NightInputs.of(settings))
    assert _quiet(settings) is not None
    (settings.marts_dir / "exports" / "mart_targets.csv").write_text("cut")
    assert _quiet(settings) is None


def test_a_run_publishes_the_inputs_it_started_from(tmp_path: Path) -> None:
    copy_raw_files(E2E_FILES[:2], FIXTURES / "e2e", tmp_path / "raw")
    settings = _settings(tmp_path)
    settings.work_dir.mkdir()
    taken = record_run_inputs(settings, "run-1")
    shutil.copyfile(FIXTURES / "e2e" / E2E_FILES[2], tmp_path / "raw" / E2E_FILES[2])
    # Dropped while the run read the folder: the run publishes what it started from, and the
    # next night sees the new file.
    assert recorded_run_inputs(settings.work_dir, "run-1") == taken != NightInputs.of(settings)
    assert recorded_run_inputs(settings.work_dir, "another-run") is None
    assert recorded_run_inputs(tmp_path / "nowhere", "run-1") is None


def test_make_run_decides_a_quiet_night_before_loading_dagster(published: Settings) -> None:
    """`make run`'s runner in a child process: one line, exit 0, and neither Dagster nor
    DuckDB nor Arrow imported; `PIPELINE_FORCE_REBUILD=1` is not quiet."""
    (published.marts_dir / "releases" / ".next").mkdir()  # what a killed night left
    code = ("import sys\nfrom citizen_metrics.operations import night\ncode = night.main()\n"
            "heavy = {'dagster', 'duckdb', 'pyarrow', 'pandas'} & set(sys.modules)\n"
            "print('heavy:', sorted(heavy))\nsys.exit(code)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
           "PIPELINE_RAW_DIR": str(published.raw_dir),
           "PIPELINE_MARTS_DIR": str(published.marts_dir),
           "PIPELINE_WORK_DIR": str(published.work_dir)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Rien de neuf depuis la publication du 07/12/2026 à 13:18 : les chiffres publiés "
        "restent valables.", "heavy: []"]
    assert not (published.marts_dir / "releases" / ".next").exists()
    from citizen_metrics.operations.night import _quiet
    from citizen_metrics.settings import force_rebuild

    assert _quiet(published) is not None
    os.environ["PIPELINE_FORCE_REBUILD"] = "1"
    try:
        assert force_rebuild()
    finally:
        del os.environ["PIPELINE_FORCE_REBUILD"]
    assert not force_rebuild()


def test_the_schedule_skips_a_quiet_night_and_confirms_the_figures(
        published: Settings, tmp_path: Path) -> None:
    from citizen_metrics.defs.automation import PUBLISHED_ASSET_KEYS, nightly_schedule
    from citizen_metrics.defs.resources import WarehouseResource

    (tmp_path / "home").mkdir()
    instance = dg.DagsterInstance.local_temp(str(tmp_path / "home"))
    resource = WarehouseResource(raw_dir=str(published.raw_dir),
                                 marts_dir=str(published.marts_dir),
                                 work_dir=str(published.work_dir))

    def tick() -> dg.RunRequest | dg.SkipReason:
        with dg.build_schedule_context(instance=instance,
                                       resources={"warehouse": resource}) as context:
            result = nightly_schedule.evaluate_tick(context)
        if result.skip_message:
            return dg.SkipReason(result.skip_message)
        (request,) = result.run_requests or []
        return request

    skipped = tick()
    assert isinstance(skipped, dg.SkipReason)
    assert (skipped.skip_message or "").startswith("Rien de neuf depuis la publication du")
    for key in PUBLISHED_ASSET_KEYS:
        event = instance.get_latest_materialization_event(key)
        assert event is not None and event.run_id == "", key  # reported without a run
        materialization = event.asset_materialization
        assert materialization is not None
        assert materialization.metadata["publication"].value == (
            read_manifest(published.marts_dir) or {})["release"]
    assert "published_marts" in {key.to_user_string() for key in PUBLISHED_ASSET_KEYS}
    (published.raw_dir / "kobo_export_2022-03.csv").unlink()
    assert isinstance(tick(), dg.RunRequest)
