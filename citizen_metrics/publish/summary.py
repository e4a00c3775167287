"""What `make run` prints at the end: where the published marts are and what they hold, in
plain French words for the clerks and managers who read it (`python -m
citizen_metrics.publish.summary` prints it again for the current publication). Status codes
(`rejected`, `loaded`) are said with their French labels (`label_codes`: rejeté, chargé).

Every figure may be missing (a night with no register, no survey, or no file accepted at
all) or suppressed by disclosure control: the summary says so rather than failing.
"""

from __future__ import annotations

import datetime as dt
import sys
from zoneinfo import ZoneInfo

import duckdb

from citizen_metrics.build.warehouse import one_row
from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.release import read_manifest
from citizen_metrics.settings import LOCAL_TIME_ZONE, Settings
from citizen_metrics.tables.marts import MART_PARTICIPATION, MART_SURVEY_INDICATORS

WITHHELD = "masqué"
DISPOSITIONS = (("accepted", "acceptées"), ("duplicate", "doublons"),
                ("superseded", "remplacées"), ("excluded_no_consent", "sans consentement"),
                ("quarantined", "en quarantaine"))
LEVELS = {"region": ("région", "régions"), "province": ("province", "provinces"),
          "commune": ("commune", "communes")}


def number(value: int) -> str:
    """A count written the French way (`65 604`)."""
    return f"{value:,}".replace(",", " ")


def count(value: int | None) -> str:
    """A published count, or "masqué" where disclosure control suppresses it."""
    return WITHHELD if value is None else number(value)


def share(value: float | None) -> str:
    """A published share as a percentage, or "masqué" where it is suppressed."""
    return WITHHELD if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _participation(con: duckdb.DuckDBPyConnection) -> str:
    region = con.execute(
        "select workshops, attendances, unique_participants, share_women, share_youth, "
        f"share_with_disability, share_rural from {MART_PARTICIPATION.name} "
        "where geography_level = 'region' and breakdown = 'total'"
    ).fetchone()
    if region is None or not region[1]:
        return "Ateliers : aucune présence enregistrée"
    workshops, attendances, unique, women, youth, disability, rural = region
    return (f"Ateliers : {count(workshops)} ateliers, {count(attendances)} présences, "
            f"{count(unique)} participants uniques ; femmes {share(women)}, jeunes "
            f"{share(youth)}, personnes handicapées {share(disability)}, rural "
            f"{share(rural)}")


def _survey(con: duckdb.DuckDBPyConnection) -> list[str]:
    respondents = con.execute(
        f"select n_respondents from {MART_SURVEY_INDICATORS.name} "
        "where geography_level = 'region' "
        "and breakdown = 'total' and indicator = 'sat_overall' and estimate_type = 'weighted'"
    ).fetchone()
    coverage = con.execute(
        "select geography_level, count(distinct geography_code) "
        f"from {MART_SURVEY_INDICATORS.name} "
        "group by 1 order by 1").fetchall()
    if respondents is None or not coverage:
        return ["Enquête : aucune réponse valide"]
    places = ", ".join(f"{n} {LEVELS.get(level, (level, level))[n > 1]}"
                       for level, n in coverage)
    return [f"Enquête : {count(respondents[0])} réponses valides ; chiffres pour {places}"]


