"""Nights on real folders that fail: a marts folder or a work folder full (a small tmpfs), a
read-only marts folder, a marts folder the pipeline may not enter, a warehouse overwritten
in its middle. Each failed night ends in plain French (no traceback on screen), leaves
nothing behind (no `releases/.next/`), and once the cause is gone, the next night succeeds
by itself and publishes the clean run's figures.

The folders are real mounts (`mount -t tmpfs`), which needs the right to mount: where the
machine refuses it, these tests are skipped and say why. The nights run as `make run` runs
them, in child processes (`tests.support.Night`). (The messages alone:
unit/test_plain_words.py; the clean-up alone: unit/test_release_cleanup.py.)
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from citizen_metrics.build.warehouse import damage
from citizen_metrics.operations.alerts import FAILED_NIGHT
from citizen_metrics.settings import REPO_ROOT
from tests.support import E2E_FILES, FIXTURES, copy_raw_files, published_rows, run_night


def _mount(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def can_mount(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip, saying why, where this machine does not let the tests mount a tmpfs."""
    probe = tmp_path_factory.mktemp("probe")
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command on this machine: the fault tests need real mounts")
    done = _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe))
    if done.returncode != 0:
        pytest.skip("this machine refuses `mount -t tmpfs` (it needs root or CAP_SYS_ADMIN): "
                    f"{done.stderr.strip()}")
    subprocess.run(["umount", str(probe)], check=True)


@contextlib.contextmanager
def tmpfs(folder: Path, *options: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", ",".join(["mode=0700", *options]),
                  "tmpfs", str(folder))
    assert done.returncode == 0, done.stderr
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount(folder: Path, *options: str) -> None:
    done = _mount("-o", ",".join(["remount", *options]), str(folder))
    assert done.returncode == 0, done.stderr


def _night_folders(root: Path) -> None:
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", root / "raw")
    (root / "home").mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", root / "home" / "dagster.yaml")


def _assert_failed_in_french(code: int, screen: str, said: str, marts: Path) -> None:
    assert code == 1, screen
    assert "La nuit a ÉCHOUÉ : rien n'a été publié." in screen
    assert said in screen, screen
    assert "Traceback" not in screen and "Error" not in screen, screen
    assert not (marts / "releases" / ".next").exists()  # nothing left behind
    assert not (marts / "current").exists()  # nothing published


def _assert_heals(root: Path, clean: Path) -> None:
    code, screen = run_night(root)
    assert code == 0, screen
    assert "La nuit est publiée." in screen and "Traceback" not in screen
    assert published_rows(root / "marts" / "citizen_metrics.duckdb") == published_rows(clean)
    assert not (root / "marts" / "releases" / ".next").exists()


# What fails, what the night says, and how the cause goes away.
FULL = "le disque est plein"
CASES = {
    "marts_full": ("marts", ("size=96k",), FULL, ("size=256m",)),
    "work_full": ("work", ("size=1m",), FULL, ("size=256m",)),
    "marts_read_only": ("marts", ("size=256m", "ro"), "le dossier est en lecture seule",
                        ("rw",)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_full_or_read_only_folder_fails_in_french_and_heals(
        case: str, can_mount: None, e2e_run, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clean = e2e_run[0] / "marts" / "citizen_metrics.duckdb"
    folder, options, said, fixed = CASES[case]
    _night_folders(tmp_path)
    # The alert log outside the broken folder: the night's exit code is then its own.
    monkeypatch.setenv("PIPELINE_ALERT_LOG", str(tmp_path / "alerts.log"))
    with tmpfs(tmp_path / folder, *options):
        code, screen = run_night(tmp_path)
        _assert_failed_in_french(code, screen, said, tmp_path / "marts")
        alert = (tmp_path / "alerts.log").read_text(encoding="utf-8")
        assert FAILED_NIGHT in alert and said in alert  # the operator is told, in French
        remount(tmp_path / folder, *fixed)
        _assert_heals(tmp_path, clean)


def test_a_refused_marts_folder_fails_in_french_and_heals(
        can_mount: None, e2e_run, tmp_path: Path) -> None:
    """The pipeline's user may not enter the marts folder (root is made to obey permissions
    as the service's user would)."""
    clean = e2e_run[0] / "marts" / "citizen_metrics.duckdb"
    _night_folders(tmp_path)
    marts = tmp_path / "marts"
    marts.mkdir(mode=0o000)
    try:
        code, screen = run_night(tmp_path, obey_permissions=True)
    finally:
        marts.chmod(0o700)
    _assert_failed_in_french(code, screen, "le pipeline n'a pas le droit", marts)
    _assert_heals(tmp_path, clean)


def test_a_warehouse_overwritten_in_its_middle_is_quiet_then_healed(
        e2e_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Last night's publication intact and nothing new: the night is quiet, whatever
    happened to the warehouse (it is read again only by a night that rebuilds). A night
    that rebuilds sets the damaged file aside, says so, and publishes the clean figures."""
    e2e_root = e2e_run[0]
    clean = e2e_root / "marts" / "citizen_metrics.duckdb"
    _night_folders(tmp_path)
    shutil.copytree(e2e_root / "marts", tmp_path / "marts", symlinks=True)
    shutil.copytree(e2e_root / "work", tmp_path / "work",
                    ignore=shutil.ignore_patterns(".pipeline.lock", "logs"))
    warehouse = tmp_path / "work" / "warehouse.duckdb"
    size = warehouse.stat().st_size
    with warehouse.open("r+b") as handle:  # the middle overwritten, the rest intact
        handle.seek(size // 2)
        handle.write(np.random.default_rng(19).bytes(min(256 * 1024, size // 4)))
    damaged = warehouse.read_bytes()
    assert damage(warehouse) is not None  # DuckDB cannot trust it any more
    monkeypatch.setenv("PIPELINE_ALERT_LOG", str(tmp_path / "alerts.log"))

    code, screen = run_night(tmp_path)
    assert code == 0, screen
    assert screen.startswith("Rien de neuf depuis la publication du"), screen
    assert warehouse.read_bytes() == damaged  # a quiet night reads nothing

    code, screen = run_night(tmp_path, force=True)
    assert code == 0, screen
    assert "La nuit est publiée." in screen and "Traceback" not in screen
    (kept,) = (tmp_path / "work" / "damaged").glob("warehouse-*.duckdb")
    assert kept.read_bytes() == damaged
    assert "endommagé" in (tmp_path / "alerts.log").read_text(encoding="utf-8")
    assert published_rows(tmp_path / "marts" / "citizen_metrics.duckdb") == published_rows(
        clean)
