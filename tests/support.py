"""Helpers the tests share (the fixtures themselves are in the conftest.py files).

The tests are in three folders:
  unit/         fast, run at every change (`make check`): no materialisation of the whole
                graph, no night in a child process, no PostgreSQL;
  integration/  the whole graph materialized on the committed fixture, nights, recovery,
                incremental runs, notebooks, the report and workbook, property tests;
  deploy/       the deployment on a throwaway PostgreSQL server (deploy/postgres.py).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from citizen_metrics.ingest.reference_lists import Reference

FIXTURES = Path(__file__).resolve().parent / "fixtures"
E2E_FILES = [  # in the order they "arrived" (modification times), oldest first
    "kobo_export_2022-03.csv",
    "registre_EXP01_2022-03.xlsx",
    "kobo_export_2022-04.csv",
    "kobo_labels_fr.csv",
    "registre_EXP01_2022-04.xlsx",
    "empty.csv",
    "header_only.csv",
]


# --- raw folders and runs -------------------------------------------------------------------


def copy_raw_files(names: list[str], source: Path, raw_dir: Path, first: int = 0) -> None:
    """Copy fixture files with increasing modification times (the arrival order), the
    first one `first` minutes after 2022-05-01."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names, start=first):
        target = raw_dir / name
        shutil.copyfile(source / name, target)
        stamp = 1_651_363_200 + 60 * index  # 2022-05-01, one minute apart
        os.utime(target, (stamp, stamp))


def materialize_all(root: Path, raise_on_error: bool = True,
                    **overrides: object) -> dg.ExecuteInProcessResult:
    """Materialize every asset and check of the project in-process on `root/raw` (into
    `root/marts`, `root/work`)."""
    from citizen_metrics.defs.definitions import ASSETS, CHECKS
    from citizen_metrics.defs.resources import WarehouseResource

    resource = WarehouseResource(
        raw_dir=str(root / "raw"),
        marts_dir=str(root / "marts"),
        work_dir=str(root / "work"),
        **overrides,
    )
    return dg.materialize(
        [*ASSETS, *CHECKS], resources={"warehouse": resource}, raise_on_error=raise_on_error
    )


# The marts built from the warehouse, in order (the gaps read the indicators, the targets
# the participation), after the sums they are computed from.
MART_SQL = ("int_survey_rollup", "mart_survey_indicators", "mart_survey_options",
            "mart_participation", "mart_equity_gaps", "mart_targets")


def ingest(raw_dir: Path):
    """Read, stage, resolve and summarise `raw_dir` without Dagster (fast; for many runs).

    The same steps the assets run, in the order what they read requires, on an in-memory
    warehouse; returns the connection with `quality_file_summary` and `quality_quarantine`.
    """
    import duckdb

    from citizen_metrics.build.runner import SqlContext
    from citizen_metrics.build.steps import build_upstream
    from citizen_metrics.settings import Settings

    context = SqlContext.build(Settings.from_env(raw_dir=raw_dir))
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    build_upstream(con, context, ["quality_file_summary", "quality_quarantine"])
    return con


def build(con, *names: str):
    """Build the tables `names` (intermediate tables, marts) on a warehouse `ingest` filled,
    with what they need that is not there yet, as the assets do."""
    from citizen_metrics.build.runner import SqlContext
    from citizen_metrics.build.steps import build_upstream
    from citizen_metrics.settings import Settings

    context = SqlContext.build(Settings.from_env())
    present = [name for (name,) in con.execute(
        "select table_name from information_schema.tables").fetchall()]
    build_upstream(con, context, names, present=present)
    return con


def run_lists():
    """The run's lists (form choices, workshop types, participant categories) the table
    declarations expand from."""
    from citizen_metrics.build.runner import SqlContext
    from citizen_metrics.settings import Settings
    from citizen_metrics.tables.lists import build_run_lists

    context = SqlContext.build(Settings.from_env())
    return build_run_lists(context.form, {"type_atelier": context.workshop_types,
                                          "categorie": context.categories})


# --- nights in child processes, as `make run` runs them ------------------------------------

