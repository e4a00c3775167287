"""The raw folder: which files are there, and what each one is, told from its bytes.

This is the first step of ingestion (`sources` → `readers` → `staging`): it lists the regular
files inside `data/raw/` (sub-folders included) and sniffs each one as a survey export, a
workshop register or something unknown. Anything else found there is rejected with its
reason, never followed nor opened: a link leading out of the folder (to another file of the
server), a link to nothing or looping back on itself, a named pipe (opening it would wait
forever), a device or a socket. A workbook whose parts would inflate beyond the read limits
(a "zip bomb") is rejected before any parser sees it. Listing never reads a file (the sensor
does it every minute); sniffing reads the first bytes, a workbook's table of contents and
its sheet names; only the inventory hashes the content, and only of the files whose size or
modification time changed since the last inventory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from citizen_metrics.ingest.readers.grids import (
    EMPTY_FILE,
    UnreadableFileError,
    check_workbook_size,
    is_workbook,
    open_utf8_stream,
    open_workbook,
    read_bytes,
)
from citizen_metrics.ingest.readers.registers import is_register
from citizen_metrics.ingest.readers.results import failure_reason
from citizen_metrics.settings import ReadLimits
from citizen_metrics.tables.fields import REGISTER_KIND, SURVEY_KIND, UNKNOWN_KIND
from citizen_metrics.tables.staging import STG_RAW_FILES

# Files that operating systems and editors leave beside the data: never data themselves.
IGNORED_NAMES = {"README.md", ".gitkeep", "Thumbs.db", ".DS_Store"}
# The time of an entry whose own time cannot be read.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class RawFile:
    """A file found in the raw folder. Its content is read (and hashed) only when asked:
    listing the folder must stay cheap."""

    path: Path
    name: str
    size_bytes: int
    modified_at: dt.datetime
    modified_ns: int

    def sha256(self) -> str:
        digest = hashlib.sha256()
        try:
            with self.path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return ""
        return digest.hexdigest()

    def read(self) -> bytes:
        """The file's bytes, read when needed (cumulative exports can be large)."""
        return read_bytes(self.path)

    def head(self, size: int = 8) -> bytes:
        """The first bytes (an I/O error is raised: it is not an empty file)."""
        with self.path.open("rb") as handle:
            return handle.read(size)

    def unchanged_since(self, size_bytes: int, modified_at: dt.datetime) -> bool:
        """Whether the file still has the size and time the inventory saw (naive UTC)."""
        return (self.size_bytes == size_bytes
                and self.modified_at.replace(tzinfo=None) == modified_at)


@dataclass(frozen=True)
class RejectedEntry:
    """Something in the raw folder that is not a regular file inside it: never opened."""

    name: str
    reason: str
    modified_at: dt.datetime = EPOCH


@dataclass(frozen=True)
class RawFolder:
    files: list[RawFile] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)


def is_ignored(name: str) -> bool:
    """Names that are never data: what systems and editors leave beside files, hidden
    files, and Excel's lock files (`~$…`)."""
    return name in IGNORED_NAMES or name.startswith((".", "~$"))


_NOT_A_FILE = (
    (stat.S_ISFIFO, "un tube nommé (FIFO), pas un fichier : non lu (l'ouvrir pourrait "
                    "attendre sans fin)"),
    (stat.S_ISCHR, "un périphérique, pas un fichier : non lu"),
    (stat.S_ISBLK, "un périphérique, pas un fichier : non lu"),
    (stat.S_ISSOCK, "une socket, pas un fichier : non lu"),
)


def _not_a_file(mode: int) -> str | None:
    return next((reason for test, reason in _NOT_A_FILE if test(mode)), None)


def _classify(path: Path, folder: Path) -> tuple[os.stat_result | None, str | None]:
    """The stat of a regular file to read at `path`, or the reason it is rejected; (None,
    None) for a folder (its files are listed where they are)."""
    try:
        status = os.lstat(path)
    except OSError as error:
        return None, f"impossible à examiner : {error.strerror}"
    if stat.S_ISLNK(status.st_mode):
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            return None, (f"un lien vers rien (sa cible {os.readlink(path)} n'existe pas) : "
                          "non lu")
        except (RuntimeError, OSError):
            return None, "un lien qui boucle sur lui-même : non lu"
        if not target.is_relative_to(folder):
            return None, ("un lien vers l'extérieur du dossier data/raw : non lu (seuls "
                          "les fichiers du dossier sont des données)")
        status = os.stat(target)
    if stat.S_ISDIR(status.st_mode):
        return None, None
    if stat.S_ISREG(status.st_mode):
        return status, None
    return None, _not_a_file(status.st_mode) or "pas un fichier ordinaire : non lu"


