"""A night's publication as one unit: the marts database, every export, the managers' report
and a manifest, swapped in together or not at all.

The marts folder (`PIPELINE_MARTS_DIR`, `data/marts/`) is laid out as

    releases/<UTC time>-<run>/   one complete publication: citizen_metrics.duckdb, exports/,
                                 report/rapport.html, manifest.json
    releases/.next/              tonight's publication while it is being built
    current -> releases/…        the publication readers see
    citizen_metrics.duckdb -> current/citizen_metrics.duckdb
    exports -> current/exports
    report -> current/report
    manifest.json -> current/manifest.json

The run builds everything in `releases/.next/`, each part written under a temporary name and
renamed when whole, so a part that exists there is complete. Publishing renames `.next` to
its release name, then replaces the link `current` in one `rename` (atomic on POSIX file
systems): a reader opening `exports/x.csv` or the database resolves `current` once and gets
last night's set or tonight's, never a mix, and never a missing `exports/`. The previous
release is kept (a reader may still be reading it; the operator can roll back by pointing
`current` at it); older ones are removed.

A run killed at any moment leaves at worst a `.next/` folder (rebuilt from nothing by the
next run) or a release not yet pointed at (removed by the next publication): never a
published set that is half old, half new.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from citizen_metrics.operations import failpoints
from citizen_metrics.operations.quiet import MANIFEST_KEY as INPUTS
from citizen_metrics.operations.quiet import file_sha256
from citizen_metrics.operations.runlock import RunLockBusy, hold_folders
from citizen_metrics.settings import MARTS_DATABASE_NAME

RELEASES = "releases"
CURRENT = "current"
STAGING = ".next"
EXPORTS = "exports"
REPORT = "report"
MANIFEST = "manifest.json"
# What a published set is made of, and the fixed names readers open in the marts folder.
PARTS = (MARTS_DATABASE_NAME, EXPORTS, REPORT)
LINKED = (*PARTS, MANIFEST)
# What the layout before releases left while publishing (a run killed then): removed.
LEGACY_LEFTOVERS = (f".{MARTS_DATABASE_NAME}.publishing", "exports.building", "exports.old")


class IncompletePublication(RuntimeError):
    """Tonight's publication lacks a part: nothing is published."""


@dataclass(frozen=True)
class MartsFolder:
    """The marts folder and where each part of a publication goes."""

    root: Path

    @property
    def releases(self) -> Path:
        return self.root / RELEASES

    @property
    def staging(self) -> Path:
        return self.releases / STAGING

    @property
    def staged_database(self) -> Path:
        return self.staging / MARTS_DATABASE_NAME

    @property
    def staged_exports(self) -> Path:
        return self.staging / EXPORTS

    @property
    def staged_report(self) -> Path:
        return self.staging / REPORT

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    @property
    def published_database(self) -> Path:
        return self.root / MARTS_DATABASE_NAME

    def current_release(self) -> Path | None:
        """The release readers see now (None before the first publication in this layout)."""
        try:
            return (self.root / os.readlink(self.current)).resolve()
        except OSError:
            return None

    def start_staging(self) -> Path:
        """An empty `.next/` for tonight's publication (what a dead run left there is
        dropped)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        return self.staging


class NotEnoughSpace(RuntimeError):
    """The marts folder has no room for one more publication: said before the night starts."""


# Room asked for a night's publication beyond the size of the last one (it grows a little).
SPACE_MARGIN = 0.2


def prepare_for_a_night(marts_dir: Path) -> None:
    """Before a night writes: releases beyond the two kept (the current one and the newest
    other) are removed, as a publication that could not prune them left them; then the
    night must find room for one more publication the size of the current one plus
    `SPACE_MARGIN`, or it stops now, saying so, rather than fill the disk at its end."""
    folder = MartsFolder(marts_dir)
    if folder.releases.is_dir():
        current = folder.current_release()
        others = sorted(release.resolve() for release in folder.releases.iterdir()
                        if release.name != STAGING and release.resolve() != current)
        _prune(folder, keep={*others[-1:], *([current] if current else [])})
    manifest = read_manifest(marts_dir)
    files = manifest.get("files") if manifest else None
    if not isinstance(files, list):
        return
    need = int(sum(int(entry.get("bytes", 0)) for entry in files) * (1 + SPACE_MARGIN))
    free = shutil.disk_usage(marts_dir).free
    if free < need:
        raise NotEnoughSpace(
            f"le disque est presque plein : il reste {free / 1e6:.0f} Mo libres pour "
            f"{marts_dir}, et une publication en demande environ {need / 1e6:.0f} Mo (la "
            "dernière, plus 20 %). Libérez de la place (anciens fichiers, journaux de "
            "data/work/logs/), puis relancez : les chiffres publiés restent en place.")


def discard_failed_publication(marts_dir: Path) -> bool:
    """Remove the `.next/` a failed night left (it would hold its disk space until the next
    night), unless a run holds the marts folder now. Whether anything was removed."""
    folder = MartsFolder(marts_dir)
    try:
        if not folder.staging.exists():
            return False
    except OSError:  # the marts folder refused to this user: nothing it can remove
        return False
    try:
        with hold_folders([marts_dir], run_id="cleanup"):
            shutil.rmtree(folder.staging)
    except (RunLockBusy, OSError):
        return False
    return True


@dataclass(frozen=True)
class Release:
    path: Path
    manifest: dict[str, object]


def install(built: Path, final: Path) -> None:
    """Move a part built under a temporary name to its final name inside `.next/` (a part
    that exists under its final name is complete)."""
    if final.is_dir() and not final.is_symlink():
        shutil.rmtree(final)
    os.replace(built, final)


@contextlib.contextmanager
def building(final: Path) -> Iterator[Path]:
    """A temporary name beside `final` to build a part under, moved to `final` when the
    block ends without error."""
    temporary = final.with_name(f".{final.name}.building")
    if temporary.is_dir():
        shutil.rmtree(temporary)
    temporary.unlink(missing_ok=True)
    yield temporary
    install(temporary, final)


def _sync(path: Path) -> None:
    """Flush a file or folder to disk (a power cut after the swap must not leave the new
    links pointing at files whose content never reached the disk)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    handle = os.open(path, flags)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def _release_name(run_id: str, now: dt.datetime) -> str:
    return f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{run_id[:8]}"


