"""Print where the published marts are and the headline figures (`make run` ends with it)."""

from __future__ import annotations

import sys

from pipeline.settings import Settings
from pipeline.warehouse import connect, one_row

WITHHELD = "masqué"


def count(value: int | None) -> str:
    """A published count, or "masqué" where disclosure control withholds it."""
    return WITHHELD if value is None else str(value)


def share(value: float | None) -> str:
    """A published share as a percentage, or "masqué" where it is withheld."""
    return WITHHELD if value is None else f"{value:.1%}"


def main() -> int:
    settings = Settings.from_env()
    database = settings.marts_database
    if not database.exists():
        print(f"No marts database at {database}: run `make run` first.", file=sys.stderr)
        return 1
    with connect(database, read_only=True) as con:
        region = con.execute(
            "select workshops, attendances, unique_participants, share_women, share_youth, "
            "share_with_disability, share_rural from mart_participation "
            "where geography_level = 'region' and breakdown = 'total'"
        ).fetchone()
        coverage = con.execute(
            "select geography_level, count(distinct geography_code) from mart_survey_indicators "
            "group by 1 order by 1"
        ).fetchall()
        files = one_row(
            con,
            "select count(distinct source_file), count(distinct source_file) filter "
            "(status = 'rejected'), sum(rows_read), "
            "sum(accepted), sum(duplicate), sum(superseded), sum(excluded_no_consent), "
            "sum(quarantined), bool_and(rows_accounted or status = 'rejected') "
            "from quality_file_summary",
        )
        # Files a clerk should look at: rejected ones, and loaded ones that gave no row.
        attention = con.execute(
            "select source_file || case when sheet <> '' then ' [' || sheet || ']' else '' end,"
            " status, reason from quality_file_summary "
            "where status = 'rejected' or rows_read = 0 order by status desc, 1"
        ).fetchall()
        respondents = con.execute(
            "select n_respondents from mart_survey_indicators where geography_level = 'region' "
            "and breakdown = 'total' and indicator = 'sat_overall' "
            "and estimate_type = 'weighted'"
        ).fetchone()
    print(f"\nMarts published: {database}")
    print(f"Report for programme managers: {settings.marts_dir / 'report' / 'rapport.html'}")
    print(f"Workbook for M&E officers: {settings.marts_dir / 'exports' / 'citizen_metrics.xlsx'}")
    print(f"Exports (Parquet, CSV): {settings.marts_dir / 'exports'}")
    if region and region[1] == 0:
        print("Region: no workshop attendance recorded")
    elif region:
        workshops, attendances, unique, women, youth, disability, rural = region
        print(
            f"Region: {count(workshops)} workshops, {count(attendances)} attendances, "
            f"{count(unique)} unique participants; women {share(women)}, "
            f"youth {share(youth)}, with a disability {share(disability)}, "
            f"rural {share(rural)}"
        )
    if respondents:
        print(f"Survey: {respondents[0]} valid responses in the region")
    print("Geographies with survey figures: " + ", ".join(f"{n} {lvl}" for lvl, n in coverage))
    print(
        f"Files: {files[0]} ({files[1]} rejected); rows read {files[2]}: accepted {files[3]}, "
        f"duplicate {files[4]}, superseded {files[5]}, no consent {files[6]}, "
        f"quarantined {files[7]}; every row accounted for: {files[8]}"
    )
    for name, status, reason in attention:
        print(f"  {status}: {name}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
