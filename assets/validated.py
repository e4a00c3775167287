"""Validated data: de-duplicated, consent applied, pandera rules enforced, rows quarantined
with their reasons instead of failing the run."""

from __future__ import annotations

import dagster as dg
import duckdb

from assets.metadata import markdown_table
from assets.raw import raw_survey_responses, raw_workshop_registers
from assets.reference import reference_geography
from assets.resources import WAREHOUSE_POOL, PipelineResource
from pipeline.dispositions import resolve_registers, resolve_survey
from pipeline.marts import SqlContext, run_sql
from pipeline.schemas import ReferenceCodes
from pipeline.warehouse import scalar

GROUP = "validated"


def _reference_codes(con: duckdb.DuckDBPyConnection) -> ReferenceCodes:
    """The province and commune codes the survey rules accept, from the reference tables."""
    return ReferenceCodes(
        provinces=[r[0] for r in con.execute("select province_code from ref_provinces").fetchall()],
        communes=[r[0] for r in con.execute("select commune_code from ref_communes").fetchall()],
    )


@dg.asset(
    group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "pandera"},
    deps=[raw_survey_responses, reference_geography],
)
def validated_survey_responses(pipeline: PipelineResource) -> dg.MaterializeResult:
    """One row per valid, consenting, latest-version survey response (`int_survey_responses`)
    with its disaggregation dimensions (sex, age group, WG-SS disability, declared residence),
    quality flags and commune-population weight. Every staged row gets a disposition
    (`int_survey_dispositions`); broken rules go to `int_survey_quarantine`."""
    settings = pipeline.settings()
    context = SqlContext.build(settings)
    with pipeline.warehouse() as con:
        dispositions = resolve_survey(con, context.form, _reference_codes(con), settings)
        run_sql(con, "int_survey_responses", context)
        accepted = scalar(con, "select count(*) from int_survey_responses")
        rules = markdown_table(
            con,
            "select rule, count(*) as rows from int_survey_quarantine group by 1 order by 2 desc",
        )
        flags = markdown_table(
            con,
            "select unnest(quality_flags) as flag, count(*) as responses "
            "from int_survey_responses group by 1 order by 2 desc",
        )
    return dg.MaterializeResult(
        metadata={
            "accepted_responses": accepted,
            "dispositions": dispositions,
            "quarantine_by_rule": rules,
            "quality_flags": flags,
        }
    )


@dg.asset(
    group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "pandera"},
    deps=[raw_workshop_registers, reference_geography],
)
def validated_attendances(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Accepted workshops (`int_workshops`, one per id_atelier) and attendances
    (`int_attendances`, one per person per workshop, with a pseudonymous `person_id` for
    counting unique participants). Participants of unknown workshops are quarantined."""
    settings = pipeline.settings()
    context = SqlContext.build(settings)
    with pipeline.warehouse() as con:
        dispositions = resolve_registers(con, settings)
        run_sql(con, "int_attendances", context)
        workshops = scalar(con, "select count(*) from int_workshops")
        attendances = scalar(con, "select count(*) from int_attendances")
        rules = markdown_table(
            con,
            "select rule, count(*) as rows from int_register_quarantine "
            "group by 1 order by 2 desc",
        )
    return dg.MaterializeResult(
        metadata={
            "workshops": workshops,
            "attendances": attendances,
            "dispositions": dispositions,
            "quarantine_by_rule": rules,
        }
    )
