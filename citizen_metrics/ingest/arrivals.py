"""What has arrived in the raw folder since the figures were last published.

The raw-folder sensor asks this every minute. A file is new when no file of that name was
behind the last publication, changed when its content differs; a file touched or copied
again with the same bytes is neither, and a file removed starts no run (the nightly run
takes it out of the figures). Listing costs no read: a file whose size and modification
time are those already seen is unchanged without opening it; only a file whose size or time
moved is hashed, and a file modified in the last moments is left for the next look (a clerk
may still be copying it).

What was seen is the sensor's cursor; when the sensor starts without one (a new Dagster
instance, the UI opened for the first time), it starts from the files behind the published
marts (`quality_file_summary`), so opening the UI starts no run for files already published.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from citizen_metrics.ingest.sources import RawFile
from citizen_metrics.publish.access import open_database

# A file modified less than this long ago may still be being copied: looked at next time.
SETTLE_SECONDS = 30


class Seen(NamedTuple):
    """What is known of a file: size, modification time (microseconds since the epoch, UTC)
    and content digest."""

    size_bytes: int
    modified_us: int
    sha256: str


def _microseconds(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return round(moment.timestamp() * 1_000_000)


def seen_now(raw: RawFile, sha256: str) -> Seen:
    return Seen(raw.size_bytes, _microseconds(raw.modified_at), sha256)


def published_files(marts_database: Path) -> dict[str, Seen] | None:
    """The files behind the published marts, or None when nothing has been published."""
    if not marts_database.exists():
        return None
    with open_database(marts_database) as con:
        rows = con.execute(
            "select distinct source_file, size_bytes, modified_at, sha256 "
            "from quality_file_summary where sha256 is not null"
        ).fetchall()
    return {name: Seen(int(size), _microseconds(modified), sha256)
            for name, size, modified, sha256 in rows}


@dataclass(frozen=True)
class Arrivals:
    """The files new or changed (by name), and what is seen of the folder now."""

    new_or_changed: tuple[str, ...]
    seen: dict[str, Seen]
    settling: tuple[str, ...] = ()  # modified too recently: looked at next time


def arrivals(files: list[RawFile], seen: dict[str, Seen], *, now: dt.datetime | None = None,
             settle_seconds: float = SETTLE_SECONDS) -> Arrivals:
    """Compare the folder with what was seen (see the module's docstring)."""
    now = now or dt.datetime.now(dt.UTC)
    changed, settling, state = [], [], {}
    for raw in files:
        before = seen.get(raw.name)
        if (now - raw.modified_at).total_seconds() < settle_seconds:
            settling.append(raw.name)
            if before is not None:
                state[raw.name] = before
            continue
        if before is not None and (before.size_bytes, before.modified_us) == (
                raw.size_bytes, _microseconds(raw.modified_at)):
            state[raw.name] = before
            continue
        current = seen_now(raw, raw.sha256())
        state[raw.name] = current
        if before is None or before.sha256 != current.sha256:
            changed.append(raw.name)
    return Arrivals(tuple(sorted(changed)), state, tuple(sorted(settling)))


def encode_cursor(seen: dict[str, Seen]) -> str:
    return json.dumps({name: list(entry) for name, entry in sorted(seen.items())})


def decode_cursor(cursor: str | None) -> dict[str, Seen] | None:
    """The state kept in the sensor's cursor; None for no cursor (or one of an older form,
    which is then seeded again from the published marts)."""
    if not cursor:
        return None
    try:
        loaded = json.loads(cursor)
        return {str(name): Seen(int(size), int(modified), str(sha))
                for name, (size, modified, sha) in loaded.items()}
    except (ValueError, TypeError, AttributeError):
        return None
