"""The published tables: the marts (docs/data_dictionary.md), the data-quality tables and the labels
of every code. They are copied into `citizen_metrics.duckdb` and exported, in this order."""

from __future__ import annotations

from citizen_metrics.tables.fields import DISPOSITIONS, FIELDS, fields
from citizen_metrics.tables.model import FieldFamily, Table

GEOGRAPHY = fields("geography_level", "geography_code", "geography_name", "in_programme")
GROUP = fields("breakdown", "group_key")
NEWCOMBE_LOW = FIELDS["ci_low"].described(
    "Borne basse de l'intervalle de confiance à 95 % de l'écart (Newcombe).",
    "Lower bound of the gap's 95 % confidence interval (Newcombe).")
NEWCOMBE_HIGH = FIELDS["ci_high"].described(
    "Borne haute de l'intervalle de confiance à 95 % de l'écart (Newcombe).",
    "Upper bound of the gap's 95 % confidence interval (Newcombe).")

CATEGORY_SHARES = FieldFamily(
    "share_{member}", "template:categorie", "category", "number",
    "Une colonne par catégorie de participants du modèle de registre : sa part parmi les "
    "présences.",
    "One column per participant category of the register template: its share among "
    "attendances.",
    "Part de la catégorie de participants « {member} » parmi les présences.",
    "Share of participant category \"{member}\" among attendances.",
)
WORKSHOPS_BY_TYPE = FieldFamily(
    "workshops_{member}", "template:type_atelier", "type", "bigint",
    "Une colonne par type d'atelier du modèle de registre : ateliers de ce type (ligne total "
    "seulement).",
    "One column per workshop type of the register template: workshops of that type (total "
    "row only).",
    "Ateliers du type « {member} » (ligne total seulement).",
    "Workshops of type \"{member}\" (total row only).",
)

MART_SURVEY_INDICATORS = Table(
    "mart_survey_indicators", "marts",
    "Satisfaction avec les 12 services, satisfaction globale et confiance dans le conseil, "
    "par commune, province et région, par groupe (sexe, âge, handicap, milieu), non "
    "pondérée et pondérée.",
    "How satisfied citizens are with each of the 12 communal services, overall, and how "
    "much they trust their council: for every commune, province and the region, for women "
    "and men, age groups, persons with a disability and rural residents, with the margin of "
    "error and figures too small to publish withheld.",
    (*GEOGRAPHY, *GROUP,
     *fields("indicator", "estimate_type", "n_respondents", "n_rated", "n_dont_know",
             "n_use_answered", "usage_rate", "mean_score", "satisfied_share", "ci_low",
             "ci_high", "n_eff", "suppressed", "suppression", "usage_suppressed")),
    key=("geography_level", "geography_code", "breakdown", "group_key", "indicator",
         "estimate_type"),
    published=True, summary_by="suppression",
    sheet="satisfaction", pairs_sheet="satisfaction_croisements",
)
MART_SURVEY_OPTIONS = Table(
    "mart_survey_options", "marts",
    "Part des personnes citant chaque canal d'information, priorité de développement, et "
    "répondant oui/non aux questions de participation.",
    "How citizens hear about their council, what they see as priorities, and whether they "
    "know the action plan, took part in a consultation or asked for information: the share "
    "citing each answer, for every geography and group.",
    (*GEOGRAPHY, *GROUP,
     *fields("question", "option", "estimate_type", "n_respondents", "n_citing", "share"),
     FIELDS["ci_low"].described(
         "Borne basse de l'intervalle de confiance à 95 % de la part (Wilson).",
         "Lower bound of the share's 95 % confidence interval (Wilson)."),
     FIELDS["ci_high"].described(
         "Borne haute de l'intervalle de confiance à 95 % de la part (Wilson).",
         "Upper bound of the share's 95 % confidence interval (Wilson)."),
     *fields("rank", "suppressed", "suppression")),
    key=("geography_level", "geography_code", "breakdown", "group_key", "question", "option",
         "estimate_type"),
    published=True, summary_by="question",
    sheet="information_participation",
)
MART_EQUITY_GAPS = Table(
    "mart_equity_gaps", "marts",
    "Écarts de part de satisfaits entre femmes et hommes, jeunes et autres, personnes avec "
    "et sans handicap, rural et urbain, avec intervalle de Newcombe.",
    "Whether women and men, youth and older people, persons with and without a disability, "
    "rural and urban residents are equally satisfied: the gap between them for every "
    "service and geography, and whether it is significant.",
    (*GEOGRAPHY,
     *fields("indicator", "dimension", "group_a", "group_b", "n_a", "n_b", "share_a",
             "share_b", "gap"), NEWCOMBE_LOW, NEWCOMBE_HIGH, FIELDS["significant"],
     FIELDS["suppressed"].described(
         "Vrai si l'écart n'est pas publié : un des deux groupes a moins de 10 notes, ou "
         "est masqué dans mart_survey_indicators.",
         "Whether the gap is withheld: one of its groups has fewer than 10 scores, or is "
         "withheld in mart_survey_indicators.")),
    key=("geography_level", "geography_code", "indicator", "dimension"),
    published=True, summary_by="dimension",
    sheet="ecarts",
)
MART_PARTICIPATION = Table(
    "mart_participation", "marts",
    "Ateliers, présences, participants uniques et parts de femmes, jeunes, personnes en "
    "situation de handicap, ruraux et de chaque catégorie.",
    "Who takes part in the consultative workshops: workshops held, attendances, unique "
    "participants, and the shares of women, youth, persons with a disability, rural "
    "residents and each category of participant, for every geography and group.",
    (*GEOGRAPHY, *GROUP,
     *fields("workshops", "attendances", "unique_participants", "share_women",
             "share_youth", "share_with_disability", "share_rural"),
     CATEGORY_SHARES, WORKSHOPS_BY_TYPE,
     FIELDS["suppressed"].described(
         "Vrai si les parts de femmes, jeunes, handicap et rural ne sont pas publiées "
         "(moins de 10 présences, ou suppression complémentaire).",
         "Whether the shares of women, youth, disability and rural are withheld (fewer "
         "than 10 attendances, or complementary suppression)."),
     *fields("suppression", "categories_suppressed", "withheld_shares")),
    key=("geography_level", "geography_code", "breakdown", "group_key"),
    published=True, domain="participation", summary_by="geography_level",
    sheet="participation",
)
MART_TARGETS = Table(
    "mart_targets", "marts",
    "Cibles de participation (femmes, jeunes, handicap, rural) comparées aux parts "
    "réalisées.",
    "Whether each commune, province and the region meets its participation targets for "
    "women, youth, persons with a disability and rural residents.",
    (*GEOGRAPHY,
     FIELDS["indicator"].described(
         "Part visée : share_women, share_youth, share_with_disability, share_rural.",
         "Share aimed at: share_women, share_youth, share_with_disability, share_rural."),
     *fields("target", "actual", "attendances", "met")),
    key=("geography_level", "geography_code", "indicator"),
    published=True, domain="participation", summary_by="met",
    sheet="cibles",
)
MART_FIELDWORK = Table(
    "mart_fieldwork", "marts",
    "Période de l'enquête : premier et dernier jour d'entretien et nombre de réponses, par "
    "commune, province et région, sur toute la période et, pour les provinces et la région, "
    "par vague d'enquête.",
    "When the survey ran: the first and last day of interview and the number of responses, "
    "for each commune, province and the region, over the whole period and, for provinces "
    "and the region, round by round.",
    (*GEOGRAPHY,
     FIELDS["survey_round"].described(
         "Vague d'enquête (programme.yaml, survey_rounds), ou "
         "all pour toute la période.",
         "Survey round (programme.yaml, survey_rounds), or all "
         "for the whole period."),
     FIELDS["first_interview_day"], FIELDS["last_interview_day"],
     FIELDS["n_respondents"]),
    key=("geography_level", "geography_code", "survey_round"),
    published=True, summary_by="survey_round",
    sheet="periode",
)