KILLED = -signal.SIGKILL  # the return code of a child killed by SIGKILL


def night_env(root: Path, **extra: str) -> dict[str, str]:
    from citizen_metrics.settings import REPO_ROOT

    return {
        **os.environ,
        "DAGSTER_HOME": str(root / "home"),
        "PIPELINE_RAW_DIR": str(root / "raw"),
        "PIPELINE_MARTS_DIR": str(root / "marts"),
        "PIPELINE_WORK_DIR": str(root / "work"),
        "PIPELINE_DISCLOSURE_WORKERS": "1",
        "PYTHONPATH": str(REPO_ROOT),
        **extra,
    }


# The children are forked from a server process that imported the pipeline once (a process
# without threads): each night costs its work, not the seconds of importing Dagster again.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(
    ["citizen_metrics.defs.definitions", "citizen_metrics.operations.night"])

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def drop_root_file_rights() -> None:
    """Make this process, even as root, obey file permissions (it drops the capabilities
    that let root read and write any folder), as the service's own user would."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    mask = ~((1 << CAP_DAC_OVERRIDE) | (1 << CAP_DAC_READ_SEARCH)) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _night(env: dict[str, str], output: str, obey_permissions: bool) -> None:
    """`make run`'s night, in a child: its screen is the file `output`."""
    os.environ.clear()
    os.environ.update(env)
    screen = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(screen, 1)
    os.dup2(screen, 2)
    if obey_permissions:
        drop_root_file_rights()
    from citizen_metrics.operations.night import main

    sys.exit(main())


