"""Disclosure control in full, measured on the first K provinces of a national run.

    python -m benchmarks.disclosure_sample data/bench/national_n10000000 5

At national scale the pipeline runs with `PIPELINE_DISCLOSURE_CONTROL=primary_only`
(docs/scaling.md): the search for complementary figures and the audit would not finish.
This measures what they cost as the map grows: from the national run's private warehouse,
the validated responses, workshops and attendances of the communes of the first K provinces
(by code) are copied into a scratch warehouse, and the protected marts are built there as
the pipeline builds them, disclosure control in full, then audited as the blocking check
does. Prints one JSON line: communes, cells, seconds per mart and for the audit, peak memory.
Run by `benchmarks/benchmark.py --disclosure-sample`, one child process per K.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from citizen_metrics.build.runner import SqlContext, run_sql
from citizen_metrics.build.warehouse import scalar
from citizen_metrics.disclosure.attacker.auditor import AuditReport
from citizen_metrics.disclosure.figures import PROTECTED_TABLES
from citizen_metrics.settings import FULL_DISCLOSURE, Settings
from citizen_metrics.tables.intermediate import INT_SURVEY_ROLLUP

PROTECTED = tuple(table.name for table in PROTECTED_TABLES)
COPIED = {  # table -> how its rows are tied to a commune
    "ref_communes": "commune_code", "ref_provinces": "province_code",
    "int_survey_responses": "commune_code", "int_workshops": "commune_code",
    "int_attendances": "commune_code",
}


def timed_audit(con: duckdb.DuckDBPyConnection, context: SqlContext
                ) -> tuple[AuditReport, float]:
    """The blocking audit of the protected marts on `con` (`SqlContext.audit`), and its
    seconds."""
    started = time.perf_counter()
    report = context.audit(con)
    return report, round(time.perf_counter() - started, 2)


def main(root: Path, provinces: int) -> None:
    settings = Settings.from_env()
    if settings.disclosure_control != FULL_DISCLOSURE:
        settings = dataclasses.replace(settings, disclosure_control=FULL_DISCLOSURE)
    context = SqlContext.build(settings)
    with tempfile.TemporaryDirectory() as scratch:
        con = duckdb.connect(str(Path(scratch) / "sample.duckdb"))
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        source = str(root / "work" / "warehouse.duckdb").replace("'", "''")
        con.execute(f"attach '{source}' as national (read_only)")
        kept = [code for (code,) in con.execute(
            "select province_code from national.ref_provinces order by all limit ?",
            [provinces]).fetchall()]
        communes = [code for (code,) in con.execute(
            "select commune_code from national.ref_communes "
            "where province_code in (select unnest(?))", [kept]).fetchall()]
        for table, column in COPIED.items():
            values = kept if column == "province_code" else communes
            con.execute(f"create table {table} as select * from national.{table} "
                        f"where {column} in (select unnest(?))", [values])
        con.execute("""
            create table ref_geography as select * from national.ref_geography
            where geography_level = 'region'
               or (geography_level = 'province' and geography_code in
                   (select province_code from ref_provinces))
               or (geography_level = 'commune' and geography_code in
                   (select commune_code from ref_communes))
        """)
        con.execute("detach national")
        seconds = {}
        # The survey marts read the roll-up of the sampled responses, built as the night
        # builds it (not copied: the national one sums every province).
        for name in (INT_SURVEY_ROLLUP.name, *PROTECTED, "mart_equity_gaps", "mart_targets"):
            started = time.perf_counter()
            run_sql(con, name, context)
            seconds[name] = round(time.perf_counter() - started, 2)
        cells = {name: scalar(con, f"select count(*) from {name}") for name in PROTECTED}
        report, seconds["audit"] = timed_audit(con, context)
        responses = scalar(con, "select count(*) from int_survey_responses")
        con.close()
    print(json.dumps({
        "provinces": len(kept), "communes": len(communes), "responses": responses,
        "rows": cells, "seconds": seconds, "audit_passed": report.passed,
        "peak_rss_mb": round(max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, 1),
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
