"""Open the published marts for reading: `open_marts()` in notebooks, the report, scripts.

The nightly run never writes into what readers open: it builds tonight's database, exports
and report in a folder of their own and publishes them together by swapping the link
`current` (`citizen_metrics.publish.release`); `citizen_metrics.duckdb` of the marts folder is
a link through it. A connection keeps reading the file it opened, so a long-lived connection
(a notebook left open since yesterday, a dashboard) keeps seeing yesterday's figures after
the swap; open a new one (call `open_marts()` again) to see tonight's.

Why not `duckdb.connect(path, read_only=True)`: DuckDB keeps one database instance per
path and process, so while any connection to the old file is still open, connecting again
to the same path returns the old file. `open_marts()` attaches the file to a fresh
in-memory database instead, which always opens the file currently at that path.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from citizen_metrics.settings import Settings

SCHEMA = "marts"


def marts_path(marts_dir: Path | str | None = None) -> Path:
    """The published database: `PIPELINE_MARTS_DIR` (default `data/marts`), or `marts_dir`."""
    settings = Settings.from_env()
    folder = Path(marts_dir) if marts_dir is not None else settings.marts_dir
    return folder / settings.marts_database.name


def open_marts(marts_dir: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A new read-only connection to the current published marts (tables by their bare
    names: `select * from mart_survey_indicators`). Close it when done (`with open_marts()
    as con:`), or at least open a new one after a nightly run."""
    return open_database(marts_path(marts_dir))


def open_database(path: Path) -> duckdb.DuckDBPyConnection:
    """A new read-only connection to the marts database file at `path` (see the module's
    docstring for why it is attached to a fresh in-memory database)."""
    if not path.exists():
        raise FileNotFoundError(f"no published marts at {path}: run `make run` first")
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        # The file the links point to now: the whole connection reads one publication.
        escaped = str(path.resolve()).replace("'", "''")
        con.execute(f"attach '{escaped}' as {SCHEMA} (read_only)")
        con.execute(f"use {SCHEMA}")
    except Exception:
        con.close()
        raise
    return con