class Night:
    """A night running in a child process; `finish()` gives its return code and screen.
    `force`: rebuild even when nothing is new (`PIPELINE_FORCE_REBUILD=1`)."""

    def __init__(self, root: Path, failpoint: str | None = None, *, force: bool = False,
                 obey_permissions: bool = False, **extra: str) -> None:
        if failpoint:
            extra["PIPELINE_FAILPOINT"] = failpoint
        if force:
            extra["PIPELINE_FORCE_REBUILD"] = "1"
        self.output = root / f"screen-{time.monotonic_ns()}.txt"
        self.process = _FORKS.Process(target=_night, args=(
            night_env(root, **extra), str(self.output), obey_permissions))
        self.process.start()

    def running(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """SIGKILL, unless it has already ended (multiprocessing never signals a process
        it has reaped, whose number may belong to another by now)."""
        self.process.kill()

    def finish(self, timeout: float = 1800) -> tuple[int, str]:
        self.process.join(timeout)
        assert self.process.exitcode is not None, "the night did not end"
        return self.process.exitcode, self.output.read_text()


def run_night(root: Path, failpoint: str | None = None, **options: Any) -> tuple[int, str]:
    return Night(root, failpoint, **options).finish()


def published_rows(marts_database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every published table's rows, sorted: what readers get, whatever run made it."""
    import duckdb

    from citizen_metrics.publish.exports import PUBLISHED_TABLES

    with duckdb.connect(str(marts_database), read_only=True) as con:
        return {table: con.execute(f"select * from {table} order by all").fetchall()
                for table in PUBLISHED_TABLES}


# --- hostile files ----------------------------------------------------------------------------


def zip_bomb(path: Path, inflated_mb: int = 20) -> None:
    """A workbook of a few kilobytes whose sheet inflates to `inflated_mb` MB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b" " * (1 << 20)
            for _ in range(inflated_mb):
                sheet.write(block)


# --- alerts: a local mail server and web server -----------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


# --- the raw-folder sensor --------------------------------------------------------------------

OLD = 1_700_000_000  # a modification time well in the past (2023-11-14)


def evaluate(root: Path, cursor: str | None) -> tuple[dg.SkipReason | dg.RunRequest, str]:
    """One evaluation of the raw-folder sensor on `root/raw` (published marts in
    `root/marts`): what it decided, and its new cursor."""
    from citizen_metrics.defs.automation import new_raw_files
    from citizen_metrics.defs.resources import WarehouseResource

    # The resource is a context manager (it holds a run's folders): the context opens it.
    with dg.build_sensor_context(cursor=cursor, resources={"warehouse": WarehouseResource(
            raw_dir=str(root / "raw"), marts_dir=str(root / "marts"))}) as context:
        result = new_raw_files(context)
        assert isinstance(result, dg.SkipReason | dg.RunRequest)
        assert context.cursor is not None
        return result, context.cursor


# --- disclosure control on responses written by hand --------------------------------------------


def communes_of(reference: Reference) -> pd.DataFrame:
    return reference.communes.to_pandas()


def build_marts(reference: Reference, responses: pd.DataFrame, threshold: int = 10,
                *marts: str) -> duckdb.DuckDBPyConnection:
    """Run the real mart SQL (and disclosure control) on `responses` (one row each)."""
    import dataclasses

    import duckdb
    import numpy as np
    import pandas as pd

    from citizen_metrics.build.runner import SqlContext, run_sql
    from citizen_metrics.settings import Settings

    settings = dataclasses.replace(Settings.from_env(), suppression_threshold=threshold)
    context = SqlContext.build(settings)
    con = duckdb.connect()
    reference.write(con)
    run_sql(con, "ref_geography", context)
    frame = responses.copy()
    communes = communes_of(reference).set_index("commune_code")
    frame["province_code"] = frame["commune_code"].map(communes["province_code"])
    frame["commune_type"] = frame["commune_code"].map(communes["commune_type"])
    population = frame["commune_code"].map(communes["population_2024"]).astype(float)
    frame["weight"] = population / frame.groupby("commune_code")["sex"].transform("size")
    if "survey_round" not in frame:  # all in the first round, unless the test says
        frame["survey_round"] = settings.survey_rounds[0].code
    for question in context.form.likert_questions:
        if question not in frame:
            frame[question] = pd.array([None] * len(frame), dtype="Int64")
    for service in context.form.services:
        if f"used_{service}" not in frame:
            frame[f"used_{service}"] = np.where(frame[f"sat_{service}"].isna(), None, "yes")
    for question in (*context.form.yes_no_items, *context.form.multi_select_questions):
        if question not in frame:
            frame[question] = None
    con.register("frame", frame)
    con.execute("create table int_survey_responses as select * from frame")
    run_sql(con, "int_survey_rollup", context)
    for mart in marts or ("mart_survey_indicators",):
        run_sql(con, mart, context)
    return con


def run_auditor(con: duckdb.DuckDBPyConnection, reference: Reference):
    from citizen_metrics.disclosure.attacker.auditor import PublicReference, audit
    from citizen_metrics.disclosure.figures import SURVEY_INDICATORS

    public = PublicReference.from_frame(communes_of(reference))
    return audit(con, [SURVEY_INDICATORS], public, threshold=10, width=0.2)


# --- pages that must open offline ------------------------------------------------------------

# Attributes by which a browser fetches something (a plain hyperlink, `<a href>`, is not one).
_FETCHING_ATTRIBUTES = ("src", "href", "data", "srcset", "poster", "action", "background")


def external_resources(html: str) -> list[str]:
    """Everything an HTML page would fetch from the network on opening: a script, link
    (stylesheet, font, icon…), image, frame or object from an `http(s)://` or `//` address, a
    stylesheet's `@import` or `url(http…)`, a script's dynamic `import("http…")`. Text that
    merely mentions an address (a hyperlink, a licence in a library's comments) is not."""
    import re

    from bs4 import BeautifulSoup

    remote = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
    soup = BeautifulSoup(html, "html.parser")
    found = [f"<{tag.name} {attribute}={tag[attribute]}>"
             for tag in soup.find_all(True) if tag.name != "a"
             for attribute in _FETCHING_ATTRIBUTES
             if isinstance(tag.get(attribute), str) and remote.match(tag[attribute])]
    for style in soup.find_all("style"):
        found += re.findall(r"@import[^;]*|url\(\s*['\"]?(?:https?:)?//[^)]*\)", style.text)
    for script in soup.find_all("script"):
        found += re.findall(r"import\(\s*['\"](?:https?:)?//[^'\"]*", script.text)
    return found
