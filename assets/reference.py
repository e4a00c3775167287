"""Reference data: the region's geography, the programme cohort and the questionnaire."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from assets.metadata import markdown_table
from assets.resources import WAREHOUSE_POOL, PipelineResource
from pipeline.reference import Reference
from pipeline.warehouse import replace_table
from pipeline.xlsform import load_form

GROUP = "reference"


@dg.asset(group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "csv"})
def reference_geography(pipeline: PipelineResource) -> dg.MaterializeResult:
    """The 135 communes and 5 provinces of Béni Mellal-Khénifra (HCP codes, RGPH 2024
    populations used as survey weights) and the 40-commune programme cohort, checked with
    pandera and written as `ref_communes`, `ref_provinces` and `ref_geography`."""
    reference = Reference.load(pipeline.settings())
    with pipeline.warehouse() as con:
        reference.write(con)
        by_province = markdown_table(
            con,
            """
            select p.name_fr as province, count(*) as communes,
                   count(*) filter (in_programme) as in_programme
            from ref_communes c join ref_provinces p using (province_code)
            group by all order by 1
            """,
        )
    return dg.MaterializeResult(
        metadata={
            "communes": len(reference.communes),
            "provinces": len(reference.provinces),
            "cohort_communes": len(reference.cohort),
            "by_province": by_province,
        }
    )


@dg.asset(group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "excel"})
def survey_form(pipeline: PipelineResource) -> dg.MaterializeResult:
    """The citizen questionnaire (XLSForm `citizen_survey.xlsx`) read at run time: its
    questions, groups and choice labels drive how exports are mapped and which indicators
    exist. Written as `ref_survey_questions` for analysts."""
    form = load_form(pipeline.settings().survey_form)
    questions = pa.Table.from_pylist(
        [
            {
                "name": q.name,
                "type": q.type,
                "group_path": "/".join(q.groups),
                "list_name": q.list_name,
                "label_fr": q.labels.get("French (fr)"),
                "label_ar": q.labels.get("Arabic (ar)"),
                "kept_by_pipeline": q.name in form.answer_fields,
            }
            for q in form.questions
        ]
    )
    with pipeline.warehouse() as con:
        replace_table(con, "ref_survey_questions", questions)
    return dg.MaterializeResult(
        metadata={
            "form_version": form.version,
            "questions": len(form.questions),
            "services": ", ".join(form.services),
            "score_indicators": len(form.likert_questions),
        }
    )
