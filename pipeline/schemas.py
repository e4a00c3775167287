"""pandera models of the canonical tables: the data-quality rules of INDICATORS.md §6.

The models run on Polars frames pulled from DuckDB (Arrow, no copy), lazily, so every broken
rule of every row is reported at once. `pipeline.validation` turns pandera's failure cases
into `quality_quarantine` rows; the `rule` each check maps to is listed in `RULES`.

Reference-dependent rules (known province and commune codes) need the reference lists, so the
survey model is built by a small factory from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from pipeline.xlsform import SurveyForm


@dataclass(frozen=True)
class Rule:
    """A quarantine rule: the id analysts filter on and the message clerks read."""

    rule: str
    message: str


RULES: dict[str, Rule] = {
    rule.rule: rule
    for rule in (
        Rule("missing_submission_id", "no submission identifier (_uuid, meta-instanceID or "
             "N° questionnaire): the row cannot be told apart from its re-exports"),
        Rule("consent_missing", "consent is neither yes nor no"),
        Rule("unknown_province", "province code is not a province of the region"),
        Rule("unknown_commune", "commune code is not a commune of the region"),
        Rule("commune_not_in_province", "the commune does not lie in the province named"),
        Rule("age_missing", "age is missing"),
        Rule("age_not_integer", "age is not a whole number"),
        Rule("age_out_of_range", "age is outside 15–100"),
        Rule("sex_invalid", "sex is missing or not female/male"),
        Rule("score_out_of_range", "score is not 1–5 or 9 (don't know)"),
        Rule("score_without_use", "a satisfaction score is given while the service was not "
             "used (used_<service> is not yes)"),
        Rule("malformed_row", "the row cannot be parsed (wrong number of fields or broken "
             "quoting)"),
        Rule("unknown_workshop", "the participant's id_atelier is not a workshop of any "
             "register"),
        Rule("missing_workshop_id", "id_atelier is empty"),
        Rule("workshop_unknown_commune", "code_commune is not a commune of the region"),
        Rule("participant_unidentified", "neither a name nor a phone number: the attendance "
             "cannot be told apart from others"),
    )
}


@dataclass(frozen=True)
class ReferenceCodes:
    provinces: list[str]
    communes: list[str]


# Questions that a response must answer when its file asks them (§6: province, sex and age
# missing are errors). A file without the column leaves them unanswered for all its rows:
# sex and age are then `unknown` in the breakdowns, and the province is the commune's.
ASKED_QUESTIONS = ("province", "sex", "age")


def _answered_when_asked(data: PolarsData) -> pl.LazyFrame:
    """The answer is there, unless the row's file has no column for the question (the
    validation query passes `<question>_asked`)."""
    return data.lazyframe.select(
        pl.col(data.key).is_not_null() | ~pl.col(f"{data.key}_asked")
    )


def survey_response_model(
    codes: ReferenceCodes, sex_values: list[str], ages: tuple[int, int]
) -> type[pa.DataFrameModel]:
    """The survey response model for one set of reference codes.

    Input columns are text, with NULL for an empty answer; `commune_province` is the province
    of the named commune in the reference list (NULL when the commune is unknown), joined in
    by the validation query so the model can check that the commune lies in the province.
    `<question>_asked` says whether the row's file has a column for each of
    `ASKED_QUESTIONS`. Consent is never missing for want of a column: a file without one
    implies it from the answers (`pipeline.readers.survey`).
    """

    class SurveyResponse(pa.DataFrameModel):
        submission_key: str = pa.Field(nullable=False)
        consent: str = pa.Field(nullable=False, isin=["yes"])
        province: str = pa.Field(nullable=True, isin=codes.provinces)
        commune: str = pa.Field(nullable=False, isin=codes.communes)
        commune_province: str = pa.Field(nullable=True)
        sex: str = pa.Field(nullable=True, isin=sex_values)
        age: str = pa.Field(nullable=True, str_matches=r"^\d{1,3}$")
        province_asked: bool = pa.Field(nullable=False)
        sex_asked: bool = pa.Field(nullable=False)
        age_asked: bool = pa.Field(nullable=False)

        @pa.check(*ASKED_QUESTIONS, name="answered_when_asked", ignore_na=False)
        def answered_when_asked(cls, data: PolarsData) -> pl.LazyFrame:
            return _answered_when_asked(data)

        @pa.check("age", name="age_in_range")
        def age_in_range(cls, data: PolarsData) -> pl.LazyFrame:
            years = pl.col(data.key).cast(pl.Int64, strict=False)
            return data.lazyframe.select(years.is_null() | years.is_between(*ages))

        @pa.dataframe_check(name="commune_in_named_province")
        def commune_in_province(cls, data: PolarsData) -> pl.LazyFrame:
            # Only meaningful when both codes are known (else another rule reports them).
            return data.lazyframe.select(
                pl.col("commune_province").is_null()
                | ~pl.col("province").is_in(codes.provinces).fill_null(False)
                | (pl.col("commune_province") == pl.col("province"))
            )

        class Config:
            strict = False
            coerce = False

    return SurveyResponse


def _score_used_check(used: str) -> pa.Check:
    """A score may only be given when its service was used (`used_<s>` = yes)."""

    def check(data: PolarsData) -> pl.LazyFrame:
        used_yes = (pl.col(used) == "yes").fill_null(False)
        return data.lazyframe.select(pl.col(data.key).is_null() | used_yes)

    return pa.Check(check, name="score_without_use")


def survey_response_schema(
    codes: ReferenceCodes, form: SurveyForm, ages: tuple[int, int]
) -> pa.DataFrameSchema:
    """`SurveyResponse` plus one column per score question of the form; the allowed sexes
    and scores are the choices of the form, the valid ages `ages` (inclusive).

    The score questions come from the XLSForm at run time, so they are added to the model's
    schema by name (pandera reports failures of a regex column under the pattern, not under
    the real column, which quarantine rows need).
    """
    columns = {}
    for question in form.likert_questions:
        service = question.removeprefix("sat_")
        checks = [pa.Check.isin(form.choice_names(question))]
        if question.startswith("sat_") and service in form.services:
            checks.append(_score_used_check(f"used_{service}"))
        columns[question] = pa.Column(str, checks=checks, nullable=True)
    model = survey_response_model(codes, form.choice_names("sex"), ages)
    return model.to_schema().add_columns(columns)


class WorkshopRow(pa.DataFrameModel):
    """A workshop of a register; only what makes it unusable is a rule."""

    workshop_id: str = pa.Field(nullable=False)
    commune_known: bool = pa.Field(nullable=False, eq=True)

    class Config:
        strict = False


class AttendanceRow(pa.DataFrameModel):
    """An attendance; unknown sex, age or disability become `unknown` groups, not errors."""

    workshop_id: str = pa.Field(nullable=False)
    workshop_known: bool = pa.Field(nullable=False, eq=True)
    person_key: str = pa.Field(nullable=False)

    class Config:
        strict = False


def rule_for(check: str, column: str) -> str:
    """Which RULES entry a pandera failure case (check name, column) stands for."""
    if column == "submission_key":
        return "missing_submission_id"
    if column == "consent":
        return "consent_missing"
    if column == "province":
        return "unknown_province"
    if column == "commune":
        return "unknown_commune"
    if check == "commune_in_named_province":
        return "commune_not_in_province"
    if column == "age":
        if check in ("not_nullable", "answered_when_asked"):
            return "age_missing"
        return "age_out_of_range" if check == "age_in_range" else "age_not_integer"
    if column == "sex":
        return "sex_invalid"
    if check == "score_without_use":
        return "score_without_use"
    if column.startswith(("sat_", "trust_")):
        return "score_out_of_range"
    if column == "commune_known":
        return "workshop_unknown_commune"
    if column == "workshop_known":
        return "unknown_workshop"
    if column == "workshop_id":
        return "missing_workshop_id"
    if column == "person_key":
        return "participant_unidentified"
    raise KeyError(f"no quarantine rule for check {check!r} on column {column!r}")


# The column whose value a quarantine row shows, when it is not the checked column itself.
REPORTED_COLUMN = {
    "commune_not_in_province": "commune",
    "workshop_unknown_commune": "commune_code",
    "unknown_workshop": "workshop_id",
    "missing_submission_id": None,
    "participant_unidentified": None,
}
