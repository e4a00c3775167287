"""Benchmark: generate N survey responses in the export shapes, run the whole pipeline, and
compare it with the honest floor (`benchmarks/floor.py`) on the same files.

    make bench                              # N = 8,350
    make bench BENCH_ARGS="--responses 1000000"

Prints wall time per asset, rows per second and peak memory of the pipeline, the floor's time
and memory, and the ratio of the two (with and without the exports, which the floor does not
write). Each measurement runs in its own process so peak memories are separate; the floor
runs first, so that both read the files from the same (warm) page cache. Measurements, not
tests: this machine is shared and noisy, so nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipeline.marts_access import open_database
from pipeline.settings import REPO_ROOT
from pipeline.workbook import write_workbook
from tools.demo_data import generate_demo_data


def run_child(module: str, root: Path) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
                   "PIPELINE_SALT": os.environ.get("PIPELINE_SALT", "benchmark-salt")}
    completed = subprocess.run(
        [sys.executable, "-m", module, str(root)], capture_output=True, text=True,
        cwd=REPO_ROOT, env=environment, check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{module} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=8350)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--root", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument("--reuse", action="store_true", help="keep already generated files")
    args = parser.parse_args()

    root: Path = args.root / f"n{args.responses}"
    if not (args.reuse and (root / "raw").exists()):
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        summary = generate_demo_data(root / "raw", seed=args.seed, n_responses=args.responses)
        print(f"generated {summary.submissions:,} submissions in {len(summary.files)} files in "
              f"{time.perf_counter() - started:.1f} s")
    shutil.rmtree(root / "marts", ignore_errors=True)
    shutil.rmtree(root / "work", ignore_errors=True)
    raw_bytes = sum(p.stat().st_size for p in (root / "raw").rglob("*") if p.is_file())

    floor = run_child("benchmarks.floor", root)
    pipeline = run_child("benchmarks.materialize", root)
    with duckdb.connect(str(root / "marts" / "citizen_metrics.duckdb"), read_only=True) as con:
        rows_read, accepted = con.execute(
            "select sum(rows_read), sum(accepted) from quality_file_summary "
            "where file_kind = 'survey_export'"
        ).fetchone()

    print(f"\nraw files: {raw_bytes / 1e6:,.1f} MB; survey rows read: {rows_read:,}; "
          f"accepted responses: {accepted:,}")
    print(f"\n{'step':<58}{'seconds':>9}")
    for step, seconds in sorted(pipeline["steps"].items(), key=lambda item: -item[1]):
        print(f"{step:<58}{seconds:>9.2f}")
    wall = pipeline["wall_seconds"]
    export_seconds = pipeline["steps"].get("mart_exports", 0.0)
    report_seconds = pipeline["steps"].get("manager_report", 0.0)
    exports = export_seconds + report_seconds
    print(f"\nexports and report: {exports:.2f} s (Parquet, CSV and workbook "
          f"{export_seconds:.2f} s; managers' report {report_seconds:.2f} s)")
    with tempfile.TemporaryDirectory() as scratch, open_database(
        root / "marts" / "citizen_metrics.duckdb"
    ) as con:
        started = time.perf_counter()
        sheets = write_workbook(con, Path(scratch) / "book.xlsx")
        print(f"workbook alone: {time.perf_counter() - started:.2f} s, "
              f"{sum(sheets.values()):,} rows in {len(sheets)} sheets, "
              f"longest sheet {max(sheets.values()):,} rows")
    audit_seconds = pipeline["steps"].get("mart_equity_gaps_disclosure_audit", 0.0)
    marts = {step: seconds for step, seconds in pipeline["steps"].items()
             if step in ("mart_survey_indicators", "mart_survey_options", "mart_participation")}
    print(f"disclosure control: the three protected marts with their patterns "
          f"{sum(marts.values()):.2f} s ("
          + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in sorted(marts.items()))
          + f"); the attacker's audit before publication {audit_seconds:.2f} s")
    print(f"pipeline: {wall:.1f} s wall ({wall - exports:.1f} s without the exports and "
          f"report), {rows_read / wall:,.0f} survey rows/s, "
          f"peak memory {pipeline['peak_rss_mb']:,.0f} MB")
    print(f"floor:    {floor['wall_seconds']:.1f} s wall ({floor['read_seconds']:.1f} s reading "
          f"{floor['rows_read']:,} rows of every export shape), peak memory "
          f"{floor['peak_rss_mb']:,.0f} MB; {floor['responses']:,} latest consenting responses")
    print(f"ratio pipeline / floor: {wall / floor['wall_seconds']:.1f}x "
          f"({(wall - exports) / floor['wall_seconds']:.1f}x without the exports and report)")


if __name__ == "__main__":
    main()
