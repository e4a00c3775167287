"""Reference data: the region's geography, the programme cohort and the questionnaire."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from assets.metadata import markdown_table
from assets.resources import WAREHOUSE_POOL, PipelineResource
from pipeline.labels import LabelFile, labels_file
from pipeline.reference import Reference
from pipeline.warehouse import replace_table
from pipeline.xlsform import label_in, load_form

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
    exist. Written as `ref_survey_questions` and `ref_survey_choices` (French and Arabic
    labels, in form order), from which the published labels are built."""
    form = load_form(pipeline.settings().survey_form)
    questions = pa.Table.from_pylist(
        [
            {
                "name": q.name,
                "type": q.type,
                "group_path": "/".join(q.groups),
                "list_name": q.list_name,
                "label_fr": label_in(q.labels, "fr"),
                "label_ar": label_in(q.labels, "ar"),
                "kept_by_pipeline": q.name in form.answer_fields,
                "form_order": order,
            }
            for order, q in enumerate(form.questions)
        ]
    )
    choices = pa.Table.from_pylist(
        [
            {
                "list_name": list_name,
                "name": choice.name,
                "label_fr": label_in(choice.labels, "fr"),
                "label_ar": label_in(choice.labels, "ar"),
                "sort_order": order,
            }
            for list_name, listed in form.choices.items()
            for order, choice in enumerate(listed)
        ],
        schema=pa.schema([("list_name", pa.string()), ("name", pa.string()),
                          ("label_fr", pa.string()), ("label_ar", pa.string()),
                          ("sort_order", pa.int64())]),
    )
    with pipeline.warehouse() as con:
        replace_table(con, "ref_survey_questions", questions)
        replace_table(con, "ref_survey_choices", choices)
    return dg.MaterializeResult(
        metadata={
            "form_version": form.version,
            "questions": len(form.questions),
            "choice_lists": len(form.choices),
            "services": ", ".join(form.services),
            "score_indicators": len(form.likert_questions),
        }
    )


@dg.asset(group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "yaml"})
def reference_labels(pipeline: PipelineResource) -> dg.MaterializeResult:
    """French and Arabic labels that the questionnaire does not carry (age bands, breakdown
    names, estimate types, dispositions, quarantine rules, workshop types…), read from
    `data/reference/labels.yaml` with the age bands and threshold of the run filled in, and
    written as `ref_labels`."""
    settings = pipeline.settings()
    labels = LabelFile.load(labels_file(settings), settings)
    with pipeline.warehouse() as con:
        replace_table(con, "ref_labels", labels.rows)
    counts = labels.rows.groupby("code_list").size()
    return dg.MaterializeResult(
        metadata={"labels": len(labels.rows),
                  "by_list": dg.MetadataValue.json({k: int(v) for k, v in counts.items()})}
    )
