"""Benchmark: generate N survey responses in the export shapes, run the whole pipeline, and
compare it with the honest floor (`benchmarks/floor.py`) on the same files.

    make bench                              # N = 8,350
    make bench BENCH_ARGS="--responses 1000000"

Prints wall time per asset, rows per second and peak memory of the pipeline, the floor's time
and memory, and the ratio of the two (with and without the exports, which the floor does not
write). Each measurement runs in its own process so peak memories are separate; the floor
runs first, so that both read the files from the same (warm) page cache. Measurements, not
tests: this machine is shared and noisy, so nothing here asserts a time.

Then three more nights on the same warehouse, as a server lives them: nothing new (no file
read), the newest cumulative export removed (its rows leave staging), and the same export
arriving again (one new monthly export: that file alone is read); the last night's published
tables are compared with the first night's, which read every file.

    make bench BENCH_ARGS="--responses 10000000 --national --disclosure primary_only --no-floor"

runs at national scale: 1,503 communes of a SYNTHETIC national reference
(`benchmarks/national.py`), with disclosure control limited to primary suppression and
without the audit (both would not finish at that size: see docs/scaling.md), which
`--disclosure-sample` measures apart on a few provinces.
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

from benchmarks.national import write_national_reference
from citizen_metrics.build.warehouse import one_row
from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.workbook import write_workbook
from citizen_metrics.settings import FULL_DISCLOSURE, PRIMARY_ONLY_DISCLOSURE, REPO_ROOT
from tools.demo_data import generate_demo_data


def run_child(module: str, root: Path, *arguments: str,
              environment_extra: dict[str, str] | None = None) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT),
                   "PIPELINE_SALT": os.environ.get("PIPELINE_SALT", "benchmark-salt"),
                   **(environment_extra or {})}
    completed = subprocess.run(
        [sys.executable, "-m", module, str(root), *arguments], capture_output=True, text=True,
        cwd=REPO_ROOT, env=environment, check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{module} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def staged_now(run: dict) -> tuple[int, int]:
    """Files and rows read by a night (survey exports and registers)."""
    staging = run["staging"].values()
    return (sum(step["files_new_or_changed"] for step in staging),
            sum(step["rows_read_now"] for step in staging))


def published_tables(path: Path) -> dict[str, list[tuple]]:
    with open_database(path) as con:
        names = [name for (name,) in con.execute(
            "select table_name from duckdb_tables() order by all").fetchall()]
        return {name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
                for name in names}


def newest_export(raw: Path) -> Path:
    """The latest cumulative Kobo CSV export: what a new month brings."""
    return max(raw.glob("kobo_citizen_survey_20*.csv"), key=lambda path: path.name)


def incremental_nights(root: Path, full: dict, child_arguments: list[str]) -> None:
    """Nothing new, the newest export removed, then arriving again; figures compared."""
    first_marts = root / "first_night.duckdb"
    shutil.copyfile(root / "marts" / "citizen_metrics.duckdb", first_marts)
    export = newest_export(root / "raw")
    held = root / export.name
    nights = [("full: every file read", full)]
    nights.append(("nothing new", run_child("benchmarks.materialize", root, *child_arguments)))
    os.replace(export, held)  # a rename keeps the file's modification time
    # Removing a cumulative export drops far more responses than the guard allows
    # (`citizen_metrics.operations.guard`): the operator says it is meant, as a real server's would.
    nights.append((f"{export.name} removed, PIPELINE_REBASELINE=1",
                   run_child("benchmarks.materialize", root, *child_arguments,
                             environment_extra={"PIPELINE_REBASELINE": "1"})))
    os.replace(held, export)
    nights.append((f"one new export ({export.stat().st_size / 1e6:,.0f} MB)",
                   run_child("benchmarks.materialize", root, *child_arguments)))
    print(f"\n{'night':<62}{'wall s':>8}{'staging s':>11}{'files read':>12}"
          f"{'rows read':>12}{'peak MB':>9}")
    for name, run in nights:
        files, rows = staged_now(run)
        staging = sum(run["steps"].get(step, 0.0) for step in
                      ("stg_raw_files", "stage_survey_exports", "stage_workshop_registers"))
        print(f"{name:<62}{run['wall_seconds']:>8.1f}{staging:>11.2f}{files:>12,}"
              f"{rows:>12,}{run['peak_rss_mb']:>9,.0f}")
    first, last = (published_tables(first_marts),
                   published_tables(root / "marts" / "citizen_metrics.duckdb"))
    differing = sorted(name for name in first.keys() | last.keys()
                       if first.get(name) != last.get(name))
    print("published tables after the last night identical to the first night's: "
          + ("yes" if not differing else f"NO, they differ in {', '.join(differing)}"))
    first_marts.unlink()


def print_information_loss(con: duckdb.DuckDBPyConnection) -> None:
    """What disclosure control withholds (`quality_disclosure`): per kind of figure, level
    and estimate type, for the total and the single dimensions then for the pairs, the
    figures withheld of those resting on at least the threshold."""
    rows = con.execute("""
        select figure, geography_level, estimate_type,
               breakdown like '%,%' as pairs,
               sum(figures_enough) as enough,
               sum(figures_enough) filter (fate not in ('published', 'primary',
                                                        'commune_pair', 'weighted_pair'))
                   as spent,
               sum(figures) filter (fate in ('commune_pair', 'weighted_pair')) as by_design
        from quality_disclosure
        group by all
        order by figure, case geography_level when 'region' then 1
                              when 'province' then 2 else 3 end, estimate_type, pairs
    """).fetchall()
    print("\ninformation loss: figures resting on at least the threshold withheld to "
          "protect others (total and single dimensions | pairs)")
    print(f"{'figure':<14}{'level':<10}{'estimate':<12}{'single':>18}{'pairs':>18}")
    table: dict[tuple[str, str, str], dict[bool, tuple[int, int]]] = {}
    for figure, level, kind, pairs, enough, spent, _ in rows:
        table.setdefault((figure, level, kind), {})[pairs] = (int(spent or 0), int(enough or 0))
    for (figure, level, kind), parts in table.items():
        cells = [f"{parts[p][0]:,} of {parts[p][1]:,}" if p in parts else "-"
                 for p in (False, True)]
        print(f"{figure:<14}{level:<10}{kind:<12}{cells[0]:>18}{cells[1]:>18}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=8350)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--root", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument("--reuse", action="store_true", help="keep already generated files")
    parser.add_argument("--national", action="store_true",
                        help="1,503 communes of a synthetic national reference")
    parser.add_argument("--disclosure", choices=(FULL_DISCLOSURE, PRIMARY_ONLY_DISCLOSURE),
                        default=FULL_DISCLOSURE,
                        help="primary_only: no complementary suppression, no audit")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor")
    parser.add_argument("--no-nights", action="store_true",
                        help="skip the incremental nights")
    parser.add_argument("--disclosure-sample", default="",
                        help="comma-separated numbers of provinces: disclosure control in "
                             "full measured on the first K provinces of the run")
    args = parser.parse_args()

    root: Path = args.root / f"{'national_' if args.national else ''}n{args.responses}"
    if args.national:
        reference = write_national_reference(root / "reference")
        os.environ["PIPELINE_REFERENCE_DIR"] = str(reference)
    os.environ["PIPELINE_DISCLOSURE_CONTROL"] = args.disclosure
    child_arguments = ["--skip-audit"] if args.disclosure != FULL_DISCLOSURE else []
    if not (args.reuse and (root / "raw").exists()):
        shutil.rmtree(root / "raw", ignore_errors=True)
        started = time.perf_counter()
        summary = generate_demo_data(root / "raw", seed=args.seed, n_responses=args.responses)
        print(f"generated {summary.submissions:,} submissions in {len(summary.files)} files in "
              f"{time.perf_counter() - started:.1f} s")
    shutil.rmtree(root / "marts", ignore_errors=True)
    shutil.rmtree(root / "work", ignore_errors=True)
    raw_bytes = sum(p.stat().st_size for p in (root / "raw").rglob("*") if p.is_file())

    floor = None if args.no_floor else run_child("benchmarks.floor", root)
    pipeline = run_child("benchmarks.materialize", root, *child_arguments)
    with duckdb.connect(str(root / "marts" / "citizen_metrics.duckdb"), read_only=True) as con:
        rows_read, accepted, communes = one_row(
            con,
            "select sum(rows_read), sum(accepted), "
            "(select count(*) from label_geographies where geography_level = 'commune') "
            "from quality_file_summary where file_kind = 'survey_export'",
        )

    print(f"\nraw files: {raw_bytes / 1e6:,.1f} MB; survey rows read: {rows_read:,}; "
          f"accepted responses: {accepted:,}; communes in the reference: {communes:,}; "
          f"disclosure control: {args.disclosure}")
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
          f"peak memory {pipeline['peak_rss_mb']:,.0f} MB (child processes "
          f"{pipeline['peak_rss_children_mb']:,.0f} MB)")
    if floor is not None:
        print(f"floor:    {floor['wall_seconds']:.1f} s wall ({floor['read_seconds']:.1f} s "
              f"reading {floor['rows_read']:,} rows of every export shape), peak memory "
              f"{floor['peak_rss_mb']:,.0f} MB; {floor['responses']:,} latest consenting "
              f"responses")
        # Disclosure control has no counterpart in the floor (nor anything cheaper that
        # would publish the same tables): the ratio is also printed without it.
        protection = sum(marts.values()) + audit_seconds
        print(f"ratio pipeline / floor: {wall / floor['wall_seconds']:.1f}x "
              f"({(wall - exports) / floor['wall_seconds']:.1f}x without the exports and "
              f"report; {(wall - exports - protection) / floor['wall_seconds']:.1f}x without "
              f"them and the protected marts' steps and audit, {protection:.1f} s)")
    with open_database(root / "marts" / "citizen_metrics.duckdb") as con:
        print_information_loss(con)
    if not args.no_nights:
        incremental_nights(root, pipeline, child_arguments)
    for provinces in filter(None, args.disclosure_sample.split(",")):
        sample = run_child("benchmarks.disclosure_sample", root, provinces.strip())
        print(f"\ndisclosure control in full on {sample['provinces']} provinces "
              f"({sample['communes']:,} communes, {sample['responses']:,} responses): "
              + ", ".join(f"{step} {seconds:.1f} s"
                          for step, seconds in sample["seconds"].items())
              + f"; audit passed: {sample['audit_passed']}; rows {sample['rows']}; "
              f"peak memory {sample['peak_rss_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
