"""Publication: tonight's marts database, its exports for Excel and notebooks and the
managers' report, each built into tonight's publication folder (`releases/.next/`), then
published together with a manifest in one swap (`published_marts`), unless the night looks
wrong (`night_is_complete`, `citizen_metrics.operations.guard`): readers see last night's set or
tonight's, never a mix (`citizen_metrics.publish.release`)."""

import hashlib
import inspect
from types import ModuleType

import dagster as dg

import citizen_metrics.operations.guard
import citizen_metrics.publish.exports
import citizen_metrics.publish.release
import citizen_metrics.publish.report.charts
import citizen_metrics.publish.report.data
import citizen_metrics.publish.report.page
import citizen_metrics.publish.report.quality
import citizen_metrics.publish.report.questions
import citizen_metrics.publish.report.ranking
import citizen_metrics.publish.workbook
from citizen_metrics.build.warehouse import scalar
from citizen_metrics.defs.resources import WAREHOUSE_POOL, WarehouseResource
from citizen_metrics.defs.table_assets import OWNERS, PUBLISHED_FRESHNESS, tags
from citizen_metrics.operations.guard import NightFigures, judge, last_publication
from citizen_metrics.operations.quiet import recorded_run_inputs
from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.exports import PUBLISHED_TABLES, export_tables, stage_database
from citizen_metrics.publish.release import MartsFolder, building, publish_staged
from citizen_metrics.publish.report import REPORT_FILE_NAME, build_report
from citizen_metrics.tables.model import bilingual

GROUP = "publication"


def code_version(*modules: ModuleType) -> str:
    """A short digest of the modules an asset runs: it changes with their code."""
    source = "".join(inspect.getsource(module) for module in modules)
    return hashlib.sha256(source.encode()).hexdigest()[:12]