QUALITY_FILE_SUMMARY = Table(
    "quality_file_summary", "quality",
    "Un fichier reçu par ligne (une feuille par ligne pour les registres) : chargé ou "
    "rejeté, et le devenir de chacune de ses lignes.",
    "What became of every file dropped into the raw folder (each sheet of a register): "
    "loaded or rejected and why, and how many of its rows were used, repeated, replaced, "
    "excluded or quarantined.",
    (*fields("source_file", "sheet", "file_kind", "file_shape", "status", "reason",
             "rows_read", *DISPOSITIONS, "rows_accounted", "encoding", "unmapped_headers",
             "missing_questions"),
     FIELDS["size_bytes"].optional(), FIELDS["modified_at"].optional(),
     FIELDS["sha256"].optional()),
    key=("source_file", "sheet"), published=True, domain="files", summary_by="status",
    sheet="fichiers",
)
QUALITY_QUARANTINE = Table(
    "quality_quarantine", "quality",
    "Chaque ligne mise en quarantaine avec chaque règle qu'elle enfreint, pour corriger les "
    "fichiers sources.",
    "The rows to correct in the source files: every row set aside, with the file, the row "
    "number, each rule it breaks and the value at fault.",
    (*fields("source_file", "sheet", "file_kind", "source_row", "rule", "column", "value"),
     FIELDS["message"].described("Explication de la règle enfreinte.",
                                 "What the broken rule means.")),
    key=("source_file", "sheet", "source_row", "rule", "column"),
    published=True, domain="files", summary_by="rule",
    sheet="quarantaine",
)
QUALITY_FLAGS = Table(
    "quality_flags", "quality",
    "Réponses retenues mais signalées comme douteuses (entretien de moins de 5 minutes, "
    "date hors période, enquêteur à plus de 25 entretiens par jour).",
    "Interviews kept in the figures but worth a supervisor's look: too short, dated out of "
    "the fieldwork period, or by an enumerator with too many interviews in a day.",
    (*fields("source_file", "source_row", "flag"), FIELDS["commune_code"].required(),
     FIELDS["file_kind"]),
    key=("source_file", "source_row", "flag"), published=True, domain="files",
    summary_by="flag", sheet="signalements",
)

QUALITY_DISCLOSURE = Table(
    "quality_disclosure", "quality",
    "Ce que le secret statistique masque, et pourquoi : par nature de chiffre, niveau "
    "géographique, ventilation et type d'estimation, le nombre de chiffres publiés et "
    "masqués (par raison), et combien reposent sur au moins 10 personnes.",
    "What disclosure control withholds, and why: for every kind of figure, geography level, "
    "breakdown and estimate type, how many figures are published and how many withheld (by "
    "reason), and how many rest on at least 10 people (could have been published on "
    "their own).",
    (*fields("figure", "geography_level", "breakdown", "estimate_type", "fate", "figures",
             "figures_enough", "withheld"),),
    key=("figure", "geography_level", "breakdown", "estimate_type", "fate"),
    published=True, domain="disclosure", summary_by="fate",
    sheet="secret_statistique",
)

MART_TABLES = (MART_SURVEY_INDICATORS, MART_SURVEY_OPTIONS, MART_EQUITY_GAPS,
               MART_PARTICIPATION, MART_TARGETS, MART_FIELDWORK)
QUALITY_TABLES = (QUALITY_FILE_SUMMARY, QUALITY_QUARANTINE, QUALITY_FLAGS,
                  QUALITY_DISCLOSURE)
