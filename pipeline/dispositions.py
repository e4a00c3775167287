"""Where every staged row ends: accepted, duplicate, superseded, excluded or quarantined.

Order of decisions (the same for surveys and registers):
1. De-duplication across cumulative exports. Rows of one submission (`submission_key`) with
   identical answers are one *version*; its first copy (file order, then row) represents it
   and the other copies are `duplicate`. Among a submission's versions the latest
   `submitted_at` wins (ties: the version with more answers, then the later file); the
   representatives of the other versions are `superseded`. Workshops are versions of one
   `id_atelier` alike. Attendances have no id: a repeat is the same row again, and a row
   corrected at the same place of a re-sent register supersedes the older one
   (`_attendance_dedup_sql`).
2. Consent: a winning response whose consent is `no` is `excluded_no_consent`.
3. Validation (pandera, `pipeline.schemas`) of what is left: a row breaking any rule is
   `quarantined`, with one `quality_quarantine` row per broken rule; the others are
   `accepted`. Rows the reader could not parse at all are quarantined as `malformed_row`.

Deciding the latest version before validating means an edit that introduced an error is
quarantined rather than silently replaced by the older version.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.schemas import (
    ASKED_QUESTIONS,
    ATTENDANCE_SCHEMA,
    WORKSHOP_SCHEMA,
    ReferenceCodes,
    survey_response_schema,
)
from pipeline.settings import Settings
from pipeline.tables.rules import MALFORMED_ROW, messages
from pipeline.validation import failures
from pipeline.warehouse import replace_table
from pipeline.xlsform import SurveyForm

DISPOSITIONS = ("accepted", "duplicate", "superseded", "excluded_no_consent", "quarantined")


def _content_hash(columns: list[str], alias: str = "") -> str:
    """A 64-bit hash of the answers. Versions are only ever compared within one submission,
    so a collision would need two versions of the same submission to hash alike (about one
    chance in 10^19); md5 of the concatenated answers cost ten times more."""
    prefix = f"{alias}." if alias else ""
    return f"hash({', '.join(prefix + column for column in columns)})"


def _answered(columns: list[str]) -> str:
    return " + ".join(f"({c} is not null)::int" for c in columns)


def _dedup_sql(table: str, key: str, content_columns: list[str], version_time: str) -> str:
    """Rows of `table` with `dedup_status` candidate / duplicate / superseded.

    Rows without a key cannot be matched to anything and stay candidates (validation then
    quarantines them if the key is required).
    """
    return f"""
    with rows as (
        select t.source_file, t.sheet, t.source_row, t.{key} as dedup_key, f.file_order,
               {version_time} as version_time,
               {_content_hash(content_columns, "t")} as content_hash,
               {_answered(["t." + c for c in content_columns])} as answered
        from {table} t join stg_raw_files f using (source_file)
    ),
    copies as (
        select *, row_number() over (
            partition by dedup_key, content_hash order by file_order, sheet, source_row
        ) as copy_number
        from rows
    ),
    versions as (
        select dedup_key, content_hash, max(version_time) as version_time,
               max(answered) as answered, max(file_order) as last_file_order
        from copies where dedup_key is not null
        group by dedup_key, content_hash
    ),
    ranked as (
        select dedup_key, content_hash, row_number() over (
            partition by dedup_key
            order by version_time desc nulls last, answered desc, last_file_order desc,
                     content_hash
        ) as version_rank
        from versions
    )
    select c.source_file, c.sheet, c.source_row,
           case when c.dedup_key is null then 'candidate'
                when c.copy_number > 1 then 'duplicate'
                when r.version_rank > 1 then 'superseded'
                else 'candidate' end as dedup_status
    from copies c left join ranked r using (dedup_key, content_hash)
    """


def _quarantine_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, found: pl.DataFrame
) -> None:
    """Write `found` (failures by row_index of `frame`) as quarantine rows into `table`."""
    keyed = found.join(
        frame.select("source_file", "sheet", "source_row").with_row_index("row_index")
        .with_columns(pl.col("row_index").cast(pl.Int64)),
        on="row_index",
    ).select("source_file", "sheet", "source_row", "rule", "column", "value", "message")
    replace_table(con, table, keyed.to_arrow())


def _malformed_sql(failure_table: str) -> str:
    message = MALFORMED_ROW.message.replace("'", "''")
    return f"""
    select source_file, sheet, source_row, '{MALFORMED_ROW.id}' as rule, null::varchar as column,
           null::varchar as value, '{message}: ' || message as message
    from {failure_table}
    """


# --- survey ----------------------------------------------------------------------------------


def resolve_survey(
    con: duckdb.DuckDBPyConnection,
    form: SurveyForm,
    codes: ReferenceCodes,
    settings: Settings,
) -> dict[str, int]:
    """`int_survey_dispositions` and `int_survey_quarantine` from `stg_survey_rows`."""
    answers = list(form.answer_fields)
    con.execute(
        "create or replace temp view survey_rows as select *, ''::varchar as sheet "
        "from stg_survey_rows"
    )
    con.execute(
        "create or replace temp table survey_dedup as "
        + _dedup_sql("survey_rows", "submission_key", answers, "t.submitted_at")
    )
    scored = [*form.likert_questions, *(f"used_{s}" for s in form.services)]
    # Whether each row's file has a column for the questions a response must answer.
    asked = ", ".join(
        f"not list_contains(string_split(coalesce(r.missing_questions, ''), ', '), "
        f"'{question}') as {question}_asked"
        for question in ASKED_QUESTIONS
    )
    frame = con.sql(
        f"""
        select s.source_file, ''::varchar as sheet, s.source_row, s.submission_key, s.consent,
               s.province, s.commune, c.province_code as commune_province, s.sex, s.age,
               {asked}, {", ".join("s." + c for c in scored)}
        from stg_survey_rows s
        join survey_dedup d using (source_file, source_row)
        join stg_survey_file_reads r using (source_file)
        left join ref_communes c on c.commune_code = s.commune
        where d.dedup_status = 'candidate' and s.consent is distinct from 'no'
        order by s.source_file, s.source_row
        """
    ).pl()
    schema = survey_response_schema(codes, form, (settings.min_age, settings.max_age))
    found = failures(frame, schema, messages(settings), settings.region_code)
    _quarantine_rows(con, "survey_validation_failures", frame, found)
    con.execute(
        f"""
        create or replace table int_survey_quarantine as
        select * from survey_validation_failures
        union all {_malformed_sql("stg_survey_read_failures")}
        """
    )
    con.execute(
        """
        create or replace table int_survey_dispositions as
        select s.source_file, s.source_row,
               case when d.dedup_status <> 'candidate' then d.dedup_status
                    when s.consent = 'no' then 'excluded_no_consent'
                    when q.source_row is not null then 'quarantined'
                    else 'accepted' end as disposition
        from stg_survey_rows s
        join survey_dedup d using (source_file, source_row)
        left join (select distinct source_file, source_row from survey_validation_failures) q
            using (source_file, source_row)
        union all
        select source_file, source_row, 'quarantined' from stg_survey_read_failures
        """
    )
    return dict(
        con.execute(
            "select disposition, count(*) from int_survey_dispositions group by 1"
        ).fetchall()
    )


# --- workshop registers ------------------------------------------------------------------------


# What makes two participant rows the same row again (INDICATORS.md §4): the workshop and
# every value as normalised by the reader, so that typing variants (case, spaces, `F` or
# `Femme`, phone formats) do not matter but a different sex, age, category or phone does.
ATTENDANCE_CONTENT = ("workshop_id", "person_key", "sex", "age", "category", "disability",
                      "residence")


def _attendance_dedup_sql() -> str:
    """Rows of `stg_attendances` with `dedup_status` candidate / duplicate / superseded.

    Registers carry no submission id nor time, so rows are matched in two ways:
    - by place: an expert re-sends the same workbook with rows appended, so the row at the
      same position of the same sheet in a newer version of the same expert's register is
      the same attendance; when its values changed (an age corrected), the older row is
      `superseded`. A register is known by the expert code of its workshops (`code_expert`)
      and its first workshop, which a re-sent version keeps (rows are appended): two
      different workbooks of one expert are not versions of each other. The version order
      is the files' order (modification time). Rows of one file never supersede each other.
    - by content: among the rows left, a row identical to an earlier one (a re-sent copy, a
      row typed twice) is a `duplicate`; rows that differ in sex, age, category or phone are
      namesakes, two attendances. Rows without a workshop or a person (neither name nor
      phone) are matched to nothing by content: validation quarantines them.
    """
    content = ", ".join(f"a.{column}" for column in ATTENDANCE_CONTENT)
    partition = ", ".join(ATTENDANCE_CONTENT)
    return f"""
    with registers as (
        select source_file,
               coalesce(mode(expert_key), '') || ' ' || arg_min(workshop_id, source_row)
                   as register_id
        from stg_workshops where workshop_id is not null group by source_file
    ),
    rows as (
        select a.source_file, a.sheet, a.source_row, f.file_order,
               coalesce(r.register_id, 'file ' || a.source_file) as register_id,
               a.workshop_id is not null and a.person_key is not null as matchable,
               {content}, hash({content}) as content_hash
        from stg_attendances a
        join stg_raw_files f using (source_file)
        left join registers r using (source_file)
    ),
    latest_at_place as (
        select register_id, sheet, source_row, arg_max(content_hash, file_order) as latest_hash
        from rows group by all
    ),
    placed as (
        select r.*, r.content_hash <> p.latest_hash as replaced
        from rows r join latest_at_place p using (register_id, sheet, source_row)
    ),
    copies as (
        select source_file, sheet, source_row, matchable, row_number() over (
            partition by {partition} order by file_order, sheet, source_row
        ) as copy_number
        from placed where not replaced
    )
    select source_file, sheet, source_row, 'superseded' as dedup_status
    from placed where replaced
    union all
    select source_file, sheet, source_row,
           case when matchable and copy_number > 1 then 'duplicate' else 'candidate' end
    from copies
    """


def resolve_registers(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """`int_register_dispositions` and `int_register_quarantine` from the staged registers.

    Workshops are matched on `id_atelier`: among conflicting versions the later file
    (modification time) wins, registers carry no submission time. Attendances are matched
    by place and content (`_attendance_dedup_sql`, INDICATORS.md §4).
    """
    con.execute(
        "create or replace temp table workshop_dedup as "
        + _dedup_sql("stg_workshops", "workshop_id",
                     ["commune_code", "workshop_date", "workshop_type"], "null::timestamp")
    )
    workshops = con.sql(
        """
        select w.source_file, w.sheet, w.source_row, w.workshop_id, w.commune_code,
               (c.commune_code is not null) as commune_known
        from stg_workshops w join workshop_dedup d using (source_file, sheet, source_row)
        left join ref_communes c on c.commune_code = w.commune_code
        where d.dedup_status = 'candidate'
        order by w.source_file, w.source_row
        """
    ).pl()
    _quarantine_rows(con, "workshop_failures", workshops,
                     failures(workshops, WORKSHOP_SCHEMA, messages(settings),
                              settings.region_code))
    con.execute(
        """
        create or replace temp table accepted_workshop_ids as
        select distinct w.workshop_id
        from stg_workshops w join workshop_dedup d using (source_file, sheet, source_row)
        anti join workshop_failures q using (source_file, sheet, source_row)
        where d.dedup_status = 'candidate' and w.workshop_id is not null
        """
    )
    con.execute(
        "create or replace temp table attendance_dedup as " + _attendance_dedup_sql()
    )
    attendances = con.sql(
        """
        select a.source_file, a.sheet, a.source_row, a.workshop_id, a.person_key,
               (k.workshop_id is not null) as workshop_known
        from stg_attendances a join attendance_dedup d using (source_file, sheet, source_row)
        left join accepted_workshop_ids k using (workshop_id)
        where d.dedup_status = 'candidate'
        order by a.source_file, a.source_row
        """
    ).pl()
    _quarantine_rows(
        con, "attendance_failures", attendances,
        failures(attendances, ATTENDANCE_SCHEMA, messages(settings), settings.region_code),
    )
    con.execute(
        f"""
        create or replace table int_register_quarantine as
        select * from workshop_failures
        union all select * from attendance_failures
        union all {_malformed_sql("stg_register_read_failures")}
        """
    )
    con.execute(
        """
        create or replace table int_register_dispositions as
        with failed as (
            select distinct source_file, sheet, source_row from workshop_failures
            union select distinct source_file, sheet, source_row from attendance_failures
        ),
        statuses as (
            select * from workshop_dedup union all select * from attendance_dedup
        )
        select s.source_file, s.sheet, s.source_row,
               case when s.dedup_status <> 'candidate' then s.dedup_status
                    when f.source_row is not null then 'quarantined'
                    else 'accepted' end as disposition
        from statuses s left join failed f using (source_file, sheet, source_row)
        union all
        select source_file, sheet, source_row, 'quarantined' from stg_register_read_failures
        """
    )
    return dict(
        con.execute(
            "select disposition, count(*) from int_register_dispositions group by 1"
        ).fetchall()
    )
