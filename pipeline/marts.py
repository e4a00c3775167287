"""Run the SQL of `pipeline/sql/` on the warehouse.

The SQL files are Jinja templates (as in dbt): the lists they iterate over (services, score
questions, options, workshop types, participant categories) come from the XLSForm and the
register template at run time, and the thresholds from the settings, so the queries stay
readable on their own and a new form version needs no code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import duckdb
import jinja2

from pipeline import failpoints
from pipeline.disclosure.figures import (
    SERVICE_USAGE,
    SHARE_DECIMALS,
    SURVEY_INDICATORS,
    ProtectedFigures,
    participation_categories,
    round_estimates,
    survey_options,
)
from pipeline.disclosure.participation import protect_participation
from pipeline.disclosure.protection import protect_figures
from pipeline.dispositions import DISPOSITIONS
from pipeline.readers.registers import template_vocabulary
from pipeline.settings import LOCAL_TIME_ZONE, Settings
from pipeline.xlsform import SurveyForm, load_form

SQL_DIR = Path(__file__).with_name("sql")

# The published disaggregation dimensions, in the order breakdown names use (MARTS.md).
DIMENSIONS = ("sex", "age_group", "disability", "residence")
# Analysts may also cut by the commune's official type (urban municipality / rural commune).
ANALYST_DIMENSIONS = ("commune_type",)

# 97.5 % quantile of the standard normal distribution (INDICATORS.md §3: not 1.96).
Z_95 = 1.959964


def breakdowns() -> list[tuple[str, ...]]:
    """The total, each dimension alone, each pair; and commune type alone and with each."""
    published = [(), *((d,) for d in DIMENSIONS), *combinations(DIMENSIONS, 2)]
    by_type = [(t,) for t in ANALYST_DIMENSIONS] + [
        (d, t) for t in ANALYST_DIMENSIONS for d in DIMENSIONS
    ]
    return published + by_type


@dataclass(frozen=True)
class SqlContext:
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

    def participation_shares(self) -> list[str]:
        return [f"share_{name}" for name in ("women", "youth", "with_disability", "rural",
                                             *self.categories)]

    def protected_figures(self, name: str) -> tuple[ProtectedFigures, ...]:
        """The figures of one mart that disclosure control protects (INDICATORS.md §5)."""
        if name == "mart_survey_indicators":
            return (SURVEY_INDICATORS, SERVICE_USAGE)
        if name == "mart_survey_options":
            return survey_options(list(self.form.multi_select_questions),
                                  list(self.form.yes_no_items))
        if name == "mart_participation":
            return (participation_categories(list(self.categories)),)
        return ()

    def variables(self) -> dict[str, object]:
        form = self.form
        option_questions = {q: form.choice_names(q) for q in form.multi_select_questions}
        option_questions |= {q: form.choice_names(q) for q in form.yes_no_items}
        return {
            "region_code": self.settings.region_code,
            "z": Z_95,
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
            "likert_questions": list(form.likert_questions),
            "services": list(form.services),
            "wg_items": list(form.washington_group_items),
            "yes_no_items": list(form.yes_no_items),
            "multi_select_questions": list(form.multi_select_questions),
            "option_questions": option_questions,
            "workshop_types": list(self.workshop_types),
            "categories": list(self.categories),
            "targets": self.targets,
            "dispositions": list(DISPOSITIONS),
            "local_time_zone": LOCAL_TIME_ZONE,
            "share_decimals": SHARE_DECIMALS,
        }


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(SQL_DIR),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(name: str, variables: dict[str, object]) -> str:
    """The SQL of `pipeline/sql/<name>.sql` with the run's variables filled in."""
    return _ENVIRONMENT.get_template(f"{name}.sql").render(**variables)


def run_sql(con: duckdb.DuckDBPyConnection, name: str, context: SqlContext) -> dict[str, int]:
    """Render and execute one SQL file (macros are (re)defined first, they are cheap), then
    withhold what disclosure control requires and round the estimates as published.
    Returns the numbers of withheld cells by kind of figure and reason."""
    variables = context.variables()
    con.execute(render("macros", variables))
    con.execute(render(name, variables))
    failpoints.reached(f"sql:{name}")
    counts: dict[str, int] = {}
    figures = context.protected_figures(name)
    if figures:
        provinces = dict(con.execute(
            "select commune_code, province_code from ref_communes").fetchall())
        types = dict(con.execute(
            "select commune_code, commune_type from ref_communes").fetchall())
        rules = {"threshold": context.settings.suppression_threshold,
                 "width": context.settings.protection_width}
        for kind in figures:
            if kind.table == "mart_participation":
                found = protect_participation(con, kind, provinces, types, **rules)
            else:
                found = protect_figures(con, kind, provinces, types, **rules)
            counts |= {f"{kind.flag}_{reason}": n for reason, n in found.items()}
    round_estimates(con, name)
    return counts
