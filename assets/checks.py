"""Asset checks: what must be true before the marts are trusted and published.

Blocking checks stop the downstream assets (publication) when they fail: a file whose rows do
not add up, or an estimate resting on fewer respondents than the threshold, must not reach a
report. Validation results are shown as non-blocking warnings with their failure cases.
"""

from __future__ import annotations

import dagster as dg

from assets.marts import (
    citizen_metrics_database,
    mart_equity_gaps,
    mart_participation,
    mart_survey_indicators,
    mart_survey_options,
    quality_file_summary,
)
from assets.metadata import markdown_rows, markdown_table
from assets.resources import WAREHOUSE_POOL, PipelineResource
from assets.validated import validated_attendances, validated_survey_responses
from pipeline.disclosure.auditor import PublicReference, audit, findings_frame
from pipeline.marts import SqlContext
from pipeline.publication.release import MartsFolder
from pipeline.publish import PUBLISHED_TABLES, forbidden_columns
from pipeline.warehouse import connect


@dg.asset_check(asset=quality_file_summary, blocking=True, pool=WAREHOUSE_POOL)
def every_row_accounted_for(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """Conservation: for every loaded file, rows_read = accepted + duplicate + superseded +
    excluded_no_consent + quarantined (INDICATORS.md §6)."""
    with pipeline.warehouse() as con:
        broken = con.execute(
            "select count(*) from quality_file_summary where status = 'loaded' "
            "and not rows_accounted"
        ).fetchone()[0]
        totals = con.execute(
            "select count(*), count(*) filter (status = 'rejected'), sum(rows_read) "
            "from quality_file_summary"
        ).fetchone()
        detail = markdown_table(
            con, "select * from quality_file_summary where not rows_accounted"
        )
    return dg.AssetCheckResult(
        passed=broken == 0,
        metadata={
            "files": totals[0],
            "rejected_files": totals[1],
            "rows_read": int(totals[2] or 0),
            "files_not_adding_up": broken,
            "detail": detail,
        },
    )


def _quarantine_result(pipeline: PipelineResource, table: str) -> dg.AssetCheckResult:
    with pipeline.warehouse() as con:
        rows = con.execute(
            f"select count(distinct (source_file, sheet, source_row)) from {table}"
        ).fetchone()[0]
        by_rule = markdown_table(
            con, f"select rule, count(*) as failures from {table} group by 1 order by 2 desc"
        )
        # Rules, counts and row references only: never a value of the files in the run
        # storage (the clerk finds the value at the file and row named).
        sample = markdown_table(
            con, f"select source_file, sheet, source_row, rule, \"column\" from {table} "
                 "order by source_file, sheet, source_row, rule", limit=20)
    return dg.AssetCheckResult(
        passed=rows == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined_rows": rows, "by_rule": by_rule, "failure_cases": sample},
    )


@dg.asset_check(asset=validated_survey_responses, pool=WAREHOUSE_POOL)
def survey_rules_pandera(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """pandera rules of INDICATORS.md §6 on survey responses; failing rows are quarantined
    (the run goes on), so this warns and lists the failure cases."""
    return _quarantine_result(pipeline, "int_survey_quarantine")


@dg.asset_check(asset=validated_attendances, pool=WAREHOUSE_POOL)
def register_rules_pandera(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """pandera rules on workshops and attendances (unknown workshop, unknown commune…)."""
    return _quarantine_result(pipeline, "int_register_quarantine")


@dg.asset_check(asset=mart_survey_indicators, blocking=True, pool=WAREHOUSE_POOL)
def no_estimate_below_threshold(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """Disclosure control: no published mean, share or interval rests on fewer rated
    respondents than the suppression threshold (INDICATORS.md §5)."""
    threshold = pipeline.settings().suppression_threshold
    with pipeline.warehouse() as con:
        leaks = con.execute(
            f"""
            select count(*) from mart_survey_indicators
            where n_rated < {threshold}
              and (mean_score is not null or satisfied_share is not null or ci_low is not null)
            """
        ).fetchone()[0]
    return dg.AssetCheckResult(passed=leaks == 0, metadata={"threshold": threshold,
                                                            "leaking_rows": leaks})


@dg.asset_check(
    asset=mart_equity_gaps, blocking=True, pool=WAREHOUSE_POOL,
    additional_deps=[mart_survey_indicators, mart_survey_options, mart_participation],
)
def disclosure_audit(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """The attacker, played before publication: from the tables as they will be published
    and the public reference only (commune populations and provinces), the range of values
    every withheld figure can still take. Fails, and stops publication, when a figure
    withheld for resting on too few people can be narrowed below the protection width
    (`PIPELINE_PROTECTION_WIDTH`, 0.2 of its scale), or a complementary one recomputed."""
    settings = pipeline.settings()
    context = SqlContext.build(settings)
    figures = [kind for name in ("mart_survey_indicators", "mart_survey_options",
                                 "mart_participation")
               for kind in context.protected_figures(name)]
    with pipeline.warehouse() as con:
        reference = PublicReference.from_frame(con.sql(
            "select commune_code, province_code, population_2024 from ref_communes").df())
        report = audit(con, figures, reference, threshold=settings.suppression_threshold,
                       width=settings.protection_width)
    failures = findings_frame(report).head(20)
    return dg.AssetCheckResult(
        passed=report.passed,
        metadata={
            "withheld_figures_audited": report.cells,
            "by_table": dg.MetadataValue.json(report.by_table),
            "protection_width": settings.protection_width,
            "narrowest_primary_range": round(report.narrowest_primary, 4),
            "narrowest_complementary_values": (
                report.narrowest_complementary + 1
                if report.narrowest_complementary != float("inf") else 0),
            "figures_too_narrow": len(report.failures),
            "linear_programs_solved": report.solves,
            "seconds": round(report.seconds, 2),
            "too_narrow": markdown_rows(list(failures.columns),
                                        list(failures.itertuples(index=False))),
        },
    )


@dg.asset_check(asset=mart_survey_indicators, pool=WAREHOUSE_POOL)
def cohort_communes_covered(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """Every programme commune has survey figures (a missing one usually means a file was
    not dropped into the raw folder, or was rejected)."""
    without_figures = """
        select commune_code, name_fr from ref_communes where in_programme
        and commune_code not in (
            select geography_code from mart_survey_indicators where geography_level = 'commune')
    """
    with pipeline.warehouse() as con:
        missing = markdown_table(con, without_figures)
        count = con.execute(f"select count(*) from ({without_figures})").fetchone()[0]
    return dg.AssetCheckResult(
        passed=count == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"cohort_communes_without_figures": count, "missing": missing},
    )


@dg.asset_check(asset=mart_participation, pool=WAREHOUSE_POOL)
def cohort_communes_with_workshops(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """Every programme commune has at least one accepted workshop."""
    with pipeline.warehouse() as con:
        count = con.execute(
            """
            select count(*) from ref_communes c where in_programme and not exists (
                select 1 from int_workshops w where w.commune_code = c.commune_code)
            """
        ).fetchone()[0]
    return dg.AssetCheckResult(
        passed=count == 0, severity=dg.AssetCheckSeverity.WARN,
        metadata={"cohort_communes_without_workshops": count},
    )


@dg.asset_check(asset=citizen_metrics_database, blocking=True)
def no_personal_data_published(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """The published database holds none of the columns that carry personal data (names,
    phones, comments, douar, enumerator codes, device or submission ids)."""
    with connect(MartsFolder(pipeline.settings().marts_dir).staged_database,
                 read_only=True) as con:
        leaked = forbidden_columns(con, PUBLISHED_TABLES)
    return dg.AssetCheckResult(passed=not leaked, metadata={"forbidden_columns": leaked})


CHECKS = [
    every_row_accounted_for,
    disclosure_audit,
    survey_rules_pandera,
    register_rules_pandera,
    no_estimate_below_threshold,
    cohort_communes_covered,
    cohort_communes_with_workshops,
    no_personal_data_published,
]
