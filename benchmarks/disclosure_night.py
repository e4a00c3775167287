"""Disclosure control in full on a saved warehouse, alone: the protected marts rebuilt and
protected as the night builds them, then audited as the blocking check does.

    python -m benchmarks.disclosure_night data/work/warehouse.duckdb

The warehouse is copied into a scratch folder first (the original is never written). Prints
one JSON line: seconds per protected mart and for the audit, whether the audit passed, the
process's CPU time (steadier than wall time on a shared machine), peak memory, and the
figures withheld among the region's, the provinces' and the communes' totals and single
dimensions resting on enough people (the `unknown` groups aside) and the equity gaps whose
two groups do, by level: what docs/performance.md compares before and after a change to
the search, under the same conditions.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.disclosure_sample import PROTECTED, timed_audit
from citizen_metrics.build.runner import SqlContext, run_sql
from citizen_metrics.settings import FULL_DISCLOSURE, Settings
from citizen_metrics.tables.fields import GAP_DIMENSIONS
from citizen_metrics.tables.marts import (
    MART_EQUITY_GAPS,
    MART_SURVEY_INDICATORS,
)


def headline_losses(con: duckdb.DuckDBPyConnection, threshold: int) -> dict[str, list[int]]:
    """[withheld, figures] of satisfaction figures by level and estimate type: totals and
    the four dimensions (the survey round and the commune type aside: issue 17's headline
    figures) resting on at least `threshold` ratings,
    `unknown` groups aside; and of the equity gaps whose two groups reach it, by level."""
    rows = con.execute(f"""
        select geography_level || ' ' || estimate_type, count(*) filter (suppressed),
               count(*)
        from {MART_SURVEY_INDICATORS.name}
        where n_rated >= ? and list_contains(?, breakdown)
          and group_key not like '%unknown%'
        group by 1 order by 1
    """, [threshold, ["total", *GAP_DIMENSIONS]]).fetchall()
    gaps = con.execute(f"""
        select geography_level || ' gaps', count(*) filter (suppressed), count(*)
        from {MART_EQUITY_GAPS.name} where n_a >= ? and n_b >= ? group by 1 order by 1
    """, [threshold, threshold]).fetchall()
    return {str(key): [int(withheld), int(figures)] for key, withheld, figures in rows + gaps}


def main(warehouse: Path) -> None:
    settings = Settings.from_env()
    if settings.disclosure_control != FULL_DISCLOSURE:
        settings = dataclasses.replace(settings, disclosure_control=FULL_DISCLOSURE)
    context = SqlContext.build(settings)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "warehouse.duckdb"
        shutil.copyfile(warehouse, copy)
        con = duckdb.connect(str(copy))
        con.execute("set TimeZone = 'UTC'")
        seconds: dict[str, float] = {}
        suppressed: dict[str, dict[str, int]] = {}
        for name in (*PROTECTED, MART_EQUITY_GAPS.name):
            started = time.perf_counter()
            suppressed[name] = run_sql(con, name, context)
            seconds[name] = round(time.perf_counter() - started, 2)
        report, seconds["audit"] = timed_audit(con, context)
        losses = headline_losses(con, settings.suppression_threshold)
        con.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "seconds": seconds,
        "disclosure_and_audit": round(sum(v for k, v in seconds.items()
                                          if k != MART_EQUITY_GAPS.name), 2),
        "audit_passed": report.passed, "suppressed": suppressed, "withheld": losses,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
