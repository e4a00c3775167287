"""pandera schemas of the rows to validate: the data-quality rules of docs/methodology.md §6.

The schemas run on Polars frames pulled from DuckDB (Arrow, no copy), lazily, so every broken
rule of every row is reported at once. Each check is named by the quarantine rule it enforces
(`citizen_metrics.tables.rules`), so `citizen_metrics.build.validation` reads the rule off each
failure case.

The survey schema needs the reference codes, the questionnaire (its score questions and the
choices of sex and scores) and the valid ages, so it is built by a factory at run time. The
type of each staged column is its declaration's, and a column is required exactly when a rule
stands for its missing value (`Rule.missing_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from citizen_metrics.ingest.xlsform import SurveyForm
from citizen_metrics.tables import rules
from citizen_metrics.tables.contracts import POLARS_TYPES
from citizen_metrics.tables.model import Rule, Table
from citizen_metrics.tables.staging import STG_ATTENDANCES, STG_SURVEY_ROWS, STG_WORKSHOPS


@dataclass(frozen=True)
class ReferenceCodes:
    provinces: list[str]
    communes: list[str]


# Questions that a response must answer when its file asks them (§6: province, sex and age
# missing are errors). A file without the column leaves them unanswered for all its rows:
# sex and age are then `unknown` in the breakdowns, and the province is the commune's.
ASKED_QUESTIONS = {
    "province": rules.UNKNOWN_PROVINCE,
    "sex": rules.SEX_INVALID,
    "age": rules.AGE_MISSING,
}


def _staged(table: Table, name: str, checks: list[pa.Check] | None = None,
            source: object = None) -> pa.Column:
    """A staged column as the rules see it: its declared type (`citizen_metrics.tables`), and
    required exactly when a rule stands for its missing value (`Rule.missing_of`), so a
    missing value is quarantined under that rule."""
    declared = table.column(name, source)
    return pa.Column(POLARS_TYPES[declared.type], checks=checks or [],
                     nullable=name not in rules.MISSING_VALUE_RULES)


def _check(rule: Rule, test: Callable[[PolarsData], pl.LazyFrame],
           ignore_na: bool = True) -> pa.Check:
    """A check named by its rule: pandera reports a failure case under the check's `error`."""
    return pa.Check(test, name=rule.id, error=rule.id, ignore_na=ignore_na)


def _isin(rule: Rule, allowed: list[str]) -> pa.Check:
    return pa.Check.isin(allowed, name=rule.id, error=rule.id)


def _answered_when_asked(rule: Rule) -> pa.Check:
    """The answer is there, unless the row's file has no column for the question (the
    validation query passes `<question>_asked`)."""

    def test(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col(data.key).is_not_null() | ~pl.col(f"{data.key}_asked")
        )

    return _check(rule, test, ignore_na=False)


def _age_in_range(minimum: int, maximum: int) -> pa.Check:
    def test(data: PolarsData) -> pl.LazyFrame:
        years = pl.col(data.key).cast(pl.Int64, strict=False)
        return data.lazyframe.select(years.is_null() | years.is_between(minimum, maximum))

    return _check(rules.AGE_OUT_OF_RANGE, test)


def _commune_in_named_province(provinces: list[str]) -> pa.Check:
    def test(data: PolarsData) -> pl.LazyFrame:
        # Only meaningful when both codes are known (else another rule reports them).
        return data.lazyframe.select(
            pl.col("commune_province").is_null()
            | ~pl.col("province").is_in(provinces).fill_null(False)
            | (pl.col("commune_province") == pl.col("province"))
        )

    return _check(rules.COMMUNE_NOT_IN_PROVINCE, test)


def _score_used(used: str) -> pa.Check:
    """A score may only be given when its service was used (`used_<s>` = yes)."""

    def test(data: PolarsData) -> pl.LazyFrame:
        used_yes = (pl.col(used) == "yes").fill_null(False)
        return data.lazyframe.select(pl.col(data.key).is_null() | used_yes)

    return _check(rules.SCORE_WITHOUT_USE, test)


def survey_response_schema(
    codes: ReferenceCodes, form: SurveyForm, ages: tuple[int, int]
) -> pa.DataFrameSchema:
    """The rules of a survey response.

    Input columns are text, with NULL for an empty answer; `commune_province` is the province
    of the named commune in the reference list (NULL when the commune is unknown), joined in
    by the validation query so the schema can check that the commune lies in the province.
    `<question>_asked` says whether the row's file has a column for each of
    `ASKED_QUESTIONS`. Consent is never missing for want of a column: a file without one
    implies it from the answers (`citizen_metrics.ingest.readers.survey`). The allowed sexes and
    scores are the choices of the form; `ages` are the valid ages, inclusive.
    """
    def staged(name: str, checks: list[pa.Check] | None = None) -> pa.Column:
        return _staged(STG_SURVEY_ROWS, name, checks, form)

    columns = {
        "submission_key": staged("submission_key"),
        "consent": staged("consent", [_isin(rules.CONSENT_MISSING, ["yes"])]),
        "province": staged("province", [
            _isin(rules.UNKNOWN_PROVINCE, codes.provinces),
            _answered_when_asked(rules.UNKNOWN_PROVINCE),
        ]),
        "commune": staged("commune", [_isin(rules.UNKNOWN_COMMUNE, codes.communes)]),
        "commune_province": pa.Column(pl.String, nullable=True),
        "sex": staged("sex", [
            _isin(rules.SEX_INVALID, form.choice_names("sex")),
            _answered_when_asked(rules.SEX_INVALID),
        ]),
        "age": staged("age", [
            _answered_when_asked(rules.AGE_MISSING),
            pa.Check.str_matches(r"^\d{1,3}$", name=rules.AGE_NOT_INTEGER.id,
                                 error=rules.AGE_NOT_INTEGER.id),
            _age_in_range(*ages),
        ]),
        **{f"{question}_asked": pa.Column(pl.Boolean, nullable=False)
           for question in ASKED_QUESTIONS},
    }
    for question in form.likert_questions:
        service = question.removeprefix("sat_")
        checks = [_isin(rules.SCORE_OUT_OF_RANGE, form.choice_names(question))]
        if question.startswith("sat_") and service in form.services:
            checks.append(_score_used(f"used_{service}"))
        columns[question] = staged(question, checks)
    return pa.DataFrameSchema(
        columns,
        checks=[_commune_in_named_province(codes.provinces)],
        name="SurveyResponse",
        strict=False,
        coerce=False,
    )


def _known(rule: Rule) -> pa.Column:
    """A boolean the validation query computes (the workshop is known…): true, or `rule`."""
    return pa.Column(pl.Boolean, nullable=False,
                     checks=[pa.Check.eq(True, name=rule.id, error=rule.id)])


# A workshop of a register: only what makes it unusable is a rule.
WORKSHOP_SCHEMA = pa.DataFrameSchema(
    {
        "workshop_id": _staged(STG_WORKSHOPS, "workshop_id"),
        "commune_known": _known(rules.WORKSHOP_UNKNOWN_COMMUNE),
    },
    name="WorkshopRow",
    strict=False,
)

# An attendance: unknown sex, age or disability become `unknown` groups, not errors.
ATTENDANCE_SCHEMA = pa.DataFrameSchema(
    {
        "workshop_id": _staged(STG_ATTENDANCES, "workshop_id"),
        "workshop_known": _known(rules.UNKNOWN_WORKSHOP),
        "person_key": _staged(STG_ATTENDANCES, "person_key"),
    },
    name="AttendanceRow",
    strict=False,
)
