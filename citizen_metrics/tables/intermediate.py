"""The intermediate tables (`int_*`): where every staged row ends (de-duplication, consent,
validation, quarantine), the accepted responses and attendances with their groups, and the
sums behind the survey estimates. Private: they stay in the working warehouse."""

from __future__ import annotations

from citizen_metrics.tables.fields import FIELDS, fields
from citizen_metrics.tables.model import FieldFamily, Table

SURVEY_SEX = FIELDS["sex"].required().described(
    "Sexe du répondant : female, male, ou unknown quand le fichier n'a pas la question.",
    "Respondent's sex: female, male, or unknown when the file lacks the question.")
ATTENDANCE_SEX = FIELDS["sex"].required().described(
    "Sexe du participant : female, male, ou unknown s'il n'est pas lisible.",
    "Participant's sex: female, male, or unknown when it cannot be read.")
DISABILITY_GROUP = FIELDS["disability"].required().described(
    "Situation de handicap : with_disability, without_disability ou unknown (enquête : "
    "questions du Washington Group).",
    "Disability: with_disability, without_disability or unknown (survey: the Washington "
    "Group questions).")
RESIDENCE_GROUP = FIELDS["residence"].required().described(
    "Milieu de résidence déclaré : urban, rural ou unknown.",
    "Declared place of residence: urban, rural or unknown.")
CATEGORY_GROUP = FIELDS["category"].required().described(
    "Catégorie de participant (liste du modèle de registre), ou unknown.",
    "Participant category (list of the register template), or unknown.")
QUARANTINE_MESSAGE = FIELDS["message"].described(
    "Explication de la règle enfreinte.", "What the broken rule means.")

# Columns of the survey responses made from the questionnaire, one per question or service.
USAGE = FieldFamily(
    "used_{member}", "form:services", "service", "text",
    "Une colonne par service : le répondant l'a-t-il utilisé au cours des 12 derniers mois "
    "(yes, no, vide sans réponse).",
    "One column per service: whether the respondent used it in the last 12 months (yes, no, "
    "empty when unanswered).",
    "Utilisation du service {member} au cours des 12 derniers mois (yes/no).",
    "Whether the respondent used service {member} in the last 12 months (yes/no).",
)
SCORES = FieldFamily(
    "{member}", "form:score_questions", "score_question", "integer",
    "Une colonne par question notée de 1 à 5 (satisfaction par service, satisfaction "
    "globale, confiance) : la note, 9 pour ne sait pas, vide sans réponse.",
    "One column per question scored 1 to 5 (satisfaction with each service, overall "
    "satisfaction, trust): the score, 9 for don't know, empty when unanswered.",
    "Note de 1 à 5 (9 = ne sait pas) à la question {member} : {label}",
    "Score from 1 to 5 (9 = don't know) to question {member}.",
)
YES_NO_ANSWERS = FieldFamily(
    "{member}", "form:yes_no_items", "yes_no_question", "text",
    "Une colonne par question oui/non de participation (yes, no, vide sans réponse).",
    "One column per yes/no participation question (yes, no, empty when unanswered).",
    "Réponse oui/non à la question {member} : {label}",
    "Yes/no answer to question {member}.",
)
MULTI_SELECT_ANSWERS = FieldFamily(
    "{member}", "form:multi_select_questions", "multi_select_question", "text",
    "Une colonne par question à choix multiples : les noms des options citées, séparés par "
    "des espaces.",
    "One column per multiple-choice question: the names of the options cited, separated by "
    "spaces.",
    "Options citées à la question {member} (séparées par des espaces) : {label}",
    "Options cited in answer to question {member} (space-separated).",
)


def _dedup(name: str, what_fr: str, what_en: str, domain: str) -> Table:
    return Table(
        name, "intermediate",
        f"Pour chaque {what_fr} lue : candidate à la validation, doublon d'une ligne déjà lue, "
        "ou version remplacée par une plus récente.",
        f"For every {what_en} read: a candidate for validation, a duplicate of a row already "
        "read, or a version replaced by a newer one.",
        fields("source_file", "sheet", "source_row", "dedup_status"),
        key=("source_file", "sheet", "source_row"), domain=domain, summary_by="dedup_status",
    )


