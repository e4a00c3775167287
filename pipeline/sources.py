"""The raw folder: which files are there, and what each one is, told from its bytes.

This is the first step of ingestion (`sources` → `readers` → `staging`): it lists the regular
files inside `data/raw/` (sub-folders included, links leading out of it ignored) and sniffs
each one as a survey export, a workshop register or something unknown. Listing never reads a
file (the sensor does it every minute); sniffing reads the first bytes, and the sheet names of
a workbook; only the inventory hashes the content, and only of the files whose size or
modification time changed since the last inventory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from pipeline.readers.registers import is_register
from pipeline.readers.tables import UnreadableFileError, is_workbook, open_workbook, read_bytes
from pipeline.tables.fields import REGISTER_KIND, SURVEY_KIND, UNKNOWN_KIND
from pipeline.tables.staging import STG_RAW_FILES

# Files that operating systems and editors leave beside the data: never data themselves.
IGNORED_NAMES = {"README.md", ".gitkeep", "Thumbs.db", ".DS_Store"}


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
        try:
            with self.path.open("rb") as handle:
                return handle.read(size)
        except OSError:
            return b""


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, links resolved, is a regular file inside `folder`: a link to a file
    elsewhere on the server is not something a clerk dropped in the raw folder."""
    try:
        return path.resolve().is_relative_to(folder) and path.resolve().is_file()
    except OSError:
        return False


def raw_files(raw_dir: Path) -> list[RawFile]:
    """Every file under the raw folder (sub-folders included), in a stable order.

    The order (modification time, then name) is the order in which re-sent versions of a
    register supersede each other when their rows conflict.
    """
    if not raw_dir.is_dir():
        return []
    folder = raw_dir.resolve()
    paths = [
        path
        for path in raw_dir.rglob("*")
        if path.name not in IGNORED_NAMES and not path.name.startswith((".", "~$"))
        and _inside(path, folder)  # `~$…`: Excel's lock files
    ]
    stats = {path: path.stat() for path in paths}
    return [
        RawFile(
            path=path,
            name=str(path.relative_to(raw_dir)),
            size_bytes=stats[path].st_size,
            modified_at=dt.datetime.fromtimestamp(stats[path].st_mtime, tz=dt.UTC),
            modified_ns=stats[path].st_mtime_ns,
        )
        for path in sorted(paths, key=lambda p: (stats[p].st_mtime_ns, str(p)))
    ]


def sniff(raw: RawFile) -> str:
    """Survey export, workshop register or unknown, from the bytes (never the file name):
    a workbook with `ateliers` and `participants` sheets is a register, any other workbook or
    text file may be a survey export (its reader decides from the headers)."""
    head = raw.head()
    if not head:
        return UNKNOWN_KIND
    if is_workbook(head):
        try:
            workbook = open_workbook(raw.read())
        except UnreadableFileError:
            return UNKNOWN_KIND
        return REGISTER_KIND if is_register(workbook.sheet_names) else SURVEY_KIND
    return SURVEY_KIND


class FileStat(NamedTuple):
    """What listing the folder tells of a file without reading it (modification time as
    naive UTC, as `stg_raw_files` keeps it)."""

    name: str
    size_bytes: int
    modified_at: dt.datetime


class FileIdentity(NamedTuple):
    """What only reading a file tells: its digest and its kind."""

    sha256: str
    file_kind: str


def file_stat(raw: RawFile) -> FileStat:
    return FileStat(raw.name, raw.size_bytes, raw.modified_at.replace(tzinfo=None))


def identify(raw: RawFile, known: Mapping[FileStat, FileIdentity] | None = None) -> FileIdentity:
    """The file's digest and kind; taken from `known` (the last inventory) when the file's
    name, size and modification time are the same, so that an unchanged folder is listed
    without reading a byte (as git and make trust a file's size and time)."""
    found = (known or {}).get(file_stat(raw))
    return found if found is not None else FileIdentity(raw.sha256(), sniff(raw))


def inventory(files: list[RawFile],
              known: Mapping[FileStat, FileIdentity] | None = None) -> pa.Table:
    """`stg_raw_files`: every file of the raw folder, its kind, fingerprint and arrival
    rank (`known`: the digests and kinds of the last inventory, see `identify`)."""
    rows: list[Mapping[str, object]] = []
    for order, raw in enumerate(files, start=1):
        identity = identify(raw, known)
        rows.append({
            "source_file": raw.name,
            "file_kind": identity.file_kind,
            "size_bytes": raw.size_bytes,
            "modified_at": raw.modified_at.replace(tzinfo=None),
            "sha256": identity.sha256,
            "file_order": order,
        })
    return STG_RAW_FILES.from_pylist(rows)
