"""The label tables (`label_*`): the French and Arabic name of every code of the marts, read
from the questionnaire, the reference lists and `data/reference/labels.yaml`. Published with
the marts, in this order."""

from __future__ import annotations

from citizen_metrics.tables.fields import FIELDS, fields
from citizen_metrics.tables.model import Table

LABEL_GEOGRAPHIES = Table(
    "label_geographies", "labels",
    "Noms français et arabes de la région, des provinces et de toutes les communes (listes "
    "de référence), avec la province et l'appartenance au programme.",
    "The French and Arabic names of the region, its provinces and all its communes, with "
    "each commune's province and whether it is in the programme.",
    (*fields("geography_level", "geography_code", "name_fr", "name_ar", "level_fr",
             "level_ar"),
     FIELDS["province_code"].optional().described(
         "Province de la commune, ou la province elle-même ; vide pour la région.",
         "The commune's province, or the province itself; empty for the region."),
     *fields("province_name_fr", "province_name_ar"),
     FIELDS["commune_type"].optional().described(
         "Type officiel de la commune : urban (municipalité) ou rural ; vide pour une "
         "province ou la région.",
         "Official type of the commune: urban (municipality) or rural; empty for a province "
         "or the region."),
     FIELDS["in_programme"],
     FIELDS["population"].described(
         "Population légale RGPH 2024 (somme des communes pour une province ou la région).",
         "Legal population, 2024 census (the communes' sum for a province or the region).")
     .renamed("population_2024"),
     FIELDS["sort_order"]),
    key=("geography_level", "geography_code"), published=True, domain="labels",
    summary_by="geography_level",
)
LABEL_INDICATORS = Table(
    "label_indicators", "labels",
    "Libellés français et arabes des indicateurs : les 12 services, la satisfaction globale "
    "et la confiance (questionnaire), les parts de participation.",
    "The French and Arabic names of every indicator: the 12 services, overall satisfaction, "
    "trust, and the participation shares.",
    (FIELDS["indicator"].described(
        "Indicateur : une question notée du questionnaire, ou une part de participation "
        "(share_women…).",
        "Indicator: a scored question of the questionnaire, or a participation share "
        "(share_women…)."),
     *fields("service", "family", "label_fr", "label_ar", "short_fr", "short_ar",
             "question_fr", "question_ar", "sort_order")),
    key=("indicator",), published=True, domain="labels", summary_by="family",
)
LABEL_GROUPS = Table(
    "label_groups", "labels",
    "Libellés français et arabes de chaque ventilation et de chaque groupe, croisements "
    "compris (female,rural → Femme · Rural).",
    "The French and Arabic names of every breakdown and group, pairs included (female,rural "
    "→ Femme · Rural), and of the equity gaps' comparison groups.",
    fields("breakdown", "group_key", "breakdown_fr", "breakdown_ar", "label_fr", "label_ar",
           "is_pair", "comparison_only", "sort_order"),
    key=("breakdown", "group_key"), published=True, domain="labels",
)
LABEL_QUESTIONS = Table(
    "label_questions", "labels",
    "Libellés français et arabes des questions fermées du questionnaire.",
    "The French and Arabic wording of every closed question of the questionnaire.",
    (FIELDS["question"].described("Nom de la question dans le questionnaire.",
                                  "Name of the question in the questionnaire."),
     *fields("type", "list_name", "label_fr", "label_ar", "sort_order")),
    key=("question",), published=True, domain="labels",
)
LABEL_OPTIONS = Table(
    "label_options", "labels",
    "Libellés français et arabes des options de réponse du questionnaire.",
    "The French and Arabic labels of every answer option of those questions.",
    (FIELDS["question"].described("Nom de la question dans le questionnaire.",
                                  "Name of the question in the questionnaire."),
     *fields("option", "label_fr", "label_ar", "sort_order")),
    key=("question", "option"), published=True, domain="labels", summary_by="question",
)
LABEL_CODES = Table(
    "label_codes", "labels",
    "Libellés français et arabes des autres codes : niveaux géographiques, types "
    "d'estimation, secret statistique, devenir des lignes, types et statuts de fichiers, "
    "règles de quarantaine, signalements, types d'ateliers, catégories.",
    "The French and Arabic labels of the other codes: geography levels, estimate types, "
    "reasons for withholding, dispositions, file kinds and statuses, quality rules and "
    "flags, workshop types, participant categories.",
    fields("code_list", "code", "label_fr", "label_ar", "sort_order"),
    key=("code_list", "code"), published=True, domain="labels", summary_by="code_list",
)

LABEL_TABLES_DECLARED = (LABEL_GEOGRAPHIES, LABEL_INDICATORS, LABEL_GROUPS, LABEL_QUESTIONS,
                         LABEL_OPTIONS, LABEL_CODES)