def _disclosure(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line on what disclosure control suppresses of the satisfaction figures (total
    and each group; provinces and the region weighted)."""
    exists = one_row(con, "select count(*) from duckdb_tables() "
                          "where table_name = 'quality_disclosure'")[0]
    if not exists:
        return []
    rows = con.execute("""
        select geography_level, sum(figures),
               coalesce(sum(figures) filter (fate = 'published'), 0),
               coalesce(sum(figures) filter (fate = 'primary'), 0),
               coalesce(sum(figures) filter (fate = 'complementary'), 0)
        from quality_disclosure
        where figure = 'satisfaction'
          and breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')
          and estimate_type = case when geography_level = 'commune' then 'unweighted'
                                   else 'weighted' end
        group by 1
        order by case geography_level when 'region' then 1 when 'province' then 2 else 3 end
    """).fetchall()
    if not rows:
        return []
    published = ", ".join(f"{LEVELS.get(level, (level, level))[level != 'region']} "
                          f"{share(done / total if total else None)}"
                          for level, total, done, _, _ in rows)
    too_few = sum(row[3] for row in rows)
    protecting = sum(row[4] for row in rows)
    return [f"Secret statistique : chiffres de satisfaction publiés : {published} ; "
            f"{number(too_few)} masqués faute de personnes, {number(protecting)} pour en "
            f"protéger d'autres"]


def _files(con: duckdb.DuckDBPyConnection) -> list[str]:
    sums = ", ".join(f"coalesce(sum({column}), 0)" for column, _ in DISPOSITIONS)
    files, rejected, rows, *by_disposition, accounted = one_row(
        con,
        "select count(distinct source_file), count(distinct source_file) filter "
        f"(status = 'rejected'), coalesce(sum(rows_read), 0), {sums}, "
        "coalesce(bool_and(rows_accounted or status = 'rejected'), true) "
        "from quality_file_summary",
    )
    dispositions = ", ".join(f"{label} {number(n)}" for (_, label), n
                             in zip(DISPOSITIONS, by_disposition, strict=True))
    lines = [f"Fichiers : {files} lus, {rejected} rejetés ; {number(rows)} lignes : "
             f"{dispositions}"
             + ("" if accounted else " (des fichiers ne tombent pas juste : voir la feuille "
                                     "fichiers)")]
    # Files a clerk should look at: rejected ones, and loaded ones with a note.
    attention = con.execute(
        "select f.source_file || case when f.sheet <> '' then ' [' || f.sheet || ']' "
        "else '' end, coalesce(lower(l.label_fr), f.status), f.reason "
        "from quality_file_summary f left join label_codes l "
        "on l.code_list = 'file_status' and l.code = f.status "
        "where f.status = 'rejected' or f.rows_read = 0 or f.reason is not null "
        "order by f.status desc, 1").fetchall()
    lines += [f"  {status} : {name} : {reason or 'aucune ligne'}"
              for name, status, reason in attention]
    return lines


def _local_time(moment: object) -> str | None:
    """An ISO time of the manifest as the clerk reads it (`30/11/2026 à 02:04`, local)."""
    if not isinstance(moment, str):
        return None
    local = dt.datetime.fromisoformat(moment).astimezone(ZoneInfo(LOCAL_TIME_ZONE))
    return f"{local:%d/%m/%Y à %H:%M}"


def published_summary(settings: Settings) -> list[str]:
    """The lines that say what the current publication holds and where it is."""
    database = settings.marts_database
    if not database.exists():
        return [f"Pas encore de chiffres publiés dans {database}."]
    manifest = read_manifest(settings.marts_dir) or {}
    with open_database(database) as con:
        lines = [_participation(con), *_survey(con), *_disclosure(con), *_files(con)]
    published = _local_time(manifest.get("published_at"))
    run = str(manifest.get("run_id", ""))[:8]
    where = [
        f"Publié{f' le {published} (exécution {run})' if published else ''} : {database}",
        f"  rapport des responsables de programme : "
        f"{settings.marts_dir / 'report' / 'rapport.html'}",
        f"  classeur des chargés de suivi-évaluation : "
        f"{settings.marts_dir / 'exports' / 'citizen_metrics.xlsx'}",
        f"  exports (Parquet, CSV) : {settings.marts_dir / 'exports'}",
    ]
    return [*where, *lines]


def main() -> int:
    lines = published_summary(Settings.from_env())
    print("\n".join(lines))
    return 0 if not lines[0].startswith("Pas encore") else 1


if __name__ == "__main__":
    sys.exit(main())
