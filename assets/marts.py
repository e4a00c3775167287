"""Marts (MARTS.md): indicator tables built in the warehouse with GROUPING SETS, then
published together as `data/marts/citizen_metrics.duckdb` and exported for Excel users."""

from __future__ import annotations

import dagster as dg

from assets.metadata import markdown_table
from assets.raw import raw_file_inventory
from assets.resources import WAREHOUSE_POOL, PipelineResource
from assets.validated import validated_attendances, validated_survey_responses
from pipeline.labels import LABEL_TABLES
from pipeline.marts import SqlContext, run_sql
from pipeline.publication.release import MartsFolder, building
from pipeline.publish import PUBLISHED_TABLES, export_tables, stage_database
from pipeline.report import REPORT_FILE_NAME, build_report

MARTS_GROUP = "marts"
QUALITY_GROUP = "quality"
PUBLISH_GROUP = "publication"


def _build(pipeline: PipelineResource, name: str, preview: str) -> dg.MaterializeResult:
    context = SqlContext.build(pipeline.settings())
    with pipeline.warehouse() as con:
        run_sql(con, name, context)
        rows = con.execute(f"select count(*) from {name}").fetchone()[0]
        shown = markdown_table(con, preview)
    return dg.MaterializeResult(metadata={"rows": rows, "preview": shown})


