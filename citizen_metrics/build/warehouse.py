"""The private working warehouse (DuckDB) and how tables get into it.

Staging and intermediate tables live in `data/work/warehouse.duckdb`: they hold
pseudonymised row-level data and never leave the machine. Only the marts are published
(`citizen_metrics.publish.exports`). Connections are short-lived: open, write, close, because DuckDB
lets one process write a file at a time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from citizen_metrics.ingest.pseudonymise import private_folder
from citizen_metrics.operations.plain_words import DAMAGED_DATABASE


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection in UTC (naive timestamps in exports are UTC), closed on exit.

    The warehouse's writers cap DuckDB's memory (`memory_limit`, the settings'
    `PIPELINE_DUCKDB_MEMORY_LIMIT`): past it, large sorts and aggregations spill to disk
    beside the database instead of taking the machine's memory, which the Python side of the
    run needs too.

    A database opened for writing is private: its folder is open to its owner only (0700)
    and the file readable by its owner only (0600), since the warehouse holds pseudonymised
    rows.
    """
    if not read_only:
        private_folder(path.parent)
    if read_only or path.exists():
        con = duckdb.connect(str(path), read_only=read_only)
    else:
        # A new warehouse is created readable by its owner only from its first byte (the
        # process's file-creation mask, for the moment DuckDB creates the file).
        previous = os.umask(0o077)
        try:
            con = duckdb.connect(str(path))
        finally:
            os.umask(previous)
    if not read_only:
        for file in (path, path.with_name(path.name + ".wal")):
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        if memory_limit is not None:
            con.execute(f"set memory_limit = '{memory_limit}'")
        yield con
    finally:
        con.close()


def _with_frame(con: duckdb.DuckDBPyConnection, statement: str, data: pa.Table) -> None:
    """Run `statement`, which reads `incoming_frame`, with `data` registered under that name
    (DuckDB scans Arrow tables in place, without a copy)."""
    con.register("incoming_frame", data)
    try:
        con.execute(statement)
    except BaseException:
        # In a transaction the failed statement aborted, unregistering fails too: the
        # statement's own error is the one to report.
        with contextlib.suppress(duckdb.Error):
            con.unregister("incoming_frame")
        raise
    con.unregister("incoming_frame")


def replace_table(
    con: duckdb.DuckDBPyConnection, name: str, data: pa.Table, select: str = "*"
) -> None:
    """Create or replace table `name` from an Arrow table."""
    _with_frame(con, f"create or replace table {name} as select {select} from incoming_frame",
                data)


def insert_into(
    con: duckdb.DuckDBPyConnection, name: str, data: pa.Table, select: str = "*"
) -> None:
    """Append an Arrow table to table `name`."""
    _with_frame(con, f"insert into {name} select {select} from incoming_frame", data)


def one_row(
    con: duckdb.DuckDBPyConnection, query: str, parameters: list[object] | None = None
) -> tuple[Any, ...]:
    """The single row of a query that always returns one (an aggregate): a query that
    returns none is a bug, said so here rather than as a `None` indexed later."""
    rows = con.execute(query, parameters or []).fetchall()  # fetched whole: none pending
    if len(rows) != 1:
        raise LookupError(f"expected one row from: {query}, got {len(rows)}")
    return tuple(rows[0])


def scalar(
    con: duckdb.DuckDBPyConnection, query: str, parameters: list[object] | None = None
) -> Any:
    """The single value of a query that returns one row of one column."""
    return one_row(con, query, parameters)[0]


DAMAGED_FOLDER = "damaged"
DAMAGED_KEPT = 2


def damage(path: Path) -> str | None:
    """Why the warehouse at `path` cannot be trusted, or None when it can (or is absent).

    Every table is read whole (every row hashed), so that a block overwritten anywhere
    trips its checksum now, before the night writes on top of it. Errors that are not
    damage (the file held by another program, a missing right) are raised as they are."""
    if not path.exists():
        return None
    try:
        with connect(path, read_only=True) as con:
            tables = [name for (name,) in con.execute(
                "select table_name from duckdb_tables() where not internal").fetchall()]
            for table in tables:
                con.execute(f'select sum(hash(t)) from "{table}" t').fetchall()
    except duckdb.Error as error:
        if DAMAGED_DATABASE.search(str(error)):
            return str(error)
        raise
    return None


def set_aside(path: Path, *, now: str, kept: int = DAMAGED_KEPT) -> Path:
    """Move a damaged warehouse (and its write-ahead log) into `damaged/` beside it, named
    by `now`, for a post-mortem; only the `kept` most recent are kept. The night then starts
    from an empty warehouse and reads every raw file again, as a first night does."""
    folder = private_folder(path.parent / DAMAGED_FOLDER)
    target = folder / f"{path.stem}-{now}{path.suffix}"
    path.replace(target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.replace(target.with_name(target.name + ".wal"))
    kept_copies = sorted(folder.glob(f"{path.stem}-*{path.suffix}"), reverse=True)
    for old in kept_copies[kept:]:
        for file in (old, old.with_name(old.name + ".wal")):
            file.unlink(missing_ok=True)
    return target
