"""A quiet night: nothing new since the last publication, so nothing is rebuilt.

The figures depend on four things only: the raw files, the code (the package and the
versions it runs on), the form and reference lists (`data/reference/`), and the settings
that change figures (threshold, disclosure mode, protection width, age bands, targets,
salt). When a night publishes, the fingerprint of these inputs, as they were when the night
started, goes into the publication's `manifest.json` (`inputs`). A later night whose inputs
have the same fingerprint would publish the same figures: it keeps the publication, says so
in one line, and ends in a second instead of minutes.

Everything is compared by content digest, never by modification time (a file copied again
with the same bytes is not new; a file edited within the same second is). Paths, alert
settings, the guard's and the lock's settings change no figure and are left out.

This module is imported by `make run` before anything heavy (no Dagster, no DuckDB, no
Arrow): deciding that a night is quiet costs hashing the raw folder and the code, and
nothing else.

A night that failed or was killed published nothing: the current publication still matches
its own inputs, so comparing with its manifest stays right. A damaged warehouse with an
intact publication and nothing new is a quiet night too: the warehouse is healed by the next
night that rebuilds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from citizen_metrics.settings import LOCAL_TIME_ZONE, REPO_ROOT, Settings

PACKAGE = REPO_ROOT / "citizen_metrics"
# Beside the package, what fixes the code it runs on: the locked versions of every library.
DEPENDENCY_FILES = (REPO_ROOT / "pyproject.toml", REPO_ROOT / "uv.lock")
# Tonight's inputs, as they were when the run started, kept until it publishes.
RUN_INPUTS_FILE = "night_inputs.json"
MANIFEST_KEY = "inputs"
PARTS_IN_FRENCH = {
    "raw": "des fichiers du dossier des fichiers bruts",
    "code": "le code du pipeline",
    "reference": "le questionnaire ou les listes de référence",
    "settings": "les réglages qui changent les chiffres",
}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry_digest(path: Path) -> str:
    """What a raw-folder entry holds, without ever opening anything but a regular file (a
    named pipe would block): the content's SHA-256, a link's target and its content, or
    the kind of a special entry."""
    try:
        status = os.lstat(path)
        if stat.S_ISREG(status.st_mode):
            return file_sha256(path)
        if stat.S_ISLNK(status.st_mode):
            target = os.readlink(path)
            content = file_sha256(path) if path.is_file() else "-"
            return f"link:{target}:{content}"
        return f"special:{stat.S_IFMT(status.st_mode):o}"
    except OSError as error:  # unreadable: its state is what it is, compared as such
        return f"unreadable:{error.errno}"


def _entries(folder: Path, *, skip_caches: bool) -> Iterable[Path]:
    """Every entry under `folder` but its folders, links not followed (and, for code,
    without Python's byte-code caches, which follow the source)."""
    for parent, folders, files in os.walk(folder, followlinks=False):
        base = Path(parent)
        if skip_caches:
            folders[:] = [name for name in folders if name != "__pycache__"]
        for name in (*files, *(n for n in folders if (base / n).is_symlink())):
            yield base / name


def folder_digest(folder: Path, *, skip_caches: bool = False) -> str:
    """A digest over the sorted (path relative to `folder`, content digest) of every entry
    under it: a file new, changed, renamed or removed changes it; a time alone does not.
    Nothing is ignored in the raw folder: a stray file costs at worst one rebuild."""
    if not folder.is_dir():
        return _digest([("missing", str(folder))])
    return _digest(sorted((str(path.relative_to(folder)), _entry_digest(path))
                          for path in _entries(folder, skip_caches=skip_caches)))


def _digest(items: object) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def salt_identity(settings: Settings) -> str:
    """A keyed digest of a fixed text, which changes with the salt and says nothing of it
    (the manifest is readable by every reader of the marts folder)."""
    if settings.salt:
        salt = settings.salt.encode()
    else:
        try:
            salt = settings.salt_file.read_text(encoding="utf-8").strip().encode()
        except OSError:
            salt = b""
    if not salt:
        return "absent"
    key = hashlib.blake2b(salt, digest_size=64).digest()
    return hashlib.blake2b(b"the salt behind a publication", key=key,
                           digest_size=16).hexdigest()


def figure_settings(settings: Settings) -> dict[str, object]:
    """The settings that change a published figure (paths and alerts do not)."""
    return {
        "suppression_threshold": settings.suppression_threshold,
        "disclosure_control": settings.disclosure_control,
        "protection_width": settings.protection_width,
        "ages": [settings.min_age, settings.max_age, settings.youth_min_age,
                 settings.youth_max_age, settings.senior_min_age],
        "quality_flags": [settings.short_interview_minutes,
                          settings.earliest_interview_date.isoformat(),
                          settings.enumerator_daily_max],
        "region": [settings.region_code, settings.region_name],
        "targets": dict(sorted(settings.targets.items())),
        "salt": salt_identity(settings),
    }


def code_digest() -> str:
    """The package's files (code, SQL, templates) and the locked library versions."""
    dependencies = [(path.name, file_sha256(path)) for path in DEPENDENCY_FILES
                    if path.is_file()]
    return _digest([folder_digest(PACKAGE, skip_caches=True), dependencies, sys.version])


@dataclass(frozen=True)
class NightInputs:
    """The digests of what a night's figures are made from."""

    raw: str
    code: str
    reference: str
    settings: str

    @classmethod
    def of(cls, settings: Settings) -> NightInputs:
        """The one place the fingerprint is computed."""
        return cls(raw=folder_digest(settings.raw_dir), code=code_digest(),
                   reference=folder_digest(settings.reference_dir),
                   settings=_digest(figure_settings(settings)))

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> NightInputs | None:
        if not isinstance(data, Mapping):
            return None
        try:
            return cls(**{name: str(data[name]) for name in PARTS_IN_FRENCH})
        except KeyError:
            return None

    def changed_since(self, other: NightInputs) -> list[str]:
        """The parts that differ from `other`, in French."""
        return [said for name, said in PARTS_IN_FRENCH.items()
                if getattr(self, name) != getattr(other, name)]


# --- tonight's inputs, from the run's start to its publication ---------------------------


def record_run_inputs(settings: Settings, run_id: str) -> NightInputs:
    """Take tonight's fingerprint at the start of the run (before anything is read), for its
    publication: a file dropped while the run reads the folder makes the next night
    rebuild, never a night quiet about a file it did not read."""
    inputs = NightInputs.of(settings)
    path = settings.work_dir / RUN_INPUTS_FILE
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps({"run_id": run_id, **inputs.as_dict()}), encoding="utf-8")
    os.replace(temporary, path)
    return inputs


