"""Labels published with the marts: the French and Arabic name of every code."""

from __future__ import annotations

import dagster as dg

from assets.reference import reference_geography, reference_labels, survey_form
from assets.resources import WAREHOUSE_POOL, PipelineResource
from pipeline.labels import LABEL_TABLES
from pipeline.marts import SqlContext, run_sql

LABELS_GROUP = "labels"

DESCRIPTIONS = {
    "label_geographies": "French and Arabic names of the region, its provinces and all its "
    "communes (from communes.csv and provinces.csv), with each commune's province and "
    "whether it is in the programme.",
    "label_indicators": "French and Arabic names of every indicator: the 12 services, "
    "overall satisfaction and trust (from the questionnaire) and the participation shares.",
    "label_groups": "French and Arabic names of every breakdown and group, pairs included "
    "(`female,rural` → Femme · Rural), and of the equity gaps' comparison groups.",
    "label_questions": "French and Arabic wording of every closed question of the "
    "questionnaire that the pipeline keeps.",
    "label_options": "French and Arabic labels of every answer option of those questions, "
    "from the questionnaire's choice lists.",
    "label_codes": "French and Arabic labels of the other codes: geography levels, estimate "
    "types, suppression, dispositions, file kinds and statuses, quarantine rules, quality "
    "flags, workshop types, participant categories.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            table,
            group_name=LABELS_GROUP,
            kinds={"duckdb"},
            description=DESCRIPTIONS[table],
            deps=[reference_geography, survey_form, reference_labels],
        )
        for table in LABEL_TABLES
    ],
    pool=WAREHOUSE_POOL,
)
def label_tables(pipeline: PipelineResource):
    """Build every `label_*` table in one step: they are small and read the same three
    reference tables (the questionnaire, the reference lists and labels.yaml)."""
    context = SqlContext.build(pipeline.settings())
    with pipeline.warehouse() as con:
        for table in LABEL_TABLES:
            run_sql(con, table, context)
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            yield dg.MaterializeResult(asset_key=table, metadata={"rows": rows})
