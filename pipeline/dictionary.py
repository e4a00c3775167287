"""The data dictionary of the published tables, in French, for the Excel workbook.

M&E officers and programme staff read the marts in Excel; the `colonnes` sheet of
`citizen_metrics.xlsx` explains every column from this module. A column added to a mart
without a description here is listed with "(à documenter)", and a test keeps that from
happening silently.
"""

from __future__ import annotations

TABLES_FR: dict[str, str] = {
    "mart_survey_indicators": "Satisfaction (12 services, satisfaction globale, confiance dans "
    "le conseil) par commune, province et région, par groupe (sexe, âge, handicap, milieu), "
    "non pondérée et pondérée.",
    "mart_survey_options": "Part des personnes citant chaque canal d'information, priorité "
    "de développement, et répondant oui/non aux questions de participation.",
    "mart_equity_gaps": "Écarts de part de satisfaits entre femmes et hommes, jeunes et "
    "autres, personnes avec et sans handicap, rural et urbain, avec intervalle de Newcombe.",
    "mart_participation": "Ateliers, présences, participants uniques et parts de femmes, "
    "jeunes, personnes en situation de handicap, ruraux et de chaque catégorie.",
    "mart_targets": "Cibles de participation (femmes, jeunes, handicap, rural) comparées aux "
    "parts réalisées.",
    "quality_file_summary": "Un fichier reçu par ligne (une feuille par ligne pour les "
    "registres) : chargé ou rejeté, et le devenir de chacune de ses lignes.",
    "quality_quarantine": "Chaque ligne mise en quarantaine avec chaque règle qu'elle "
    "enfreint, pour corriger les fichiers sources.",
    "quality_flags": "Réponses retenues mais signalées comme douteuses (entretien de moins "
    "de 5 minutes, date hors période, enquêteur à plus de 25 entretiens par jour).",
    "label_geographies": "Noms français et arabes de la région, des provinces et de toutes "
    "les communes (listes de référence), avec la province et l'appartenance au programme.",
    "label_indicators": "Libellés français et arabes des indicateurs : les 12 services, la "
    "satisfaction globale et la confiance (questionnaire), les parts de participation.",
    "label_groups": "Libellés français et arabes de chaque ventilation et de chaque groupe, "
    "croisements compris (female,rural → Femme · Rural).",
    "label_questions": "Libellés français et arabes des questions fermées du questionnaire.",
    "label_options": "Libellés français et arabes des options de réponse du questionnaire.",
    "label_codes": "Libellés français et arabes des autres codes : niveaux géographiques, "
    "types d'estimation, secret statistique, devenir des lignes, types et statuts de "
    "fichiers, règles de quarantaine, signalements, types d'ateliers, catégories.",
}

