"""One asset per warehouse table, made from the table declarations and the pipeline's steps.

Each table is an asset named like the table, in the group of its layer (reference, staging,
intermediate, marts, labels, quality), with what it is for as description, its owners and
tags, its column schema and the code version of the step that builds it. A step that writes
several tables at once (the readers write the rows, what was read from each file and the
unreadable rows) is one multi-asset with one asset per table. Dependencies are the tables a
step reads: the `ref()` calls of its SQL file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dagster as dg

from citizen_metrics.build.dispositions import VALIDATIONS
from citizen_metrics.build.runner import SqlContext
from citizen_metrics.build.steps import STEPS, Step, build
from citizen_metrics.defs.resources import WAREHOUSE_POOL, WarehouseResource
from citizen_metrics.tables import TABLES
from citizen_metrics.tables.model import Field, FieldFamily, Table, bilingual

# Who answers for each layer: the M&E unit for the figures and the lists they rest on, the
# data operations team for what is read from the field files and how it is cleaned.
ME_UNIT = "team:me_unit"
DATA_OPERATIONS = "team:data_operations"
OWNERS = {
    "reference": [ME_UNIT],
    "staging": [DATA_OPERATIONS],
    "intermediate": [DATA_OPERATIONS],
    "marts": [ME_UNIT],
    "labels": [ME_UNIT],
    "quality": [DATA_OPERATIONS, ME_UNIT],
    "publication": [ME_UNIT],
}
# The published figures are rebuilt every night at 02:00: more than 26 hours without a new
# version means a night was missed.
PUBLISHED_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26))


def _privacy(table: Table) -> str:
    if table.published:
        return "published"
    return "reference" if table.layer == "reference" else "pseudonymised"


def tags(layer: str, domain: str, privacy: str) -> dict[str, str]:
    """Tags to filter the catalog by: the layer, the subject, and who may see the data
    (`published`, `reference`, or `pseudonymised` rows that stay in the private warehouse)."""
    return {"layer": layer, "domain": domain, "data": privacy}


def _column(column: Field | FieldFamily) -> dg.TableColumn:
    allowed = [f"values: {', '.join(column.values)}"] if column.values else []
    source = [f"values from {column.values_from}"] if column.values_from else []
    return dg.TableColumn(
        column.name, column.duckdb_type,
        description=bilingual(column.description_fr, column.description_en),
        constraints=dg.TableColumnConstraints(nullable=column.nullable,
                                              other=[*allowed, *source] or None),
    )


def column_schema(table: Table, source: object = None) -> dg.TableSchema:
    """The table's columns as Dagster shows them: generated columns as their family
    (`share_<category>`) without `source`, one by one with the run's lists."""
    columns = table.all_fields(source) if source is not None else table.fields
    return dg.TableSchema(columns=[_column(column) for column in columns])


def table_spec(table: Table, step: Step) -> dg.AssetSpec:
    validation = table.name in VALIDATIONS
    kinds = {"duckdb", *step.files, *(["pandera"] if validation else [])}
    return dg.AssetSpec(
        table.name,
        group_name=table.layer,
        description=table.description,
        deps=list(step.reads),
        owners=OWNERS[table.layer],
        tags=tags(table.layer, table.domain, _privacy(table)),
        kinds=kinds,
        code_version=step.code_version,
        metadata={"dagster/column_schema": dg.MetadataValue.table_schema(column_schema(table))},
        freshness_policy=PUBLISHED_FRESHNESS if table.published else None,
    )


def _materializations(warehouse: WarehouseResource, step: Step) -> Iterator[dg.MaterializeResult]:
    context = SqlContext.build(warehouse.settings())
    with warehouse.connect() as con:
        facts, built = build(con, step, context)
    for name, table in built.items():
        declared = TABLES[name]
        metadata: dict[str, Any] = {
            "dagster/row_count": dg.MetadataValue.int(table.rows),
            "dagster/column_schema": dg.MetadataValue.table_schema(
                column_schema(declared, context.lists)),
            **facts,
        }
        if table.summary:
            metadata[f"rows_by_{declared.summary_by}"] = dg.MetadataValue.json(table.summary)
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)


def step_asset(step: Step) -> dg.AssetsDefinition:
    """The asset (or multi-asset, one asset per table) that runs `step`."""

    @dg.multi_asset(
        name=step.name,
        specs=[table_spec(TABLES[name], step) for name in step.tables],
        pool=WAREHOUSE_POOL,
        description=(TABLES[step.name].description if step.name in TABLES else
                     f"Builds {', '.join(step.tables)}."),
    )
    def materialize(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        yield from _materializations(warehouse, step)

    return materialize


TABLE_ASSETS = [step_asset(step) for step in STEPS.values()]
