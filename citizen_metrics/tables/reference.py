"""The reference tables (`ref_*`): the region's communes and provinces, the questionnaire and
the labels file, read at the start of every run from `data/reference/`."""

from __future__ import annotations

from citizen_metrics.tables.fields import FIELDS, fields
from citizen_metrics.tables.model import Table

REF_COMMUNES = Table(
    "ref_communes", "reference",
    "Les 135 communes de la région : code HCP, province, noms français et arabe, type "
    "officiel, population (RGPH 2014 et 2024) et appartenance au programme.",
    "The region's 135 communes: HCP code, province, French and Arabic names, official type, "
    "population (2014 and 2024 census) and whether each is in the programme.",
    (FIELDS["commune_code"].required(),
     *fields("hcp_code", "province_code", "name_fr", "name_ar", "commune_type",
             "population_2024", "population_2014", "in_programme")),
    key=("commune_code",), domain="geography", summary_by="province_code",
)
REF_PROVINCES = Table(
    "ref_provinces", "reference",
    "Les 5 provinces de la région : code HCP, noms français et arabe.",
    "The region's 5 provinces: HCP code, French and Arabic names.",
    fields("province_code", "hcp_code", "name_fr", "name_ar", "region_code"),
    key=("province_code",), domain="geography",
)
REF_GEOGRAPHY = Table(
    "ref_geography", "reference",
    "Chaque commune, province et la région, avec son nom, sa population 2024 et son "
    "appartenance au programme : ce à quoi chaque indicateur est rattaché.",
    "Every commune, province and the region, with its name, 2024 population and whether it "
    "is in the programme: what every figure is attached to.",
    (*fields("geography_level", "geography_code", "geography_name"),
     FIELDS["province_code"].optional().described(
         "Province de la commune, ou la province elle-même ; vide pour la région.",
         "The commune's province, or the province itself; empty for the region."),
     *fields("in_programme", "population")),
    key=("geography_level", "geography_code"), domain="geography",
    summary_by="geography_level",
)
REF_SURVEY_QUESTIONS = Table(
    "ref_survey_questions", "reference",
    "Les questions du questionnaire citoyen (XLSForm), dans l'ordre du formulaire, avec "
    "leurs libellés français et arabes.",
    "The questions of the citizen questionnaire (XLSForm), in form order, with their French "
    "and Arabic wording.",
    (*fields("name", "type", "group_path", "list_name"),
     FIELDS["label_fr"].optional(), FIELDS["label_ar"].optional(),
     *fields("kept_by_pipeline", "form_order")),
    key=("name",), domain="survey",
)
REF_SURVEY_CHOICES = Table(
    "ref_survey_choices", "reference",
    "Les options de réponse de chaque liste de choix du questionnaire, avec leurs libellés "
    "français et arabes.",
    "The answer options of every choice list of the questionnaire, with their French and "
    "Arabic labels.",
    (FIELDS["list_name"].required(), *fields("name", "label_fr", "label_ar", "sort_order")),
    key=("list_name", "name"), domain="survey", summary_by="list_name",
)
REF_LABELS = Table(
    "ref_labels", "reference",
    "Les libellés français et arabes que le questionnaire ne porte pas (tranches d'âge, "
    "ventilations, devenir des lignes, règles de qualité…), lus dans "
    "data/reference/labels.yaml.",
    "The French and Arabic labels the questionnaire does not carry (age bands, breakdowns, "
    "dispositions, quality rules…), read from data/reference/labels.yaml.",
    (*fields("code_list", "parent", "code"),
     FIELDS["question"].optional().described(
         "Question du formulaire dont le code prend ses libellés.",
         "Question of the form the code takes its labels from."),
     FIELDS["label_fr"].optional(), FIELDS["label_ar"].optional(), FIELDS["sort_order"]),
    key=("code_list", "parent", "code"), domain="labels", summary_by="code_list",
)

REFERENCE_TABLES = (REF_COMMUNES, REF_PROVINCES, REF_GEOGRAPHY, REF_SURVEY_QUESTIONS,
                    REF_SURVEY_CHOICES, REF_LABELS)
