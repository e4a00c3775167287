"""Publication: the marts database swapped in atomically, its exports for Excel and
notebooks, and the managers' report, all read from what was published."""

from __future__ import annotations

import hashlib
import inspect
from types import ModuleType

import dagster as dg

import pipeline.publish
import pipeline.report.data
import pipeline.report.figures
import pipeline.report.page
import pipeline.workbook
from assets.resources import WAREHOUSE_POOL, PipelineResource
from assets.tables import OWNERS, PUBLISHED_FRESHNESS, tags
from pipeline.marts_access import open_database
from pipeline.publish import PUBLISHED_TABLES, export_tables, publish_database
from pipeline.report import REPORT_DIR_NAME, REPORT_FILE_NAME, build_report

GROUP = "publication"


def code_version(*modules: ModuleType) -> str:
    """A short digest of the modules an asset runs: it changes with their code."""
    source = "".join(inspect.getsource(module) for module in modules)
    return hashlib.sha256(source.encode()).hexdigest()[:12]


TAGS = tags(GROUP, "publication", "published")


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(pipeline.publish),
    pool=WAREHOUSE_POOL, kinds={"duckdb"}, deps=list(PUBLISHED_TABLES),
)
def citizen_metrics_database(pipeline: PipelineResource) -> dg.MaterializeResult:
    """The published figures, `citizen_metrics.duckdb`: the marts, the data-quality tables
    and the labels of every code, replaced as a whole so that readers never see half a
    night, nor are kept waiting."""
    settings = pipeline.settings()
    with pipeline.warehouse() as con:
        publication = publish_database(con, settings.marts_dir, PUBLISHED_TABLES)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(publication.tables.values())),
            "path": dg.MetadataValue.path(str(publication.database)),
            **{f"rows_{table}": rows for table, rows in publication.tables.items()},
        }
    )


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(pipeline.publish, pipeline.workbook),
    kinds={"parquet", "csv", "excel"}, deps=[citizen_metrics_database],
)
def mart_exports(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Every published table as Parquet (for notebooks) and CSV (for Excel), and the M&E
    officers' workbook `citizen_metrics.xlsx` (one sheet per theme, in French), in
    `data/marts/exports/`."""
    settings = pipeline.settings()
    written = export_tables(settings.marts_database, settings.marts_dir / "exports")
    with open_database(settings.marts_database) as con:
        rows = sum(con.table(table).shape[0] for table in PUBLISHED_TABLES)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "folder": dg.MetadataValue.path(str(settings.marts_dir / "exports")),
            "files": len(written),
        }
    )


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(pipeline.report.data, pipeline.report.figures,
                              pipeline.report.page),
    kinds={"html", "plotly"}, deps=[citizen_metrics_database],
)
def manager_report(pipeline: PipelineResource) -> dg.MaterializeResult:
    """The programme managers' report `report/rapport.html`, in French with Arabic names:
    for the region, each province and each programme commune, headline figures,
    satisfaction by service and group, equity gaps, participation against targets, and data
    quality. One file that opens offline, from a shared folder or an e-mail."""
    settings = pipeline.settings()
    summary = build_report(
        settings.marts_database, settings.marts_dir / REPORT_DIR_NAME / REPORT_FILE_NAME
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(summary.geographies),
            "path": dg.MetadataValue.path(str(summary.path)),
            "geographies": summary.geographies,
            "figures": summary.figures,
            "size_mb": round(summary.size_bytes / 1e6, 1),
            "seconds": round(summary.seconds, 2),
        }
    )


PUBLICATION_ASSETS = [citizen_metrics_database, mart_exports, manager_report]
