"""The quarantine rules (docs/methodology.md §6), one declaration each: id, message, the rows they
apply to and the column whose value a quarantine row shows.

The messages are in French: clerks and managers read them in `quality_quarantine`, the
workbook and the report. The ids stay as they are (analysts filter on them).

The pandera checks of `citizen_metrics.build.schemas` are named by these ids, and `rule_for` and
`reported_column` are derived from here, so a rule is added or reworded in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

from citizen_metrics.tables.model import CHECKED, Rule

SURVEY = "stg_survey_rows"
WORKSHOPS = "stg_workshops"
ATTENDANCES = "stg_attendances"
ANY_FILE = "any"

MISSING_SUBMISSION_ID = Rule(
    "missing_submission_id",
    "aucun identifiant de soumission (_uuid, meta-instanceID ou N° questionnaire) : la ligne "
    "ne peut pas être distinguée de ses ré-exports",
    SURVEY, reported_column=None, missing_of="submission_key",
)
CONSENT_MISSING = Rule("consent_missing", "le consentement n'est ni oui ni non", SURVEY,
                       missing_of="consent")
UNKNOWN_PROVINCE = Rule("unknown_province", "le code province n'est pas une province de la région",
                        SURVEY)
UNKNOWN_COMMUNE = Rule("unknown_commune", "le code commune n'est pas une commune de la région",
                       SURVEY, missing_of="commune")
COMMUNE_NOT_IN_PROVINCE = Rule("commune_not_in_province",
                               "la commune n'est pas dans la province indiquée", SURVEY,
                               reported_column="commune")
AGE_MISSING = Rule("age_missing", "l'âge manque", SURVEY)
AGE_NOT_INTEGER = Rule("age_not_integer", "l'âge n'est pas un nombre entier", SURVEY)
AGE_OUT_OF_RANGE = Rule("age_out_of_range", "l'âge est hors de {min_age}–{max_age} ans", SURVEY)
SEX_INVALID = Rule("sex_invalid", "le sexe manque ou n'est ni femme ni homme", SURVEY)
SCORE_OUT_OF_RANGE = Rule("score_out_of_range", "la note n'est ni de 1 à 5 ni 9 (ne sait pas)",
                          SURVEY)
SCORE_WITHOUT_USE = Rule(
    "score_without_use",
    "une note de satisfaction est donnée alors que le service n'a pas été utilisé "
    "(used_<service> n'est pas oui)",
    SURVEY,
)
MALFORMED_ROW = Rule("malformed_row",
                     "la ligne est illisible (nombre de champs erroné ou guillemets cassés)",
                     ANY_FILE, reported_column=None)
UNKNOWN_WORKSHOP = Rule("unknown_workshop",
                        "l'id_atelier du participant n'est l'atelier d'aucun registre",
                        ATTENDANCES, reported_column="workshop_id")
MISSING_WORKSHOP_ID = Rule("missing_workshop_id", "id_atelier est vide", WORKSHOPS,
                           missing_of="workshop_id")
WORKSHOP_UNKNOWN_COMMUNE = Rule("workshop_unknown_commune",
                                "code_commune n'est pas une commune de la région", WORKSHOPS,
                                reported_column="commune_code")
PARTICIPANT_UNIDENTIFIED = Rule(
    "participant_unidentified",
    "ni nom ni téléphone : la présence ne peut pas être distinguée des autres",
    ATTENDANCES, reported_column=None, missing_of="person_key",
)

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        MISSING_SUBMISSION_ID, CONSENT_MISSING, UNKNOWN_PROVINCE, UNKNOWN_COMMUNE,
        COMMUNE_NOT_IN_PROVINCE, AGE_MISSING, AGE_NOT_INTEGER, AGE_OUT_OF_RANGE, SEX_INVALID,
        SCORE_OUT_OF_RANGE, SCORE_WITHOUT_USE, MALFORMED_ROW, UNKNOWN_WORKSHOP,
        MISSING_WORKSHOP_ID, WORKSHOP_UNKNOWN_COMMUNE, PARTICIPANT_UNIDENTIFIED,
    )
}
# The rule a missing value of a required column breaks (pandera's `not_nullable`).
MISSING_VALUE_RULES: dict[str, str] = {
    rule.missing_of: rule.id for rule in RULES.values() if rule.missing_of is not None
}


def rule_for(check: str, column: str) -> str:
    """Which rule a pandera failure case (check name, column) stands for: the check is named
    by its rule, except a missing value, which breaks the rule of its column."""
    if check == "not_nullable":
        if column in MISSING_VALUE_RULES:
            return MISSING_VALUE_RULES[column]
    elif check in RULES:
        return check
    raise KeyError(f"no quarantine rule for check {check!r} on column {column!r}")


def reported_column(rule: str, checked: str | None) -> str | None:
    """The column whose value the quarantine row of `rule` shows, `checked` being the column
    pandera checked (None for a check on the whole row)."""
    declared = RULES[rule].reported_column
    return checked if declared == CHECKED else declared


def messages(settings: object | None = None) -> Mapping[str, str]:
    """Rule id -> message, with the settings the messages name filled in."""
    return {rule.id: rule.text(settings) for rule in RULES.values()}