def _rules_broken(name: str, description_fr: str, description_en: str, domain: str) -> Table:
    """A table of broken rules: one row per row and rule, with the value at fault."""
    return Table(
        name, "intermediate", description_fr, description_en,
        (*fields("source_file", "sheet", "source_row", "rule", "column", "value"),
         QUARANTINE_MESSAGE),
        key=("source_file", "sheet", "source_row", "rule", "column"), domain=domain,
        summary_by="rule",
    )


def _failures(name: str, what_fr: str, what_en: str, domain: str) -> Table:
    return _rules_broken(
        name,
        f"Les règles de qualité que chaque {what_fr} à valider enfreint, une ligne par "
        "règle : ce qui la met en quarantaine.",
        f"The data-quality rules each {what_en} to validate breaks, one row per rule: what "
        "sets it aside.", domain)


INT_FILE_ORDER = Table(
    "int_file_order", "intermediate",
    "L'ordre dans lequel les fichiers lus sont crédités, d'après leur contenu.",
    "The order in which the files read are credited, from what they hold (never from their "
    "modification time, which a copy changes).",
    fields("source_file", "latest_content_at", "credit_order"),
    key=("source_file",), domain="files",
)
INT_SURVEY_DEDUP = _dedup("int_survey_dedup", "ligne d'export d'enquête",
                          "survey export row", "survey")
INT_SURVEY_VALIDATION_FAILURES = _failures(
    "int_survey_validation_failures", "réponse", "response", "survey")
INT_SURVEY_QUARANTINE = _rules_broken(
    "int_survey_quarantine",
    "Chaque ligne d'enquête mise en quarantaine, avec chaque règle qu'elle enfreint (lignes "
    "illisibles comprises).",
    "Every survey row quarantined, with every rule it breaks (unreadable rows included).",
    "survey",
)
INT_SURVEY_DISPOSITIONS = Table(
    "int_survey_dispositions", "intermediate",
    "Le devenir de chaque ligne d'export d'enquête : retenue, doublon, remplacée, exclue "
    "faute de consentement, ou en quarantaine.",
    "Where every survey export row ended: accepted, duplicate, superseded, excluded for want "
    "of consent, or quarantined.",
    fields("source_file", "source_row", "disposition"),
    key=("source_file", "source_row"), summary_by="disposition",
)
INT_SURVEY_RESPONSES = Table(
    "int_survey_responses", "intermediate",
    "Une ligne par réponse valide, consentie et dans sa dernière version, avec ses groupes "
    "(sexe, âge, handicap, milieu), ses notes, ses signalements et son poids.",
    "One row per valid, consenting, latest-version response, with its groups (sex, age, "
    "disability, residence), its scores, its flags and its weight.",
    (*fields("source_file", "source_row", "file_shape", "province_code"),
     FIELDS["commune_code"].required(),
     *fields("commune_type", "in_programme"), SURVEY_SEX, FIELDS["age"],
     FIELDS["age_group"], DISABILITY_GROUP, RESIDENCE_GROUP,
     USAGE, SCORES, YES_NO_ANSWERS, MULTI_SELECT_ANSWERS,
     *fields("submitted_at", "started_at", "ended_at", "interview_day", "survey_round",
             "quality_flags", "weight")),
    key=("source_file", "source_row"),
)
INT_SURVEY_ROLLUP = Table(
    "int_survey_rollup", "intermediate",
    "Les sommes derrière chaque indicateur de satisfaction et de confiance, pour chaque "
    "géographie, ventilation et groupe, avant tout secret statistique : de quoi calculer "
    "les estimations et les écarts.",
    "The sums behind every satisfaction and trust figure, for every geography, breakdown "
    "and group, before anything is withheld: what the estimates and the gaps are computed "
    "from.",
    fields("indicator", "geography_level", "geography_code", "breakdown", "group_key",
           "n_respondents", "n_rated", "n_dont_know", "sum_score", "n_satisfied", "w_rated",
           "w2_rated", "w_score", "w_satisfied", "n_use_answered", "n_used", "w_use_answered",
           "w_used"),
    key=("indicator", "geography_level", "geography_code", "breakdown", "group_key"),
    summary_by="geography_level",
)

