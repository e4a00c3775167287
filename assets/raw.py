"""Raw inputs: the files clerks drop into `data/raw/`, recognised by content and staged."""

from __future__ import annotations

import dagster as dg
import pyarrow.compute as pc

from assets.metadata import markdown_table
from assets.reference import survey_form
from assets.resources import WAREHOUSE_POOL, PipelineResource
from pipeline.guard import raw_folder_problem
from pipeline.privacy import Pseudonymiser, load_salt
from pipeline.readers.registers import RegisterMapping
from pipeline.readers.survey import SurveyMapping
from pipeline.staging import stage_file_inventory, stage_register_files, stage_survey_files
from pipeline.xlsform import load_form

GROUP = "raw"


@dg.asset(group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb"})
def raw_file_inventory(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Every file in the raw folder with its size, modification time, SHA-256 and kind
    (survey export, workshop register or unknown), told apart by content, never by name."""
    settings = pipeline.settings()
    problem = raw_folder_problem(settings.raw_dir, rebaseline=settings.rebaseline)
    if problem is not None:
        raise dg.Failure(description=problem)
    with pipeline.warehouse() as con:
        files = stage_file_inventory(con, settings.raw_dir, settings.read_limits)
        listing = markdown_table(
            con, "select source_file, file_kind, size_bytes, modified_at from stg_raw_files"
        )
    return dg.MaterializeResult(
        metadata={
            "raw_dir": str(settings.raw_dir),
            "files": len(files),
            "by_kind": {
                str(count["values"]): int(count["counts"])
                for count in pc.value_counts(files["file_kind"]).to_pylist()
            },
            "files_found": listing,
        }
    )


@dg.asset(
    group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "csv", "excel"},
    deps=[raw_file_inventory, survey_form],
)
def raw_survey_responses(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Survey exports (Kobo CSV/XLSX with names or French/Arabic labels, ODK Central CSV,
    paper-era files) mapped through the XLSForm into one canonical table `stg_survey_rows`,
    one row per data row of each file. Names, phones, comments and douar are dropped here;
    submission and enumerator ids are replaced by keyed hashes."""
    settings = pipeline.settings()
    form = load_form(settings.survey_form)
    with pipeline.warehouse() as con:
        mapping = SurveyMapping(form, Pseudonymiser(load_salt(settings)),
                                settings.vocabularies.selected_flags)
        counts = stage_survey_files(con, settings.raw_dir, mapping, settings.read_limits)
        files = markdown_table(
            con,
            "select source_file, file_shape, status, rows_read, encoding, reason "
            "from stg_survey_file_reads order by source_file",
        )
    return dg.MaterializeResult(metadata={**counts, "files_read": files})


@dg.asset(
    group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"duckdb", "excel"}, deps=[raw_file_inventory]
)
def raw_workshop_registers(pipeline: PipelineResource) -> dg.MaterializeResult:
    """Workshop registers (one workbook per expert, re-sent monthly): workshops into
    `stg_workshops`, attendances into `stg_attendances`, hand-typed values normalised
    (sex, yes/no in French or Arabic, dates, phones). Participants' names and phones become a
    keyed `person_key` and go no further."""
    settings = pipeline.settings()
    with pipeline.warehouse() as con:
        mapping = RegisterMapping(Pseudonymiser(load_salt(settings)), settings.vocabularies)
        counts = stage_register_files(con, settings.raw_dir, mapping, settings.read_limits)
        files = markdown_table(
            con,
            "select source_file, sheet, status, rows_read, reason "
            "from stg_register_file_reads order by source_file, sheet",
        )
    return dg.MaterializeResult(metadata={**counts, "sheets_read": files})
