"""What `make run` prints at the end: where the published marts are and what they hold, in
plain words (`python -m pipeline.summary` prints it again for the current publication).

Every figure may be missing (a night with no register, no survey, or no file accepted at
all) or withheld by disclosure control: the summary says so rather than failing.
"""

from __future__ import annotations

import sys

import duckdb

from pipeline.marts_access import open_database
from pipeline.publication.release import read_manifest
from pipeline.settings import Settings
from pipeline.warehouse import one_row

WITHHELD = "masqué"
DISPOSITIONS = (("accepted", "accepted"), ("duplicate", "duplicate"),
                ("superseded", "superseded"), ("excluded_no_consent", "no consent"),
                ("quarantined", "quarantined"))


def count(value: int | None) -> str:
    """A published count, or "masqué" where disclosure control withholds it."""
    return WITHHELD if value is None else f"{value:,}"


def share(value: float | None) -> str:
    """A published share as a percentage, or "masqué" where it is withheld."""
    return WITHHELD if value is None else f"{value:.1%}"


def _participation(con: duckdb.DuckDBPyConnection) -> str:
    region = con.execute(
        "select workshops, attendances, unique_participants, share_women, share_youth, "
        "share_with_disability, share_rural from mart_participation "
        "where geography_level = 'region' and breakdown = 'total'"
    ).fetchone()
    if region is None or not region[1]:
        return "Workshops: no attendance recorded"
    workshops, attendances, unique, women, youth, disability, rural = region
    return (f"Workshops: {count(workshops)} workshops, {count(attendances)} attendances, "
            f"{count(unique)} unique participants; women {share(women)}, youth "
            f"{share(youth)}, with a disability {share(disability)}, rural {share(rural)}")


def _survey(con: duckdb.DuckDBPyConnection) -> list[str]:
    respondents = con.execute(
        "select n_respondents from mart_survey_indicators where geography_level = 'region' "
        "and breakdown = 'total' and indicator = 'sat_overall' and estimate_type = 'weighted'"
    ).fetchone()
    coverage = con.execute(
        "select geography_level, count(distinct geography_code) from mart_survey_indicators "
        "group by 1 order by 1").fetchall()
    if respondents is None or not coverage:
        return ["Survey: no valid response"]
    places = ", ".join(f"{n} {level}{'s' if n > 1 else ''}" for level, n in coverage)
    return [f"Survey: {count(respondents[0])} valid responses; figures for {places}"]


def _files(con: duckdb.DuckDBPyConnection) -> list[str]:
    sums = ", ".join(f"coalesce(sum({column}), 0)" for column, _ in DISPOSITIONS)
    files, rejected, rows, *by_disposition, accounted = one_row(
        con,
        "select count(distinct source_file), count(distinct source_file) filter "
        f"(status = 'rejected'), coalesce(sum(rows_read), 0), {sums}, "
        "coalesce(bool_and(rows_accounted or status = 'rejected'), true) "
        "from quality_file_summary",
    )
    dispositions = ", ".join(f"{label} {n:,}" for (_, label), n
                             in zip(DISPOSITIONS, by_disposition, strict=True))
    lines = [f"Files: {files} read, {rejected} rejected; {rows:,} rows: {dispositions}"
             + ("" if accounted else " (some files do not add up: see the file summary)")]
    # Files a clerk should look at: rejected ones, and loaded ones with a note.
    attention = con.execute(
        "select source_file || case when sheet <> '' then ' [' || sheet || ']' else '' end,"
        " status, reason from quality_file_summary "
        "where status = 'rejected' or rows_read = 0 or reason is not null "
        "order by status desc, 1").fetchall()
    lines += [f"  {status}: {name}: {reason or 'no row'}" for name, status, reason in attention]
    return lines


def published_summary(settings: Settings) -> list[str]:
    """The lines that say what the current publication holds and where it is."""
    database = settings.marts_database
    if not database.exists():
        return [f"No published marts at {database} yet."]
    manifest = read_manifest(settings.marts_dir) or {}
    with open_database(database) as con:
        lines = [_participation(con), *_survey(con), *_files(con)]
    published = manifest.get("published_at")
    run = str(manifest.get("run_id", ""))[:8]
    where = [
        f"Published{f' at {published} (run {run})' if published else ''}: {database}",
        f"  report for programme managers: {settings.marts_dir / 'report' / 'rapport.html'}",
        f"  workbook for M&E officers: "
        f"{settings.marts_dir / 'exports' / 'citizen_metrics.xlsx'}",
        f"  exports (Parquet, CSV): {settings.marts_dir / 'exports'}",
    ]
    return [*where, *lines]


def main() -> int:
    lines = published_summary(Settings.from_env())
    print("\n".join(lines))
    return 0 if not lines[0].startswith("No published") else 1


if __name__ == "__main__":
    sys.exit(main())
