"""The night's publication: refused when the night looks wrong, else the database, exports,
report and manifest published together (`pipeline.guard`, `pipeline.publication.release`)."""


import dagster as dg

from assets.marts import (
    PUBLISH_GROUP,
    citizen_metrics_database,
    manager_report,
    mart_exports,
    quality_file_summary,
)
from assets.resources import WAREHOUSE_POOL, PipelineResource
from pipeline.guard import NightFigures, judge, last_publication
from pipeline.marts_access import open_database
from pipeline.publication.release import MartsFolder, publish_staged
from pipeline.warehouse import scalar


@dg.asset_check(asset=quality_file_summary, blocking=True, pool=WAREHOUSE_POOL)
def night_is_complete(pipeline: PipelineResource) -> dg.AssetCheckResult:
    """Tonight holds at least what the last publication held: no file loaded then is gone
    from the raw folder, and accepted survey responses and workshop attendances have not
    fallen by more than the guard's share (20 %, `programme.yaml`). Otherwise nothing is
    published and the previous figures stay; `PIPELINE_REBASELINE=1` (or the resource's
    `rebaseline`) accepts a smaller night on purpose, once."""
    settings = pipeline.settings()
    with pipeline.warehouse() as con:
        tonight = NightFigures.read(con)
        present = dict(con.execute(
            "select source_file, sha256 from stg_raw_files").fetchall())
    last = last_publication(settings.marts_dir)
    verdict = judge(tonight, last, present, max_drop=settings.max_drop,
                    rebaseline=settings.rebaseline)
    message = verdict.message(last)
    return dg.AssetCheckResult(
        passed=verdict.passed,
        description=message,
        metadata={
            "verdict": message,
            "tonight": dg.MetadataValue.json(tonight.as_dict()),
            "last_publication": dg.MetadataValue.json(last.figures.as_dict() if last else {}),
            "max_drop": settings.max_drop,
            "rebaseline": settings.rebaseline,
        },
    )


@dg.asset(group_name=PUBLISH_GROUP, kinds={"duckdb", "parquet", "html"},
          deps=[citizen_metrics_database, mart_exports, manager_report])
def published_marts(context: dg.AssetExecutionContext,
                    pipeline: PipelineResource) -> dg.MaterializeResult:
    """Tonight's marts database, exports, report and `manifest.json` (run id, time, files
    and their SHA-256), published together in one swap of `data/marts/current`: readers see
    last night's set or tonight's, never a mix, never a missing `exports/`."""
    folder = MartsFolder(pipeline.settings().marts_dir)
    with open_database(folder.staged_database) as con:
        night = NightFigures.read(con).as_dict()
        names = [name for (name,) in con.execute(
            "select table_name from duckdb_tables() order by 1").fetchall()]
        tables = {name: int(scalar(con, f"select count(*) from {name}")) for name in names}
    release = publish_staged(folder, run_id=context.run_id, night=night, tables=tables)
    return dg.MaterializeResult(metadata={
        "release": dg.MetadataValue.path(str(release.path)),
        "published_at": str(release.manifest["published_at"]),
        **{key: value for key, value in night.items() if isinstance(value, int)},
    })
