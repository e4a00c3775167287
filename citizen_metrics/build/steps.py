"""Every step that builds warehouse tables, and the tables each reads: the pipeline's graph.

Most tables are SQL files (`citizen_metrics/build/sql/<layer>/<table>.sql`): one step per table,
reading the tables its `ref()` calls name. The rest are built in Python, from files rather than from
tables: the reference lists, the questionnaire and the labels file (`reference`), the raw
folder (`staging`: one step per kind of file, writing the rows, what was read from each file
and the rows that could not be read), and the pandera validations (`dispositions`).

The Dagster layer (`citizen_metrics/defs/`) makes one asset per table from these steps, and the
tests run them without Dagster (`build_upstream`): the order of the steps is never written down, it
follows from what each reads.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

import duckdb

from citizen_metrics.build.code_labels import LabelFile, labels_file
from citizen_metrics.build.dispositions import SCHEMA_READS, VALIDATIONS, validate
from citizen_metrics.build.runner import (
    SqlContext,
    check_columns,
    counts_by,
    refs,
    row_count,
    run_sql,
    source_text,
    sql_files,
)
from citizen_metrics.build.warehouse import replace_table
from citizen_metrics.ingest.pseudonymise import Pseudonymiser, load_salt
from citizen_metrics.ingest.readers.registers import RegisterMapping
from citizen_metrics.ingest.readers.survey import SurveyMapping
from citizen_metrics.ingest.reference_lists import Reference
from citizen_metrics.ingest.stage import (
    stage_file_inventory,
    stage_register_files,
    stage_survey_files,
)
from citizen_metrics.ingest.xlsform import label_in
from citizen_metrics.operations.guard import WrongNightError, raw_folder_problem
from citizen_metrics.tables import TABLES
from citizen_metrics.tables.reference import REF_SURVEY_CHOICES, REF_SURVEY_QUESTIONS

Facts = Mapping[str, int | str]
Run = Callable[[duckdb.DuckDBPyConnection, SqlContext], Facts]


@dataclass(frozen=True)
class Step:
    """One unit of work: the tables it writes, the tables it reads, how it runs.

    `name` is the table's for a one-table step; `files` names the kinds of files a Python
    step reads (`csv`, `excel`, `yaml`); `code` is what its code version is computed from.
    """

    name: str
    tables: tuple[str, ...]
    reads: tuple[str, ...]
    run: Run
    files: tuple[str, ...] = ()
    code: str = field(default="", compare=False)

    @property
    def code_version(self) -> str:
        """A short digest of the step's code and of its tables' declarations: it changes
        when what the step does or produces changes, not at every run."""
        declared = "".join(repr(TABLES[name]) for name in self.tables)
        return hashlib.sha256((self.code + declared).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class TableBuilt:
    """What a step left in one table: its rows, and their counts by the declared summary
    column (`Table.summary_by`)."""

    rows: int
    summary: dict[str, int]


def _python_step(name: str, tables: tuple[str, ...], reads: tuple[str, ...], run: Run,
                 files: tuple[str, ...] = ()) -> Step:
    return Step(name, tables, reads, run, files, code=inspect.getsource(run))


# --- reference data ------------------------------------------------------------------------


def _reference_lists(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
    reference = Reference.load(context.settings)
    reference.write(con)
    return {"cohort_communes": len(reference.cohort)}


def _survey_form(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
    """The questionnaire as two tables: its questions (French and Arabic wording, in form
    order, and whether the pipeline keeps them) and the options of its choice lists."""
    form = context.form
    questions = REF_SURVEY_QUESTIONS.from_pylist([
        {"name": q.name, "type": q.type, "group_path": "/".join(q.groups),
         "list_name": q.list_name, "label_fr": label_in(q.labels, "fr"),
         "label_ar": label_in(q.labels, "ar"), "kept_by_pipeline": q.name in form.answer_fields,
         "form_order": order}
        for order, q in enumerate(form.questions)
    ])
    choices = REF_SURVEY_CHOICES.from_pylist([
        {"list_name": list_name, "name": choice.name, "label_fr": label_in(choice.labels, "fr"),
         "label_ar": label_in(choice.labels, "ar"), "sort_order": order}
        for list_name, listed in form.choices.items()
        for order, choice in enumerate(listed)
    ])
    replace_table(con, REF_SURVEY_QUESTIONS.name, questions)
    replace_table(con, REF_SURVEY_CHOICES.name, choices)
    return {"form_version": form.version, "services": ", ".join(form.services)}


def _labels(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
    settings = context.settings
    labels = LabelFile.load(labels_file(settings), settings)
    replace_table(con, "ref_labels", labels.rows)
    return {}


# --- staging -------------------------------------------------------------------------------


def _raw_files(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
    """The inventory of the raw folder, after the guard: a folder that is missing, empty or
    unreadable stops the night here (`citizen_metrics.operations.guard`), before anything is
    read."""
    settings = context.settings
    problem = raw_folder_problem(settings.raw_dir, rebaseline=settings.rebaseline)
    if problem is not None:
        raise WrongNightError(problem)
    stage_file_inventory(con, settings.raw_dir, settings.read_limits)
    return {"raw_dir": str(settings.raw_dir)}


def _survey_exports(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
    settings = context.settings
    mapping = SurveyMapping(context.form, Pseudonymiser(load_salt(settings)),
                            settings.vocabularies.selected_flags)
    return stage_survey_files(con, settings.raw_dir, mapping, settings.read_limits)


def _workshop_registers(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
    settings = context.settings
    mapping = RegisterMapping(Pseudonymiser(load_salt(settings)), settings.vocabularies)
    return stage_register_files(con, settings.raw_dir, mapping, settings.read_limits)


PYTHON_STEPS = (
    _python_step("load_reference_lists", ("ref_communes", "ref_provinces"), (),
                 _reference_lists, files=("csv",)),
    _python_step("load_survey_form", ("ref_survey_questions", "ref_survey_choices"), (),
                 _survey_form, files=("excel",)),
    _python_step("ref_labels", ("ref_labels",), (), _labels, files=("yaml",)),
    _python_step("stg_raw_files", ("stg_raw_files",), (), _raw_files),
    # The form drives how exports are read: its questions are the staged columns.
    _python_step("stage_survey_exports",
                 ("stg_survey_rows", "stg_survey_file_reads", "stg_survey_read_failures",
                  "stg_survey_staged_files"),
                 ("stg_raw_files", "ref_survey_questions"), _survey_exports,
                 files=("csv", "excel")),
    _python_step("stage_workshop_registers",
                 ("stg_workshops", "stg_attendances", "stg_register_file_reads",
                  "stg_register_read_failures", "stg_register_staged_files"),
                 ("stg_raw_files",), _workshop_registers, files=("excel",)),
)


def _sql_step(name: str) -> Step:
    def run(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
        return run_sql(con, name, context)

    return Step(name, (name,), refs(name), run, code=source_text(name))


def _validation_step(name: str) -> Step:
    def run(con: duckdb.DuckDBPyConnection, context: SqlContext) -> Facts:
        return validate(con, name, context)

    reads = tuple(dict.fromkeys((*refs(name), *SCHEMA_READS.get(name, ()))))
    return Step(name, (name,), reads, run,
                code=source_text(name) + inspect.getsource(VALIDATIONS[name]))


def all_steps() -> dict[str, Step]:
    """Every step by name: the Python ones, the validations, and one per SQL file."""
    steps = {step.name: step for step in PYTHON_STEPS}
    for name in sql_files():
        steps[name] = _validation_step(name) if name in VALIDATIONS else _sql_step(name)
    written = [table for step in steps.values() for table in step.tables]
    if sorted(written) != sorted(TABLES):
        missing = sorted(set(TABLES) - set(written))
        twice = sorted({t for t in written if written.count(t) > 1})
        undeclared = sorted(set(written) - set(TABLES))
        raise ValueError(f"steps and declared tables disagree: no step for {missing}, "
                         f"written twice {twice}, undeclared {undeclared}")
    return steps


STEPS = all_steps()
# The step that writes each table.
WRITER: dict[str, Step] = {table: step for step in STEPS.values() for table in step.tables}


def build(con: duckdb.DuckDBPyConnection, step: Step,
          context: SqlContext) -> tuple[Facts, dict[str, TableBuilt]]:
    """Run `step`, check that each table it wrote has its declared columns, and say what it
    left: the step's own facts (files read, figures suppressed…) and each table's rows."""
    facts = step.run(con, context)
    built = {}
    for name in step.tables:
        check_columns(con, name, context)
        summary_by = TABLES[name].summary_by
        built[name] = TableBuilt(
            rows=row_count(con, name),
            summary=counts_by(con, name, summary_by) if summary_by else {},
        )
    return facts, built


def upstream(targets: Iterable[str]) -> list[Step]:
    """The steps that `targets` (tables) need, themselves included, in an order that builds
    every table after what it reads."""
    needed: dict[str, Step] = {}
    stack = [WRITER[table] for table in targets]
    while stack:
        step = stack.pop()
        if step.name not in needed:
            needed[step.name] = step
            stack += [WRITER[table] for table in step.reads]
    graph = {name: {WRITER[table].name for table in step.reads}
             for name, step in needed.items()}
    return [needed[name] for name in TopologicalSorter(graph).static_order()]


def build_upstream(con: duckdb.DuckDBPyConnection, context: SqlContext,
                   targets: Iterable[str], present: Iterable[str] = ()) -> None:
    """Build `targets` and everything they need, in order, without Dagster; the steps whose
    tables are all `present` already are not run again (the targets always are)."""
    targets = list(targets)
    done = set(present) - set(targets)
    for step in upstream(targets):
        if not set(step.tables) <= done:
            build(con, step, context)