def recorded_run_inputs(work_dir: Path, run_id: str) -> NightInputs | None:
    """What `record_run_inputs` took for run `run_id`; None when it is another run's (the
    publication then carries no fingerprint, and the next night rebuilds)."""
    try:
        data = json.loads((work_dir / RUN_INPUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("run_id") != run_id:
        return None
    return NightInputs.from_dict(data)


# --- the decision ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuietNight:
    """Tonight has nothing new: the publication `release` of `published_at` stays."""

    release: str
    published_at: dt.datetime

    def in_french(self) -> str:
        local = self.published_at.astimezone(ZoneInfo(LOCAL_TIME_ZONE))
        return (f"Rien de neuf depuis la publication du {local:%d/%m/%Y} à {local:%H:%M} : "
                "les chiffres publiés restent valables.")


def publication_is_whole(marts_dir: Path, manifest: Mapping[str, object]) -> bool:
    """Every file the manifest lists is there with its size (a publication someone damaged
    by hand is rebuilt, not kept)."""
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        return False
    current = marts_dir / "current"
    try:
        return all((current / str(entry["path"])).stat().st_size == int(entry["bytes"])
                   for entry in files)
    except (OSError, KeyError, TypeError, ValueError):
        return False


def quiet_night(settings: Settings, manifest: Mapping[str, object] | None) -> QuietNight | None:
    """Whether tonight is quiet against the publication whose manifest is `manifest`."""
    if not manifest:
        return None
    published = NightInputs.from_dict(manifest.get(MANIFEST_KEY))
    if published is None or not publication_is_whole(settings.marts_dir, manifest):
        return None
    if NightInputs.of(settings) != published:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(manifest["published_at"]))
    except (KeyError, ValueError):
        return None
    return QuietNight(release=str(manifest.get("release", "")), published_at=moment)