def scan(raw_dir: Path) -> RawFolder:
    """Every entry under the raw folder (sub-folders included): the regular files, in a
    stable order, and what is rejected without being opened.

    The order (modification time, then name) is the order in which re-sent versions of a
    register supersede each other when their rows conflict. Links to folders are not
    followed (their files are listed where they are, if inside the raw folder).
    """
    if not raw_dir.is_dir():
        return RawFolder()
    folder = raw_dir.resolve()
    found: list[tuple[Path, os.stat_result]] = []
    rejected: list[RejectedEntry] = []

    def unreadable(error: OSError) -> None:
        name = os.path.relpath(error.filename, raw_dir) if error.filename else "."
        rejected.append(RejectedEntry(name, f"un dossier illisible ({error.strerror}) : "
                                            "ses fichiers n'ont pas été lus"))

    for parent, folders, names in os.walk(raw_dir, onerror=unreadable):
        base = Path(parent)
        for name in [*names, *(d for d in folders if (base / d).is_symlink())]:
            if is_ignored(name):
                continue
            path = base / name
            status, reason = _classify(path, folder)
            relative = str(path.relative_to(raw_dir))
            if reason is not None:
                try:
                    moment = dt.datetime.fromtimestamp(os.lstat(path).st_mtime, tz=dt.UTC)
                    rejected.append(RejectedEntry(relative, reason, moment))
                except OSError:
                    rejected.append(RejectedEntry(relative, reason))
            elif status is not None:
                found.append((path, status))
    files = [
        RawFile(
            path=path,
            name=str(path.relative_to(raw_dir)),
            size_bytes=status.st_size,
            modified_at=dt.datetime.fromtimestamp(status.st_mtime, tz=dt.UTC),
            modified_ns=status.st_mtime_ns,
        )
        for path, status in sorted(found, key=lambda item: (item[1].st_mtime_ns,
                                                            str(item[0])))
    ]
    return RawFolder(files, sorted(rejected, key=lambda entry: entry.name))


def raw_files(raw_dir: Path) -> list[RawFile]:
    """The regular files under the raw folder, in arrival order (see `scan`)."""
    return scan(raw_dir).files


def sniff(raw: RawFile, limits: ReadLimits) -> tuple[str, str | None]:
    """Survey export, workshop register or unknown, from the bytes (never the file name),
    and for an unknown file why: a workbook with `ateliers` and `participants` sheets is a
    register, any other workbook or text file may be a survey export (its reader decides
    from the headers). A workbook beyond the read limits, or a text file too large to be
    read whole that is not plain UTF-8, is rejected here, before any parser sees it."""
    try:
        head = raw.head()
        if not head:
            return UNKNOWN_KIND, EMPTY_FILE
        if is_workbook(head):
            check_workbook_size(raw.path, limits)
            workbook = open_workbook(raw.read())
            return (REGISTER_KIND if is_register(workbook.sheet_names) else SURVEY_KIND), None
        if raw.size_bytes > limits.text_whole_max_bytes and open_utf8_stream(raw.path) is None:
            return UNKNOWN_KIND, (
                f"un fichier texte de {raw.size_bytes / (1 << 20):.0f} Mo qui n'est pas un "
                "CSV UTF-8 simple doit être lu en entier, au-delà de la limite de "
                f"{limits.text_whole_max_bytes / (1 << 20):.0f} Mo : enregistrez-le en CSV "
                "UTF-8")
        return SURVEY_KIND, None
    except UnreadableFileError as error:
        return UNKNOWN_KIND, str(error)
    except Exception as error:  # an I/O error, or anything a parser raised: this file only
        return UNKNOWN_KIND, failure_reason(error)


class FileStat(NamedTuple):
    """What listing the folder tells of a file without reading it (modification time as
    naive UTC, as `stg_raw_files` keeps it)."""

    name: str
    size_bytes: int
    modified_at: dt.datetime


class FileIdentity(NamedTuple):
    """What only reading a file tells: its digest, its kind, and why it cannot be read
    (None when it can)."""

    sha256: str
    file_kind: str
    reason: str | None


def file_stat(raw: RawFile) -> FileStat:
    return FileStat(raw.name, raw.size_bytes, raw.modified_at.replace(tzinfo=None))


def identify(raw: RawFile, limits: ReadLimits,
             known: Mapping[FileStat, FileIdentity] | None = None) -> FileIdentity:
    """The file's digest, kind and rejection reason; taken from `known` (the last inventory)
    when the file's name, size and modification time are the same, so that an unchanged
    folder is listed without reading a byte (as git and make trust a file's size and time;
    touching a file makes it looked at again)."""
    found = (known or {}).get(file_stat(raw))
    if found is not None:
        return found
    kind, reason = sniff(raw, limits)
    return FileIdentity(raw.sha256(), kind, reason)


def inventory(folder: RawFolder, limits: ReadLimits,
              known: Mapping[FileStat, FileIdentity] | None = None) -> pa.Table:
    """`stg_raw_files`: every file of the raw folder, its kind, fingerprint and arrival
    rank, and every entry rejected without being read, with its reason (`known`: the
    digests, kinds and reasons of the last inventory, see `identify`)."""
    rows: list[Mapping[str, object]] = []
    # Hashing is most of the work (hashlib releases Python's lock on large blocks): two
    # files at a time keep both cores of the server reading.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="inventory") as pool:
        identities = list(pool.map(lambda raw: identify(raw, limits, known), folder.files))
    for order, (raw, identity) in enumerate(zip(folder.files, identities, strict=True),
                                            start=1):
        rows.append({
            "source_file": raw.name,
            "file_kind": identity.file_kind,
            "size_bytes": raw.size_bytes,
            "modified_at": raw.modified_at.replace(tzinfo=None),
            "sha256": identity.sha256,
            "file_order": order,
            "reason": identity.reason,
        })
    for entry in folder.rejected:  # never opened: no size nor content of their own
        rows.append({
            "source_file": entry.name,
            "file_kind": UNKNOWN_KIND,
            "size_bytes": 0,
            "modified_at": entry.modified_at.replace(tzinfo=None),
            "sha256": "",
            "file_order": 0,
            "reason": entry.reason,
        })
    return STG_RAW_FILES.from_pylist(rows)