INT_WORKSHOP_DEDUP = _dedup("int_workshop_dedup", "ligne d'atelier des registres",
                            "workshop row of the registers", "participation")
INT_WORKSHOP_VALIDATION_FAILURES = _failures(
    "int_workshop_validation_failures", "ligne d'atelier", "workshop row", "participation")
INT_ATTENDANCE_DEDUP = _dedup("int_attendance_dedup", "ligne de participant des registres",
                              "participant row of the registers", "participation")
INT_ATTENDANCE_VALIDATION_FAILURES = _failures(
    "int_attendance_validation_failures", "ligne de participant", "participant row",
    "participation")
INT_REGISTER_QUARANTINE = _rules_broken(
    "int_register_quarantine",
    "Chaque ligne de registre mise en quarantaine, avec chaque règle qu'elle enfreint "
    "(lignes illisibles comprises).",
    "Every register row quarantined, with every rule it breaks (unreadable rows included).",
    "participation",
)
INT_REGISTER_DISPOSITIONS = Table(
    "int_register_dispositions", "intermediate",
    "Le devenir de chaque ligne des registres (ateliers et participants) : retenue, "
    "doublon, remplacée par un registre renvoyé, ou en quarantaine.",
    "Where every register row (workshops and participants) ended: accepted, duplicate, "
    "replaced by a re-sent register, or quarantined.",
    fields("source_file", "sheet", "source_row", "disposition"),
    key=("source_file", "sheet", "source_row"), domain="participation",
    summary_by="disposition",
)
INT_WORKSHOPS = Table(
    "int_workshops", "intermediate",
    "Un atelier retenu par ligne (un par id_atelier), avec sa commune, sa date et son type.",
    "One accepted workshop per row (one per id_atelier), with its commune, date and type.",
    (FIELDS["workshop_id"].required(), FIELDS["commune_code"].required(),
     *fields("province_code", "commune_type", "in_programme", "workshop_date"),
     FIELDS["workshop_type"].required()),
    key=("workshop_id",), domain="participation", summary_by="workshop_type",
)
INT_ATTENDANCES = Table(
    "int_attendances", "intermediate",
    "Une présence retenue par ligne (une personne à un atelier), avec ses groupes (sexe, "
    "âge, handicap, milieu, catégorie) et une clé pseudonyme pour compter les participants "
    "uniques.",
    "One accepted attendance per row (a person at a workshop), with its groups (sex, age, "
    "disability, residence, category) and a pseudonymous key for counting unique "
    "participants.",
    (FIELDS["workshop_id"].required(), FIELDS["commune_code"].required(),
     *fields("province_code", "commune_type", "in_programme"),
     FIELDS["workshop_type"].required(), FIELDS["person_id"], ATTENDANCE_SEX, FIELDS["age"],
     FIELDS["age_group"], DISABILITY_GROUP, RESIDENCE_GROUP, CATEGORY_GROUP),
    key=(), domain="participation", summary_by="sex",
)

INTERMEDIATE_TABLES: tuple[Table, ...] = (
    INT_FILE_ORDER, INT_SURVEY_DEDUP, INT_SURVEY_VALIDATION_FAILURES, INT_SURVEY_QUARANTINE,
    INT_SURVEY_DISPOSITIONS, INT_SURVEY_RESPONSES, INT_SURVEY_ROLLUP,
    INT_WORKSHOP_DEDUP, INT_WORKSHOP_VALIDATION_FAILURES, INT_ATTENDANCE_DEDUP,
    INT_ATTENDANCE_VALIDATION_FAILURES, INT_REGISTER_QUARANTINE, INT_REGISTER_DISPOSITIONS,
    INT_WORKSHOPS, INT_ATTENDANCES,
)