COLUMNS_FR: dict[str, str] = {
    "geography_level": "Niveau géographique : commune, province ou région.",
    "geography_code": "Code géographique HCP (commune 9 chiffres, province 5, région 05), "
    "en texte : les zéros initiaux comptent.",
    "geography_name": "Nom de la commune, de la province ou de la région.",
    "in_programme": "Vrai si la commune fait partie des 40 communes du programme (pour une "
    "province ou la région : si elle en contient au moins une).",
    "breakdown": "Ventilation : total, une dimension (sex, age_group, disability, residence, "
    "commune_type) ou deux dimensions croisées séparées par une virgule.",
    "group_key": "Groupe dans la ventilation (all pour le total ; ex. female, female,rural). "
    "unknown = valeur manquante ou inconnue, jamais imputée.",
    "indicator": "Indicateur : sat_<service> (satisfaction par service), sat_overall "
    "(satisfaction globale), trust_council (confiance dans le conseil communal).",
    "estimate_type": "unweighted (non pondéré) ou weighted (pondéré par la population "
    "communale RGPH 2024 : w = N_commune / n_commune).",
    "n_respondents": "Nombre de répondants valides du groupe (après validation, "
    "dédoublonnage, consentement = oui).",
    "n_rated": "Répondants ayant donné une note de 1 à 5 (9 = ne sait pas est exclu).",
    "n_dont_know": "Répondants ayant répondu 9 (ne sait pas / sans avis).",
    "n_use_answered": "Répondants ayant répondu oui ou non à l'utilisation du service.",
    "usage_rate": "Part des répondants ayant utilisé le service au cours des 12 derniers "
    "mois (parmi les réponses oui/non).",
    "usage_suppressed": "Vrai si le taux d'utilisation n'est pas publié (moins de réponses "
    "que le seuil, ou suppression complémentaire).",
    "mean_score": "Note moyenne de 1 (très insatisfait) à 5 (très satisfait).",
    "satisfied_share": "Part des notes 4 ou 5 parmi les notes de 1 à 5.",
    "ci_low": "Borne basse de l'intervalle de confiance à 95 % (Wilson ; Newcombe pour un "
    "écart).",
    "ci_high": "Borne haute de l'intervalle de confiance à 95 % (Wilson ; Newcombe pour un "
    "écart).",
    "n_eff": "Taille d'échantillon effective de Kish (Σw)²/Σw² ; égale à n_rated en non "
    "pondéré.",
    "suppressed": "Vrai si l'estimation n'est pas publiée (secret statistique) : groupe de "
    "moins de 10 personnes, ou suppression complémentaire. Les effectifs restent publiés.",
    "suppression": "primary : groupe trop petit ; complementary : masqué pour qu'un groupe "
    "trop petit ne puisse pas être recalculé à partir du total.",
    "question": "Question : info_channels, priorities (choix multiples), knows_pac, "
    "attended_consultation, requested_info (oui/non).",
    "option": "Option de réponse (nom de choix du questionnaire).",
    "n_citing": "Répondants citant l'option.",
    "share": "Part des répondants citant l'option (une personne peut en citer plusieurs).",
    "rank": "Rang de l'option dans le groupe (1 = la plus citée).",
    "dimension": "Dimension de l'écart : sex, age_group, disability, residence.",
    "group_a": "Premier groupe comparé (female, youth, with_disability, rural).",
    "group_b": "Groupe de référence (male, adult+senior, without_disability, urban).",
    "n_a": "Notes 1 à 5 du groupe a.",
    "n_b": "Notes 1 à 5 du groupe b.",
    "share_a": "Part de satisfaits du groupe a (non pondérée).",
    "share_b": "Part de satisfaits du groupe b (non pondérée).",
    "gap": "Écart share_a − share_b (en points de proportion).",
    "significant": "Vrai si l'intervalle de l'écart exclut 0.",
    "workshops": "Ateliers distincts (id_atelier) ; pour un groupe, ateliers auxquels le "
    "groupe a participé.",
    "attendances": "Présences (une personne comptée une fois par atelier).",
    "unique_participants": "Personnes distinctes (nom normalisé + téléphone ; sans "
    "téléphone, nom dans la commune).",
    "share_women": "Part des femmes parmi les présences.",
    "share_youth": "Part des jeunes (15–29 ans) parmi les présences.",
    "share_with_disability": "Part des personnes en situation de handicap parmi les "
    "présences.",
    "share_rural": "Part des personnes déclarant résider en milieu rural parmi les présences.",
    "target": "Cible (part minimale) fixée dans config/targets.yaml.",
    "actual": "Part réalisée parmi les présences (vide si non publiable).",
    "met": "Vrai si la part réalisée atteint la cible.",
    "source_file": "Fichier reçu dans data/raw/.",
    "sheet": "Feuille du classeur (registres : ateliers ou participants).",
    "file_kind": "survey_export (export d'enquête), workshop_register (registre d'ateliers) "
    "ou unknown.",
    "file_shape": "Forme reconnue : kobo, odk_central, paper, register_xlsx.",
    "status": "loaded (chargé) ou rejected (illisible, rejeté avec sa raison).",
    "reason": "Raison du rejet du fichier, ou remarque sur un fichier chargé (« no data "
    "rows » : un en-tête sans aucune ligne).",
    "rows_read": "Lignes de données lues (sans l'en-tête ni la ligne HXL).",
    "accepted": "Lignes retenues pour les indicateurs.",
    "duplicate": "Répétitions identiques d'une soumission déjà lue (exports cumulatifs).",
    "superseded": "Anciennes versions d'une soumission modifiée depuis.",
    "excluded_no_consent": "Refus de consentement : exclus et comptés.",
    "quarantined": "Lignes mises en quarantaine (voir quality_quarantine).",
    "rows_accounted": "Vrai si rows_read = accepted + duplicate + superseded + "
    "excluded_no_consent + quarantined.",
    "encoding": "Encodage du fichier texte utilisé pour le lire (utf-8, utf-16, cp1256 pour "
    "l'arabe de Windows, cp1252 pour le français de Windows).",
    "unmapped_headers": "En-têtes non reconnus (ignorés).",
    "missing_questions": "Questions du formulaire (colonnes du modèle pour un registre) "
    "absentes du fichier : sans réponse pour toutes ses lignes (groupe « unknown »).",
    "size_bytes": "Taille du fichier en octets.",
    "modified_at": "Date de modification du fichier (UTC).",
    "sha256": "Empreinte SHA-256 du contenu du fichier.",
    "source_row": "Numéro de la ligne de données dans le fichier (1 = première ligne après "
    "l'en-tête et la ligne HXL).",
    "rule": "Règle enfreinte (voir le README).",
    "column": "Colonne en cause.",
    "value": "Valeur en cause (jamais de nom ni de téléphone).",
    "message": "Explication de la règle.",
    "flag": "Signalement : short_interview (moins de 5 minutes), date_out_of_range (avant "
    "2022 ou dans le futur), enumerator_overload (plus de 25 entretiens par enquêteur et par "
    "jour).",
    "commune_code": "Code HCP de la commune (9 chiffres, en texte).",
    "label_fr": "Libellé en français (tiré du questionnaire ou de data/reference/labels.yaml).",
    "label_ar": "Libellé en arabe (tiré du questionnaire ou de data/reference/labels.yaml).",
    "name_fr": "Nom en français (listes de référence communes.csv, provinces.csv).",
    "name_ar": "Nom en arabe (listes de référence communes.csv, provinces.csv).",
    "level_fr": "Niveau géographique en français.",
    "level_ar": "Niveau géographique en arabe.",
    "province_code": "Code HCP de la province (5 chiffres, en texte).",
    "province_name_fr": "Nom de la province en français.",
    "province_name_ar": "Nom de la province en arabe.",
    "commune_type": "Type officiel de la commune : urban (municipalité) ou rural.",
    "population_2024": "Population légale RGPH 2024.",
    "sort_order": "Ordre d'affichage conseillé.",
    "service": "Code du service (sans le préfixe sat_) ; vide pour les autres indicateurs.",
    "family": "survey (enquête citoyenne) ou participation (registres d'ateliers).",
    "short_fr": "Libellé court en français (sans la précision entre parenthèses).",
    "short_ar": "Libellé court en arabe (sans la précision entre parenthèses).",
    "question_fr": "Texte de la question en français, tel que dans le questionnaire.",
    "question_ar": "Texte de la question en arabe, tel que dans le questionnaire.",
    "breakdown_fr": "Nom de la ventilation en français.",
    "breakdown_ar": "Nom de la ventilation en arabe.",
    "is_pair": "Vrai pour un croisement de deux dimensions.",
    "comparison_only": "Vrai pour un groupe de comparaison des écarts (adult+senior), qui "
    "n'est pas un groupe de ventilation.",
    "type": "Type de question XLSForm (select one, select all that apply, integer…).",
    "list_name": "Liste de choix du questionnaire.",
    "code_list": "Liste de codes (geography_level, estimate_type, suppression, disposition, "
    "quarantine_rule, quality_flag, file_kind, file_shape, file_status, workshop_type, "
    "participant_category).",
    "code": "Code tel qu'il figure dans les tables.",
}

PREFIXES_FR = {
    "share_": "Part de la catégorie de participants « {} » parmi les présences.",
    "workshops_": "Ateliers du type « {} » (ligne total seulement).",
}


def describe(column: str) -> str:
    if column in COLUMNS_FR:
        return COLUMNS_FR[column]
    for prefix, template in PREFIXES_FR.items():
        if column.startswith(prefix):
            return template.format(column.removeprefix(prefix))
    return "(à documenter)"