TAGS = tags(GROUP, "publication", "published")


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(citizen_metrics.publish.exports, citizen_metrics.publish.release),
    pool=WAREHOUSE_POOL, kinds={"duckdb"}, deps=list(PUBLISHED_TABLES),
)
def citizen_metrics_database(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Tonight's figures database, `citizen_metrics.duckdb`: the marts, the data-quality
    tables and the labels of every code, built into tonight's publication, never into the
    database analysts read (`published_marts` publishes it with the exports and the
    report)."""
    settings = warehouse.settings()
    with warehouse.connect() as con:
        staged = stage_database(con, MartsFolder(settings.marts_dir), PUBLISHED_TABLES)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(staged.tables.values())),
            "path": dg.MetadataValue.path(str(staged.database)),
            **{f"rows_{table}": rows for table, rows in staged.tables.items()},
        }
    )


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(citizen_metrics.publish.exports, citizen_metrics.publish.workbook),
    kinds={"parquet", "csv", "excel"}, deps=[citizen_metrics_database],
)
def mart_exports(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every published table as Parquet (for notebooks) and CSV (for Excel), and the M&E
    officers' workbook `citizen_metrics.xlsx` (one sheet per theme, in French), for
    `data/marts/exports/`, read from tonight's database."""
    folder = MartsFolder(warehouse.settings().marts_dir)
    written = export_tables(folder.staged_database, folder.staged_exports)
    with open_database(folder.staged_database) as con:
        rows = sum(con.table(table).shape[0] for table in PUBLISHED_TABLES)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "folder": dg.MetadataValue.path(str(folder.staged_exports)),
            "files": len(written),
        }
    )


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(citizen_metrics.publish.report.data,
                              citizen_metrics.publish.report.charts,
                              citizen_metrics.publish.report.page,
                              citizen_metrics.publish.report.questions,
                              citizen_metrics.publish.report.ranking,
                              citizen_metrics.publish.report.quality),
    kinds={"html", "plotly"}, deps=[citizen_metrics_database],
)
def manager_report(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The programme managers' report `report/rapport.html`, in French with Arabic names:
    for the region, each province and each programme commune, headline figures,
    satisfaction by service and group, equity gaps, participation against targets, and data
    quality. One file that opens offline, from a shared folder or an e-mail."""
    folder = MartsFolder(warehouse.settings().marts_dir)
    with building(folder.staged_report) as report:
        summary = build_report(folder.staged_database, report / REPORT_FILE_NAME)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(summary.geographies),
            "path": dg.MetadataValue.path(str(folder.staged_report / REPORT_FILE_NAME)),
            "geographies": summary.geographies,
            "figures": summary.figures,
            "size_mb": round(summary.size_bytes / 1e6, 1),
            "seconds": round(summary.seconds, 2),
        }
    )


@dg.asset_check(
    asset="quality_file_summary", blocking=True, pool=WAREHOUSE_POOL,
    additional_deps=["stg_raw_files"],
    description=bilingual(
        "La nuit contient au moins ce que contenait la dernière publication : aucun fichier "
        "chargé alors n'a disparu du dossier de dépôt, et les réponses et présences "
        "retenues n'ont pas baissé de plus de 20 % (par défaut). Sinon rien n'est publié et "
        "les chiffres précédents restent ; PIPELINE_REBASELINE=1 accepte une fois, exprès, "
        "une nuit plus petite.",
        "Tonight holds at least what the last publication held: no file loaded then is gone "
        "from the raw folder, and accepted survey responses and workshop attendances have "
        "not fallen by more than the guard's share (20 %). Otherwise nothing is published "
        "and the previous figures stay; PIPELINE_REBASELINE=1 accepts a smaller night on "
        "purpose, once."),
)
def night_is_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Tonight holds at least what the last publication held: no file loaded then is gone
    from the raw folder, and accepted survey responses and workshop attendances have not
    fallen by more than the guard's share (20 %, `programme.yaml`). Otherwise nothing is
    published and the previous figures stay; `PIPELINE_REBASELINE=1` (or the resource's
    `rebaseline`) accepts a smaller night on purpose, once."""
    settings = warehouse.settings()
    with warehouse.connect() as con:
        tonight = NightFigures.read(con)
        present = dict(con.execute(
            "select source_file, sha256 from stg_raw_files").fetchall())
    last = last_publication(settings.marts_dir)
    verdict = judge(tonight, last, present, max_drop=settings.max_drop,
                    rebaseline=settings.rebaseline)
    message = verdict.message(last)
    return dg.AssetCheckResult(
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=message,
        metadata={
            "verdict": message,
            "tonight": dg.MetadataValue.json(tonight.as_dict()),
            "last_publication": dg.MetadataValue.json(last.figures.as_dict() if last else {}),
            "max_drop": settings.max_drop,
            "rebaseline": settings.rebaseline,
        },
    )


@dg.asset(
    group_name=GROUP, owners=OWNERS[GROUP], tags=TAGS, freshness_policy=PUBLISHED_FRESHNESS,
    code_version=code_version(citizen_metrics.publish.release, citizen_metrics.operations.guard),
    kinds={"duckdb", "parquet", "html"},
    deps=[citizen_metrics_database, mart_exports, manager_report],
)
def published_marts(context: dg.AssetExecutionContext,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The night's figures as readers see them: the database, the exports, the report and
    `manifest.json` (run id, time, files and their SHA-256, and the fingerprint of the
    night's inputs that tells a later night it has nothing new), published together in one swap
    of `data/marts/current`, so that a reader gets last night's set or tonight's, never a
    mix, never a missing `exports/`."""
    settings = warehouse.settings()
    folder = MartsFolder(settings.marts_dir)
    with open_database(folder.staged_database) as con:
        night = NightFigures.read(con).as_dict()
        names = [name for (name,) in con.execute(
            "select table_name from duckdb_tables() order by 1").fetchall()]
        tables = {name: int(scalar(con, f"select count(*) from {name}")) for name in names}
    inputs = recorded_run_inputs(settings.work_dir, context.run_id)
    release = publish_staged(folder, run_id=context.run_id, night=night, tables=tables,
                             inputs=inputs.as_dict() if inputs else None)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(sum(tables.values())),
        "release": dg.MetadataValue.path(str(release.path)),
        "published_at": str(release.manifest["published_at"]),
        **{key: value for key, value in night.items() if isinstance(value, int)},
    })


PUBLICATION_ASSETS = [citizen_metrics_database, mart_exports, manager_report, published_marts]
PUBLICATION_CHECKS = [night_is_complete]
