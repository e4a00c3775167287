"""Screenshots of the managers' report and of the Dagster lineage page (`make screenshots`),
and the report's pages printed to PDF.

Renders `data/marts/report/rapport.html` (the region, a province, a commune, the data
quality page) and the lineage of the layers in the Dagster UI with headless Chromium,
into `docs/*.png` for the README and the guides, and prints the region, the province and
the commune (its factsheet) to `docs/*.pdf` as a manager's browser prints them (A4, the
report's print stylesheet). Needs Chromium (`apt-get install -y chromium`) and the
published marts of `make run`. Not part of `make test`: it starts a browser and a web
server, and the pictures are for people to look at (`tests/integration/test_report_print.py`
prints the test fixture's report with `print_to_pdf` and checks the PDFs).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.report import REPORT_DIR_NAME, REPORT_FILE_NAME
from citizen_metrics.settings import REPO_ROOT, Settings

DOCS = REPO_ROOT / "docs"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Chromium's (or Chrome's) executable on the PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def chromium() -> str:
    if found := find_chromium():
        return found
    raise SystemExit("Chromium not found: apt-get install -y chromium")


def screenshot(url: str, target: Path, width: int, height: int) -> None:
    """One viewport-sized PNG of `url`, in a throw-away browser profile."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--window-size={width},{height}", "--virtual-time-budget=15000",
             f"--screenshot={target}", url],
            check=True, timeout=180, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    print(f"{target.relative_to(REPO_ROOT)}  ({url})")


def print_to_pdf(url: str, target: Path) -> None:
    """`url` printed to a PDF as a browser prints it: the page's own paper size and margins
    (`@page`), its print stylesheet, no header or footer of the browser's. The report draws
    its charts on loading and again at the paper's width before printing (`beforeprint`,
    which headless Chromium sends too); the virtual time lets it finish first."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             "--virtual-time-budget=15000", "--no-pdf-header-footer",
             f"--print-to-pdf={target}", url],
            check=True, timeout=180, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )


def example_geographies(database: Path) -> tuple[str, str]:
    """The province with the most respondents, and its programme commune with the most."""
    with open_database(database) as con:
        province, commune = con.execute(
            """
            with respondents as (
                select geography_level, geography_code, max(n_respondents) as n
                from mart_survey_indicators where breakdown = 'total' group by all
            )
            select p.geography_code, (
                select c.geography_code from respondents c
                join label_geographies g using (geography_level, geography_code)
                where c.geography_level = 'commune' and g.in_programme
                  and g.province_code = p.geography_code
                order by c.n desc limit 1)
            from respondents p where p.geography_level = 'province'
            order by p.n desc limit 1
            """
        ).fetchone()
    return province, commune


def report_screenshots(settings: Settings) -> None:
    report = settings.marts_dir / REPORT_DIR_NAME / REPORT_FILE_NAME
    if not report.exists():
        raise SystemExit(f"no report at {report}: run `make run` first")
    province, commune = example_geographies(settings.marts_database)
    url = report.resolve().as_uri()
    screenshot(f"{url}#g-05", DOCS / "report-region.png", 1400, 2000)
    screenshot(f"{url}#g-{province}", DOCS / "report-province.png", 1400, 1500)
    screenshot(f"{url}#g-{commune}", DOCS / "report-commune.png", 1400, 2500)
    screenshot(f"{url}#qualite", DOCS / "report-quality.png", 1400, 1500)
    for anchor, name in (("05", "region"), (province, "province"), (commune, "commune")):
        target = DOCS / f"report-{name}.pdf"
        print_to_pdf(f"{url}#g-{anchor}", target)
        print(f"{target.relative_to(REPO_ROOT)}  ({url}#g-{anchor})")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def lineage_screenshot() -> None:
    """Start the Dagster web server on a free local port, take the global lineage (one box
    per layer: reference, staging, intermediate, marts, labels, quality, publication; a box
    opens on its tables), and stop the server."""
    port = _free_port()
    webserver = Path(sys.executable).with_name("dagster-webserver")
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    environment.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))
    server = subprocess.Popen(
        [str(webserver), "-m", "citizen_metrics.defs.definitions", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=REPO_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, stopped as a whole below
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the Dagster web server did not start") from None
                time.sleep(1)
        # The UI greets a first visit on localhost with a newsletter dialog that would
        # cover the graph; this marks it as seen in the local Dagster instance.
        _graphql(port, "mutation { setNuxSeen }")
        screenshot(f"http://127.0.0.1:{port}/asset-groups", DOCS / "dagster-lineage.png",
                   1800, 1000)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    report_screenshots(Settings.from_env())
    lineage_screenshot()
    return 0


if __name__ == "__main__":
    sys.exit(main())