def _libc_exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (`renameat2(RENAME_EXCHANGE)`, Linux); False where the
    system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                       rename_exchange)
    return bool(result == 0)


def _link(path: Path, target: str) -> None:
    """Make `path` a symbolic link to `target`, replacing what is there in one step."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    temporary = path.with_name(f".{path.name}.link")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(target)
    if path.is_dir() and not path.is_symlink():
        # A folder of the layout before releases (one-time): exchanged with the link in one
        # step where the system can, so that readers never miss it; then set aside.
        if not _libc_exchange(temporary, path):
            old = path.with_name(f".{path.name}.before-releases")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            temporary.rename(path)
            temporary = old
        shutil.rmtree(temporary, ignore_errors=True)
        return
    os.replace(temporary, path)


def publish_staged(folder: MartsFolder, *, run_id: str, night: dict[str, object],
                   tables: dict[str, int], now: dt.datetime | None = None,
                   inputs: dict[str, str] | None = None) -> Release:
    """Publish `.next/` as tonight's release: manifest, then one swap of `current`.

    `night` (files, accepted rows) and `tables` (rows of each table) go into the manifest,
    with the run id, the time, the size and SHA-256 of every file, and `inputs`, the
    fingerprint of what the night was made from (`citizen_metrics.operations.quiet`; without
    it, the next night rebuilds whatever happens).
    """
    missing = [part for part in PARTS if not (folder.staging / part).exists()]
    if missing:
        raise IncompletePublication(
            f"tonight's publication in {folder.staging} lacks {', '.join(missing)}: "
            "nothing was published, the previous figures stay")
    moment = now or dt.datetime.now(dt.UTC)
    name = _release_name(run_id, moment)
    files = [
        {"path": str(path.relative_to(folder.staging)), "bytes": path.stat().st_size,
         "sha256": file_sha256(path)}
        for path in _files(folder.staging)
    ]
    manifest: dict[str, object] = {
        "run_id": run_id,
        "release": name,
        "published_at": moment.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "night": night,
        "tables": tables,
        "files": files,
        **({INPUTS: inputs} if inputs else {}),
    }
    (folder.staging / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in [*_files(folder.staging), *sorted(p for p in folder.staging.rglob("*")
                                                   if p.is_dir()), folder.staging]:
        _sync(path)
    release = folder.releases / name
    folder.staging.rename(release)
    _sync(folder.releases)
    failpoints.reached("publication:before-swap")
    previous = folder.current_release()
    _link(folder.current, f"{RELEASES}/{name}")
    for part in LINKED:
        _link(folder.root / part, f"{CURRENT}/{part}")
    _sync(folder.root)
    failpoints.reached("publication:after-swap")
    for leftover in LEGACY_LEFTOVERS:
        path = folder.root / leftover
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    _prune(folder, keep={release.resolve(), *([previous] if previous else [])})
    return Release(path=release, manifest=manifest)


def _prune(folder: MartsFolder, keep: set[Path]) -> None:
    """Remove releases other than `keep` (current and previous): readers of an older one
    that still have a file open keep reading it (the file lives until they close it)."""
    for release in folder.releases.iterdir():
        if release.name == STAGING or release.resolve() in keep:
            continue
        shutil.rmtree(release, ignore_errors=True)


def read_manifest(marts_dir: Path) -> dict[str, object] | None:
    """The manifest of the current publication, or None (nothing published yet, or the layout
    before releases)."""
    try:
        loaded = json.loads((marts_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None
