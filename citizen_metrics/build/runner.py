"""Run the SQL of `citizen_metrics/build/sql/` on the warehouse: the one place that executes SQL
text.

One file per table, `citizen_metrics/build/sql/<layer>/<table>.sql`, holding the `select` that gives
the table (as in dbt); the runner wraps it in `create or replace table`. The files are Jinja
templates: the lists they iterate over (services, score questions, options, workshop types,
participant categories) come from the XLSForm and the register template at run time, and
the thresholds from the settings, so the queries stay readable on their own and a new form
version needs no code change. A file names the tables it reads with `ref('table')`: that is
where the dependencies between tables are declared, once, and where the lineage comes from.

A mart's figures are then suppressed as disclosure control requires and rounded as published
(`citizen_metrics.disclosure`); every built table is checked against its declaration
(`citizen_metrics.tables`): a column missing, extra or of another type is a bug, said at once.
Asset checks are SQL files too (`citizen_metrics/build/sql/checks/<check>.sql`): a `select` of what
is wrong, empty when the check passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from citizen_metrics.build.schemas import ASKED_QUESTIONS
from citizen_metrics.build.warehouse import scalar
from citizen_metrics.disclosure.attacker.auditor import AuditReport, PublicReference, audit
from citizen_metrics.disclosure.families import PublicWeights
from citizen_metrics.disclosure.figures import (
    COMMUNE_PAIRS,
    PROTECTED_TABLES,
    WEIGHTED_PAIRS,
    ProtectedFigures,
    protected_figures,
)
from citizen_metrics.disclosure.participation import protect_participation
from citizen_metrics.disclosure.precision import (
    SHARE_DECIMALS,
    WEIGHTED_SHARE_DECIMALS,
    published_round,
    round_estimates,
)
from citizen_metrics.disclosure.protection import protect_figures
from citizen_metrics.ingest.readers.registers import template_vocabulary
from citizen_metrics.ingest.xlsform import SurveyForm, load_form
from citizen_metrics.operations import failpoints
from citizen_metrics.settings import FULL_DISCLOSURE, LOCAL_TIME_ZONE, SURVEY_ROUND, Settings
from citizen_metrics.tables import TABLES
from citizen_metrics.tables.fields import DISPOSITIONS
from citizen_metrics.tables.lists import build_run_lists
from citizen_metrics.tables.marts import MART_PARTICIPATION
from citizen_metrics.tables.model import LAYERS, RunLists
from citizen_metrics.tables.rules import MALFORMED_ROW

SQL_DIR = Path(__file__).with_name("sql")
CHECKS_DIR = SQL_DIR / "checks"

# The published disaggregation dimensions, in the order breakdown names use
# (docs/data_dictionary.md).
DIMENSIONS = ("sex", "age_group", "disability", "residence")
# Analysts may also cut by the commune's official type (urban municipality / rural commune).
ANALYST_DIMENSIONS = ("commune_type",)
# The survey's figures are also published by survey round (the period), alone and with each
# dimension; named before the commune type in breakdown names (`sex,survey_round`,
# `survey_round,commune_type`). Workshops have no rounds.

# 97.5 % quantile of the standard normal distribution (docs/methodology.md §3: not 1.96).
Z_95 = 1.959964
# What `citizen_metrics/build/sql/duckdb_macros.sql` is rendered with (the interval formulas,
# published rounding).
MACRO_VARIABLES: dict[str, object] = {
    "z": Z_95,
    "published_round": published_round("x", "decimals"),
    "share_decimals": SHARE_DECIMALS,
    "weighted_share_decimals": WEIGHTED_SHARE_DECIMALS,
}

_REF = re.compile(r"""\bref\(\s*['"](\w+)['"]\s*\)""")


def breakdowns() -> list[tuple[str, ...]]:
    """The total, each dimension alone, each pair; and commune type alone and with each."""
    published = [(), *((d,) for d in DIMENSIONS), *combinations(DIMENSIONS, 2)]
    by_type = [(t,) for t in ANALYST_DIMENSIONS] + [
        (d, t) for t in ANALYST_DIMENSIONS for d in DIMENSIONS
    ]
    return published + by_type


# The dimensions crossed with the survey round. Each one crossed adds a commune's figures by
# round and group, never published but protected (docs/methodology.md §5), and most of them
# rest on few people: crossing all four tripled the time of disclosure control on the demo.
# Sex answers the programme's first question (did women's satisfaction move?).
ROUND_DIMENSIONS = ("sex",)


def survey_breakdowns() -> list[tuple[str, ...]]:
    """The breakdowns of the survey's satisfaction, trust and usage figures: those of every
    mart, and the survey round alone and crossed with `ROUND_DIMENSIONS`."""
    return [*breakdowns(), (SURVEY_ROUND,), *((d, SURVEY_ROUND) for d in ROUND_DIMENSIONS)]


@dataclass(frozen=True)
class SqlContext:
    """What a run's SQL depends on: the settings, the form and the register template."""

    settings: Settings
    form: SurveyForm
    workshop_types: tuple[str, ...]
    categories: tuple[str, ...]
    targets: dict[str, float]

    @classmethod
    def build(cls, settings: Settings) -> SqlContext:
        vocabulary = template_vocabulary(settings.register_template)
        return cls(
            settings=settings,
            form=load_form(settings.survey_form),
            workshop_types=tuple(vocabulary["type_atelier"]),
            categories=tuple(vocabulary["categorie"]),
            targets=dict(settings.targets),
        )

    @cached_property
    def lists(self) -> RunLists:
        """The run-time lists that generated columns are made from."""
        return build_run_lists(self.form, {"type_atelier": self.workshop_types,
                                           "categorie": self.categories})

    def participation_shares(self) -> list[str]:
        return [f"share_{name}" for name in ("women", "youth", "with_disability", "rural",
                                             *self.categories)]

    def protected_figures(self, name: str) -> tuple[ProtectedFigures, ...]:
        """The figures of one mart that disclosure control protects (docs/methodology.md §5)."""
        return protected_figures(name, multi_select=list(self.form.multi_select_questions),
                                 single_choice=list(self.form.yes_no_items),
                                 categories=list(self.categories))

    def audit(self, con: duckdb.DuckDBPyConnection) -> AuditReport:
        """The blocking audit (docs/methodology.md §5) of every protected mart on `con`: the
        attacker played on the tables as they will be published and the public reference
        alone (the asset check `disclosure_audit` and the disclosure benchmarks)."""
        figures = [kind for table in PROTECTED_TABLES
                   for kind in self.protected_figures(table.name)]
        reference = PublicReference.from_frame(
            con.table("ref_communes")
            .project("commune_code, province_code, commune_type, population_2024").df())
        return audit(con, figures, reference, threshold=self.settings.suppression_threshold,
                     width=self.settings.protection_width)

    def variables(self) -> dict[str, object]:
        form = self.form
        option_questions = {q: form.choice_names(q) for q in form.multi_select_questions}
        option_questions |= {q: form.choice_names(q) for q in form.yes_no_items}
        return {
            "region_code": self.settings.region_code,
            "region_name": self.settings.region_name,
            **MACRO_VARIABLES,
            "threshold": self.settings.suppression_threshold,
            "youth_min_age": self.settings.youth_min_age,
            "youth_max_age": self.settings.youth_max_age,
            "senior_min_age": self.settings.senior_min_age,
            "max_age": self.settings.max_age,
            "short_interview_minutes": self.settings.short_interview_minutes,
            "earliest_interview_date": self.settings.earliest_interview_date.isoformat(),
            "enumerator_daily_max": self.settings.enumerator_daily_max,
            "dimensions": [*DIMENSIONS, *ANALYST_DIMENSIONS],
            "breakdowns": breakdowns(),
            "survey_dimensions": [*DIMENSIONS, SURVEY_ROUND, *ANALYST_DIMENSIONS],
            "survey_breakdowns": survey_breakdowns(),
            "survey_rounds": list(self.settings.survey_rounds),
            "undated_survey_round": self.settings.undated_survey_round,
            # What is never published, by design (docs/methodology.md §5).
            "commune_pairs": COMMUNE_PAIRS,
            "weighted_pairs": WEIGHTED_PAIRS,
            "answer_fields": list(form.answer_fields),
            "likert_questions": list(form.likert_questions),
            "services": list(form.services),
            "usage_questions": [f"used_{service}" for service in form.services],
            "wg_items": list(form.washington_group_items),
            "yes_no_items": list(form.yes_no_items),
            "multi_select_questions": list(form.multi_select_questions),
            "option_questions": option_questions,
            "asked_questions": list(ASKED_QUESTIONS),
            "workshop_types": list(self.workshop_types),
            "categories": list(self.categories),
            "targets": self.targets,
            "dispositions": list(DISPOSITIONS),
            "malformed_rule": MALFORMED_ROW.id,
            "malformed_message": MALFORMED_ROW.message,
            "local_time_zone": LOCAL_TIME_ZONE,
        }


def _ref(name: str) -> str:
    """`ref('table')` in a SQL file: the table's name, once it is known to be declared."""
    if name not in TABLES:
        raise KeyError(f"ref({name!r}): no such table is declared in citizen_metrics/tables")
    return name


def _sql_string(value: object) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(SQL_DIR),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENVIRONMENT.globals["ref"] = _ref
_ENVIRONMENT.filters["sql_string"] = _sql_string


def sql_files() -> dict[str, Path]:
    """Table name -> its SQL file, relative to `citizen_metrics/build/sql/`
    (`marts/mart_targets.sql`)."""
    found: dict[str, Path] = {}
    for layer in LAYERS:
        for path in sorted((SQL_DIR / layer).glob("*.sql")):
            if path.stem in found:
                raise ValueError(f"two SQL files for {path.stem}")
            found[path.stem] = path.relative_to(SQL_DIR)
    return found


def check_files() -> dict[str, Path]:
    """Check name -> its SQL file, relative to `citizen_metrics/build/sql/`."""
    return {path.stem: path.relative_to(SQL_DIR) for path in sorted(CHECKS_DIR.glob("*.sql"))}


def _template_path(name: str) -> str:
    if (SQL_DIR / f"{name}.sql").exists():  # the shared macros
        return f"{name}.sql"
    path = sql_files().get(name) or check_files().get(name)
    if path is None:
        raise FileNotFoundError(f"no SQL file for {name!r} under {SQL_DIR}")
    return path.as_posix()


def refs(name: str) -> tuple[str, ...]:
    """The tables that `name`'s SQL file reads (its `ref()` calls), in first-named order."""
    text = (SQL_DIR / _template_path(name)).read_text(encoding="utf-8")
    return tuple(dict.fromkeys(_REF.findall(text)))


def source_text(name: str) -> str:
    """The template of `name`, and of the macros it may import (for its code version)."""
    text = (SQL_DIR / _template_path(name)).read_text(encoding="utf-8")
    if "jinja_macros.sql" in text:
        text += (SQL_DIR / "jinja_macros.sql").read_text(encoding="utf-8")
    return text


def render(name: str, variables: dict[str, object]) -> str:
    """The SQL of `name` (a table, a check, or `macros`) with the run's variables filled in."""
    return _ENVIRONMENT.get_template(_template_path(name)).render(**variables)


def create_statement(name: str, variables: dict[str, object]) -> str:
    """`create or replace table <name> as <its select>`."""
    return f"create or replace table {name} as\n{render(name, variables)}"


def run_sql(con: duckdb.DuckDBPyConnection, name: str, context: SqlContext) -> dict[str, int]:
    """Build table `name` from its SQL file (macros are (re)defined first, they are cheap),
    then suppress what disclosure control requires and round the estimates as published.
    Returns the numbers of suppressed cells by kind of figure and reason."""
    variables = context.variables()
    con.execute(render("duckdb_macros", variables))
    con.execute(create_statement(name, variables))
    failpoints.reached(f"sql:{name}")
    counts: dict[str, int] = {}
    figures = context.protected_figures(name)
    if figures:
        public = PublicWeights.read(con, "int_survey_rollup")
        settings = context.settings
        threshold, width = settings.suppression_threshold, settings.protection_width
        complementary = settings.disclosure_control == FULL_DISCLOSURE
        for kind in figures:
            protect = (protect_participation if kind.table == MART_PARTICIPATION.name
                       else protect_figures)
            found = protect(con, kind, public, threshold=threshold, width=width,
                            complementary=complementary)
            counts |= {f"{kind.flag}_{reason}": n for reason, n in found.items()}
    round_estimates(con, name)
    return counts


def check_columns(con: duckdb.DuckDBPyConnection, name: str, context: SqlContext) -> None:
    """Raise when built table `name` has other columns than declared (a bug of its code)."""
    found = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = ? and table_schema = current_schema() order by ordinal_position",
        [name],
    ).fetchall()
    problems = TABLES[name].mismatches(found, context.lists)
    if problems:
        raise ValueError(f"{name} differs from its declaration: {'; '.join(problems)}")


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    return int(scalar(con, f"select count(*) from {name}"))


def counts_by(con: duckdb.DuckDBPyConnection, name: str, column: str) -> dict[str, int]:
    """Rows of `name` by value of `column`, most frequent first (a table's summary)."""
    rows = con.execute(
        f'select coalesce("{column}"::varchar, \'(empty)\'), count(*) from {name} '
        "group by 1 order by 2 desc, 1"
    ).fetchall()
    return {str(value): int(count) for value, count in rows}


def check_findings(con: duckdb.DuckDBPyConnection, name: str, context: SqlContext,
                   limit: int = 20) -> tuple[int, list[str], list[tuple[Any, ...]]]:
    """Run check `name`: how many rows its query finds wrong, their columns and the first
    `limit` of them."""
    variables = context.variables()
    query = render(name, variables)
    count = int(scalar(con, f"select count(*) from ({query})"))
    cursor = con.execute(f"select * from ({query}) limit {limit}")
    columns = [description[0] for description in cursor.description]
    return count, columns, cursor.fetchall()