@dg.asset(group_name=MARTS_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[validated_survey_responses])
def mart_survey_indicators(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Satisfaction with the 12 communal services, overall satisfaction and trust in the
    council, for every commune, province and the region × breakdown (total, each dimension,
    each pair) × group, unweighted and weighted: n, usage rate, mean score, satisfied share
    with its 95 % Wilson interval, Kish effective n, suppression below the threshold."""
    return _build(
        pipeline, "mart_survey_indicators",
        "select geography_name, indicator, estimate_type, n_rated, mean_score, "
        "satisfied_share, ci_low, ci_high from mart_survey_indicators "
        "where geography_level = 'region' and breakdown = 'total' order by indicator",
    )


@dg.asset(group_name=MARTS_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[validated_survey_responses])
def mart_survey_options(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Share of respondents citing each information channel and development priority
    (multi-select) and answering yes/no to the participation items, with ranks."""
    return _build(
        pipeline, "mart_survey_options",
        "select question, option, share, rank from mart_survey_options "
        "where geography_level = 'region' and breakdown = 'total' "
        "and estimate_type = 'weighted' order by question, rank",
    )


@dg.asset(group_name=MARTS_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[mart_survey_indicators])
def mart_equity_gaps(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Gaps in satisfied share between women and men, youth and others, persons with and
    without a disability, rural and urban residents, with Newcombe intervals."""
    return _build(
        pipeline, "mart_equity_gaps",
        "select indicator, dimension, gap, ci_low, ci_high, significant from mart_equity_gaps "
        "where geography_level = 'region' and significant order by abs(gap) desc",
    )


@dg.asset(group_name=MARTS_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[validated_attendances])
def mart_participation(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Workshops (also by type), attendances, unique participants and the shares of women,
    youth, persons with a disability, rural residents and each participant category."""
    return _build(
        pipeline, "mart_participation",
        "select geography_level, geography_name, workshops, attendances, unique_participants, "
        "share_women, share_youth, share_with_disability, share_rural from mart_participation "
        "where breakdown = 'total' and geography_level <> 'commune' order by 1 desc, 2",
    )


@dg.asset(group_name=MARTS_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[mart_participation])
def mart_targets(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Participation targets (women, youth, persons with a disability, rural residents)
    against actual shares, with `met`, for each commune, province and the region."""
    return _build(
        pipeline, "mart_targets",
        "select geography_level, count(*) filter (met) as met, "
        "count(*) filter (not met) as not_met from mart_targets group by 1 order by 1",
    )


@dg.asset(group_name=QUALITY_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[raw_file_inventory, validated_survey_responses, validated_attendances])
def quality_file_summary(pipeline: PipelineResource) -> dg.MaterializeResult:
    """One row per input file (per sheet for registers): loaded or rejected with its reason,
    rows read and where each row ended (accepted, duplicate, superseded, excluded for no
    consent, quarantined). The conservation check proves that nothing was lost."""
    return _build(
        pipeline, "quality_file_summary",
        "select source_file, sheet, status, rows_read, accepted, duplicate, superseded, "
        "excluded_no_consent, quarantined, reason from quality_file_summary",
    )


@dg.asset(group_name=QUALITY_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[validated_survey_responses, validated_attendances])
def quality_quarantine(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Every quarantined row with each rule it breaks (file, 1-based row, rule, column,
    value, message), for clerks to correct the source files."""
    return _build(
        pipeline, "quality_quarantine",
        "select rule, count(*) as rows, count(distinct source_file) as files "
        "from quality_quarantine group by 1 order by 2 desc",
    )


@dg.asset(group_name=QUALITY_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[validated_survey_responses])
def quality_flags(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Accepted responses kept but flagged as doubtful (interview under 5 minutes, date out
    of range, an enumerator with more than 25 interviews in a day), one row per flag."""
    return _build(
        pipeline, "quality_flags",
        "select flag, count(*) as responses, count(distinct source_file) as files "
        "from quality_flags group by 1 order by 2 desc",
    )


MART_ASSETS = [
    mart_survey_indicators, mart_survey_options, mart_equity_gaps, mart_participation,
    mart_targets, quality_file_summary, quality_quarantine, quality_flags,
]


@dg.asset(group_name=PUBLISH_GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"},
          deps=[*MART_ASSETS, *LABEL_TABLES])
def citizen_metrics_database(pipeline: PipelineResource) -> dg.MaterializeResult:
    """The marts database `citizen_metrics.duckdb` (marts, quality tables and the labels of
    every code), built into tonight's publication (`releases/.next/`), never into the
    database analysts read: it is published with the exports and the report by
    `published_marts`."""
    settings = pipeline.settings()
    with pipeline.warehouse() as con:
        staged = stage_database(con, MartsFolder(settings.marts_dir), PUBLISHED_TABLES)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staged.database)),
            **{f"rows_{table}": rows for table, rows in staged.tables.items()},
        }
    )


@dg.asset(group_name=PUBLISH_GROUP, kinds={"parquet", "csv"}, deps=[citizen_metrics_database])
def mart_exports(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Each published table as Parquet (for notebooks) and as CSV in UTF-8 with a byte-order
    mark (for Excel), and the M&E officers' workbook `citizen_metrics.xlsx` (one sheet per
    theme, in French), read from tonight's database, for `data/marts/exports/` (published
    with the database and the report by `published_marts`)."""
    folder = MartsFolder(pipeline.settings().marts_dir)
    written = export_tables(folder.staged_database, folder.staged_exports)
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(folder.staged_exports)),
            "files": len(written),
        }
    )


@dg.asset(group_name=PUBLISH_GROUP, kinds={"html", "plotly"}, deps=[citizen_metrics_database])
def manager_report(pipeline: PipelineResource) -> dg.MaterializeResult:
    """The programme managers' report `report/rapport.html`: one HTML file that opens
    offline (Plotly included once), in French with Arabic names, for the region, each
    province and each programme commune: headline figures, satisfaction by service and
    group, equity gaps, participation against targets, and data quality. Read from tonight's
    database only, for `data/marts/report/` (published with the database and the exports by
    `published_marts`)."""
    folder = MartsFolder(pipeline.settings().marts_dir)
    with building(folder.staged_report) as report:
        summary = build_report(folder.staged_database, report / REPORT_FILE_NAME)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path)),
            "geographies": summary.geographies,
            "figures": summary.figures,
            "size_mb": round(summary.size_bytes / 1e6, 1),
            "seconds": round(summary.seconds, 2),
        }
    )
