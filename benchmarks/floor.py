"""The bare floor: the least work that gives the survey marts, in one DuckDB process.

Reads the Kobo CSV exports straight with DuckDB, keeps the latest version of each
submission, counts the rule violations of INDICATORS.md §6 in one query, and computes the
satisfaction figures of every geography × breakdown in one GROUPING SETS pass over the raw
rows. No provenance, no quarantine rows, no other shapes, no publication: the floor the
pipeline is measured against (`benchmarks/benchmark.py`).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

import duckdb

from pipeline.settings import REPO_ROOT

DIMENSIONS = ("sex", "age_group", "disability", "residence")


def kobo_csv_files(raw_dir: Path) -> list[str]:
    files = []
    for path in sorted(raw_dir.glob("*.csv")):
        head = path.read_bytes()[:4096]
        if head.startswith(b"\xef\xbb\xbf") and b"location/commune" in head and b";" in head:
            files.append(str(path))
    return files


def main(root: Path) -> None:
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    files = kobo_csv_files(root / "raw")
    con.execute(
        f"""
        create table raw as
        select * from read_csv({files}, delim = ';', quote = '"', escape = '"',
                               header = true, all_varchar = true, union_by_name = true)
        where "location/commune" is null or "location/commune" not like '#%'
        """
    )
    rows_read = con.execute("select count(*) from raw").fetchone()[0]
    columns = [r[0] for r in con.execute("describe raw").fetchall()]
    scores = [c for c in columns if c.startswith("services/sat_") or c.endswith("trust_council")]
    con.execute(
        """
        create table latest as
        select * from raw
        qualify row_number() over (partition by _uuid order by _submission_time desc) = 1
        """
    )
    score_values = "('1', '2', '3', '4', '5', '9')"
    bad_scores = " or ".join(f'"{s}" not in {score_values}' for s in scores)
    rules = f"""
        select
          count(*) filter (_uuid is null or _uuid = '') as missing_id,
          count(*) filter (c.commune_code is null) as unknown_commune,
          count(*) filter (c.province_code <> "location/province") as wrong_province,
          count(*) filter (try_cast("respondent/age" as int) not between 15 and 100
                           or try_cast("respondent/age" as int) is null) as bad_age,
          count(*) filter ("respondent/sex" not in ('female', 'male')) as bad_sex,
          count(*) filter ({bad_scores}) as bad_score
        from latest l
        left join read_csv('{REPO_ROOT / "data/reference/communes.csv"}', all_varchar = true) c
            on c.commune_code = l."location/commune"
        where consent = 'yes'
    """
    violations = dict(zip(
        ["missing_id", "unknown_commune", "wrong_province", "bad_age", "bad_sex", "bad_score"],
        con.execute(rules).fetchone(), strict=True,
    ))
    con.execute(
        f"""
        create table responses as
        select l.*, c.province_code, c.commune_code,
               "respondent/sex" as sex,
               case when try_cast("respondent/age" as int) < 30 then 'youth'
                    when try_cast("respondent/age" as int) < 60 then 'adult'
                    else 'senior' end as age_group,
               case when list_has_any([{", ".join(f'"{c}"' for c in columns
                                                   if c.startswith("wg/"))}], ['3', '4'])
                    then 'with_disability' else 'without_disability' end as disability,
               "location/milieu" as residence,
               c.population_2024::double / count(*) over (partition by c.commune_code) as w
        from latest l
        join read_csv('{REPO_ROOT / "data/reference/communes.csv"}', all_varchar = true) c
            on c.commune_code = l."location/commune"
        where consent = 'yes'
        """
    )
    breakdowns = [(), *((d,) for d in DIMENSIONS), *combinations(DIMENSIONS, 2)]
    aggregates = ", ".join(
        f"""count(*) filter (try_cast("{s}" as int) between 1 and 5) as "n_{s}",
            avg(try_cast("{s}" as int)) filter (try_cast("{s}" as int) between 1 and 5)
                as "mean_{s}",
            sum(w * (try_cast("{s}" as int) >= 4)::int) / nullif(sum(w) filter (
                try_cast("{s}" as int) between 1 and 5), 0) as "share_{s}" """
        for s in scores
    )
    sets = ", ".join("(" + ", ".join(b) + ")" for b in breakdowns)
    con.execute(
        f"""
        create table marts as
        select province_code, commune_code, {", ".join(DIMENSIONS)}, {aggregates}
        from responses
        group by grouping sets ((province_code, commune_code), (province_code), ()),
                 grouping sets ({sets})
        """
    )
    mart_rows = con.execute("select count(*) from marts").fetchone()[0]
    print(json.dumps({
        "wall_seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "files": len(files),
        "rows_read": rows_read,
        "violations": violations,
        "mart_rows": mart_rows,
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
