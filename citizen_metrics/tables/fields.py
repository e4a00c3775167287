"""Every column of the warehouse, declared once: type, French and English description,
allowed values or where they come from, nullability.

A column that means the same thing in several tables (`source_file`, `geography_code`,
`n_respondents`) is one field here; tables list fields by name (`fields(...)`). Where a
column means something a little different in one table (the interval of a gap is
Newcombe's, of a share Wilson's), the table takes the field `described()` its own way.
Columns made at run time, one per member of a list of the form or of the register template,
are families (`FieldFamily`), declared beside the tables that hold them.
"""

from __future__ import annotations

from citizen_metrics.tables.model import Field

SURVEY_KIND = "survey_export"
REGISTER_KIND = "workshop_register"
UNKNOWN_KIND = "unknown"

# Where every staged row ends (docs/methodology.md §6), in the order the summary lists them.
DISPOSITIONS = ("accepted", "duplicate", "superseded", "excluded_no_consent", "quarantined")
GEOGRAPHY_LEVELS = ("commune", "province", "region")
ESTIMATE_TYPES = ("unweighted", "weighted")
SUPPRESSION_REASONS = ("primary", "complementary", "commune_pair", "weighted_pair",
                       "single_round")
QUALITY_FLAGS = ("short_interview", "date_out_of_range", "enumerator_overload")
GAP_DIMENSIONS = ("sex", "age_group", "disability", "residence")

_FIELDS = (
    # --- provenance: where a row comes from -------------------------------------------------
    Field("source_file", "text",
          "Fichier reçu, chemin relatif au dossier data/raw.",
          "Input file, as a path relative to the raw folder.", nullable=False),
    Field("sheet", "text",
          "Feuille du classeur pour un registre (ateliers, participants) ; vide pour une "
          "enquête.",
          "Workbook sheet of a register (ateliers, participants); empty for a survey file.",
          nullable=False),
    Field("source_row", "bigint",
          "Numéro de la ligne de données dans le fichier ou la feuille, à partir de 1 (l'en-tête "
          "et la ligne de hashtags Kobo ne comptent pas).",
          "1-based data row of the file or sheet (the header and Kobo's hashtag line are not "
          "data rows).", nullable=False),
    # --- the raw folder ---------------------------------------------------------------------
    Field("file_kind", "text",
          "Nature du fichier reconnue à son contenu : export d'enquête, registre d'ateliers ou "
          "inconnu.",
          "What the file is, told from its content: survey export, workshop register or "
          "unknown.",
          nullable=False, values=(SURVEY_KIND, REGISTER_KIND, UNKNOWN_KIND)),
    Field("size_bytes", "bigint", "Taille du fichier en octets.", "File size in bytes.",
          nullable=False),
    Field("modified_at", "timestamp", "Date de dernière modification du fichier (UTC).",
          "Last modification time of the file (UTC).", nullable=False),
    Field("sha256", "text", "Empreinte SHA-256 du contenu du fichier.",
          "SHA-256 digest of the file's content.", nullable=False),
    Field("reading_fingerprint", "text",
          "Empreinte de ce qui fait les lignes lues d'un fichier hors son contenu (formulaire, "
          "vocabulaires, clé de pseudonymisation, code des lecteurs) : si elle change, tous "
          "les fichiers sont relus.",
          "Digest of what makes a file's staged rows besides its content (the form, the "
          "vocabularies, the pseudonymisation key, the readers' code): when it changes, every "
          "file is read again.", nullable=False),
    Field("staged_at", "timestamp", "Date à laquelle le fichier a été lu (UTC).",
          "When the file was read into staging (UTC).", nullable=False),
    Field("file_order", "bigint",
          "Rang du fichier dans le dossier (date de modification, puis nom), pour le lire ; "
          "l'ordre dans lequel les fichiers sont crédités vient de leur contenu "
          "(credit_order).",
          "Rank of the file in the folder (modification time, then name), to read it; the "
          "order in which files are credited comes from their content (credit_order).",
          nullable=False),
    Field("latest_content_at", "timestamp",
          "Le plus récent de ce que le fichier contient : heure de soumission la plus tardive "
          "(enquête) ou date d'atelier la plus tardive (registre), en UTC.",
          "The latest thing the file holds: its latest submission time (survey export) or "
          "workshop date (register), UTC."),
    Field("credit_order", "bigint",
          "Rang du fichier d'après son contenu (le plus récent de ce qu'il contient, puis son "
          "empreinte) : entre deux copies d'une même ligne, la première est créditée au "
          "fichier de rang le plus bas, et un registre plus récent corrige les précédents. "
          "Une copie du fichier (nouvelle date de modification) ne le change pas.",
          "Rank of the file from its content (the latest thing it holds, then its digest): of "
          "two copies of a row the first is credited to the file of lower rank, and a later "
          "register corrects the earlier ones. Copying a file (a new modification time) "
          "does not change it.", nullable=False),
    # --- what was read from each file -------------------------------------------------------
    Field("file_shape", "text",
          "Forme de l'export : kobo, odk_central, paper (saisie papier), register_xlsx, "
          "unknown.",
          "Export shape: kobo, odk_central, paper (typed from paper), register_xlsx, unknown.",
          nullable=False,
          values=("kobo", "odk_central", "paper", "register_xlsx", "unknown")),
    Field("status", "text", "loaded (chargé) ou rejected (rejeté, voir reason).",
          "loaded, or rejected (see reason).", nullable=False, values=("loaded", "rejected")),
    Field("reason", "text",
          "Pourquoi le fichier est rejeté, ou pourquoi un fichier chargé ne donne aucune ligne "
          "(« no data rows » : un en-tête sans aucune ligne).",
          "Why the file was rejected, or why a loaded file gave no row (\"no data rows\": a "
          "header and nothing under it)."),
    Field("rows_read", "bigint",
          "Lignes de données lues dans le fichier ou la feuille (sans l'en-tête ni la ligne "
          "HXL).",
          "Data rows read from the file or sheet (not the header nor the HXL line).",
          nullable=False),
    Field("encoding", "text",
          "Encodage du texte utilisé pour lire le fichier (utf-8, utf-16, cp1256 pour l'arabe "
          "de Windows, cp1252 pour le français de Windows).",
          "Text encoding used to read the file (utf-8, utf-16, cp1256 for Windows Arabic, "
          "cp1252 for Windows French)."),
    Field("unmapped_headers", "text",
          "En-têtes de colonnes qui ne correspondent à aucune question du formulaire "
          "(ignorés).",
          "Column headers that name no question of the form (ignored)."),
    Field("missing_questions", "text",
          "Questions du formulaire (colonnes du modèle pour un registre) absentes du fichier : "
          "sans réponse pour toutes ses lignes (groupe « unknown »).",
          "Questions of the form (template columns for a register) the file lacks: unanswered "
          "for all its rows (group \"unknown\")."),
    Field("message", "text", "Ce qui empêche de lire la ligne.",
          "What makes the row unreadable.", nullable=False),
    # --- survey rows ------------------------------------------------------------------------
    Field("submission_key", "text",
          "Identifiant de soumission pseudonymisé (hachage à clé de _uuid, meta-instanceID ou "
          "N° questionnaire).",
          "Pseudonymised submission id (keyed hash of _uuid, meta-instanceID or the "
          "questionnaire number)."),
    Field("enumerator_key", "text", "Code enquêteur pseudonymisé (hachage à clé).",
          "Pseudonymised enumerator code (keyed hash)."),
    Field("submitted_at", "timestamp", "Heure de soumission au serveur (UTC).",
          "Time the submission reached the server (UTC)."),
    Field("started_at", "timestamp", "Début de l'entretien (UTC).",
          "Start of the interview (UTC)."),
    Field("ended_at", "timestamp", "Fin de l'entretien (UTC).", "End of the interview (UTC)."),
    Field("interview_date", "date", "Date de l'entretien sur l'appareil (today).",
          "Date of the interview on the device (today)."),
    # --- workshop registers -----------------------------------------------------------------
    Field("workshop_id", "text", "Identifiant de l'atelier (id_atelier), en majuscules.",
          "Workshop id (id_atelier), upper case."),
    Field("commune_code", "text", "Code HCP de la commune (9 chiffres, en texte).",
          "HCP code of the commune (9 digits, as text).", values_from="reference:communes"),
    Field("workshop_date", "date", "Date de l'atelier.", "Date of the workshop."),
    Field("workshop_type", "text", "Type d'atelier.", "Workshop type.",
          values_from="template:type_atelier"),
    Field("expert_key", "text", "Code expert pseudonymisé (hachage à clé).",
          "Pseudonymised expert code (keyed hash)."),
    Field("date_text", "text", "Date de l'atelier telle que saisie.",
          "Workshop date as typed."),
    Field("person_key", "text",
          "Participant pseudonymisé : hachage à clé du nom et du téléphone normalisés (du nom "
          "seul sans téléphone).",
          "Pseudonymised participant: keyed hash of the normalised name and phone (the name "
          "alone without a phone)."),
    Field("has_phone", "boolean", "Vrai si un numéro de téléphone valide a été saisi.",
          "Whether a valid phone number was typed.", nullable=False),
    Field("sex", "text", "Sexe du participant.", "Participant's sex.",
          values_from="vocabulary:sex"),
    Field("age", "integer", "Âge en années révolues.", "Age in completed years."),
    Field("category", "text", "Catégorie de participant.", "Participant category.",
          values_from="template:categorie"),
    Field("disability", "text", "Situation de handicap (yes/no).", "Disability (yes/no).",
          values_from="vocabulary:yes_no"),
    Field("residence", "text", "Milieu de résidence (urban/rural).",
          "Place of residence (urban/rural).", values_from="vocabulary:residence"),
    # --- reference lists --------------------------------------------------------------------
    Field("province_code", "text", "Code HCP de la province (5 chiffres, en texte).",
          "HCP code of the province (5 digits, as text).", nullable=False,
          values_from="reference:provinces"),
    Field("region_code", "text", "Code HCP de la région (05).", "HCP code of the region (05).",
          nullable=False),
    Field("hcp_code", "text", "Code HCP avec ses points (05.081.01.01).",
          "HCP code with its dots (05.081.01.01).", nullable=False),
    Field("name_fr", "text",
          "Nom en français (listes de référence communes.csv, provinces.csv).",
          "French name (reference lists communes.csv, provinces.csv).", nullable=False),
    Field("name_ar", "text", "Nom en arabe (listes de référence communes.csv, provinces.csv).",
          "Arabic name (reference lists communes.csv, provinces.csv).", nullable=False),
    Field("commune_type", "text", "Type officiel de la commune : urban (municipalité) ou rural.",
          "Official type of the commune: urban (municipality) or rural.", nullable=False,
          values=("urban", "rural")),
    Field("population_2024", "bigint", "Population légale RGPH 2024.",
          "Legal population, 2024 census (RGPH).", nullable=False),
    Field("population_2014", "bigint", "Population légale RGPH 2014.",
          "Legal population, 2014 census (RGPH).", nullable=False),
    Field("in_programme", "boolean",
          "Vrai si la commune fait partie des 40 communes du programme (pour une province ou la "
          "région : si elle en contient au moins une).",
          "Whether the commune is one of the programme's 40 communes (for a province or the "
          "region: whether it holds at least one).", nullable=False),
    Field("geography_level", "text", "Niveau géographique : commune, province ou région.",
          "Geography level: commune, province or region.", nullable=False,
          values=GEOGRAPHY_LEVELS),
    Field("geography_code", "text",
          "Code géographique HCP (commune 9 chiffres, province 5, région 05), en texte : les "
          "zéros initiaux comptent.",
          "HCP geography code (commune 9 digits, province 5, region 05), as text: leading "
          "zeros count.", nullable=False),
    Field("geography_name", "text", "Nom de la commune, de la province ou de la région.",
          "Name of the commune, province or region.", nullable=False),
    Field("population", "hugeint",
          "Population légale RGPH 2024 de la commune, de la province ou de la région.",
          "Legal population (2024 census) of the commune, province or region.",
          nullable=False),
    # --- the questionnaire and the labels ---------------------------------------------------
    Field("name", "text", "Nom XLSForm de la question ou du choix.",
          "XLSForm name of the question or choice.", nullable=False),
    Field("type", "text",
          "Type de question XLSForm (select one, select all that apply, integer…).",
          "XLSForm question type (select one, select all that apply, integer…).",
          nullable=False),
    Field("group_path", "text", "Groupes du formulaire qui contiennent la question (a/b).",
          "Groups of the form the question sits in (a/b).", nullable=False),
    Field("list_name", "text", "Liste de choix du questionnaire.",
          "Choice list of the questionnaire."),
    Field("label_fr", "text",
          "Libellé en français (tiré du questionnaire ou de data/reference/labels.yaml).",
          "French label (from the questionnaire or data/reference/labels.yaml).",
          nullable=False),
    Field("label_ar", "text",
          "Libellé en arabe (tiré du questionnaire ou de data/reference/labels.yaml).",
          "Arabic label (from the questionnaire or data/reference/labels.yaml).",
          nullable=False),
    Field("kept_by_pipeline", "boolean",
          "Vrai pour une question fermée que le pipeline lit (jamais les noms, téléphones, "
          "commentaires).",
          "Whether the pipeline reads this closed question (never names, phones, comments).",
          nullable=False),
    Field("form_order", "bigint", "Rang de la question dans le formulaire.",
          "Position of the question in the form.", nullable=False),
    Field("sort_order", "bigint", "Ordre d'affichage conseillé.", "Suggested display order.",
          nullable=False),
    Field("code_list", "text",
          "Liste de codes (geography_level, estimate_type, suppression, disposition, "
          "quarantine_rule, quality_flag, file_kind, file_shape, file_status, workshop_type, "
          "participant_category).",
          "Code list (geography_level, estimate_type, suppression, disposition, "
          "quarantine_rule, quality_flag, file_kind, file_shape, file_status, workshop_type, "
          "participant_category).", nullable=False),
    Field("code", "text", "Code tel qu'il figure dans les tables.",
          "Code as it appears in the tables.", nullable=False),
    Field("parent", "text", "Dimension à laquelle appartient un groupe.",
          "Dimension a group belongs to."),
    Field("level_fr", "text", "Niveau géographique en français.", "Geography level in French.",
          nullable=False),
    Field("level_ar", "text", "Niveau géographique en arabe.", "Geography level in Arabic.",
          nullable=False),
    Field("province_name_fr", "text", "Nom de la province en français.",
          "Name of the province in French."),
    Field("province_name_ar", "text", "Nom de la province en arabe.",
          "Name of the province in Arabic."),
    Field("service", "text",
          "Code du service (sans le préfixe sat_) ; vide pour les autres indicateurs.",
          "Service code (without the sat_ prefix); empty for the other indicators."),
    Field("family", "text",
          "survey (enquête citoyenne) ou participation (registres d'ateliers).",
          "survey (citizen survey) or participation (workshop registers).", nullable=False,
          values=("survey", "participation")),
    Field("short_fr", "text",
          "Libellé court en français (sans la précision entre parenthèses).",
          "Short French label (without the detail in brackets).", nullable=False),
    Field("short_ar", "text", "Libellé court en arabe (sans la précision entre parenthèses).",
          "Short Arabic label (without the detail in brackets).", nullable=False),
    Field("question_fr", "text", "Texte de la question en français, tel que dans le "
          "questionnaire.", "Wording of the question in French, as in the questionnaire."),
    Field("question_ar", "text", "Texte de la question en arabe, tel que dans le "
          "questionnaire.", "Wording of the question in Arabic, as in the questionnaire."),
    Field("breakdown_fr", "text", "Nom de la ventilation en français.",
          "Name of the breakdown in French.", nullable=False),
    Field("breakdown_ar", "text", "Nom de la ventilation en arabe.",
          "Name of the breakdown in Arabic.", nullable=False),
    Field("is_pair", "boolean", "Vrai pour un croisement de deux dimensions.",
          "Whether this is a pair of dimensions.", nullable=False),
    Field("comparison_only", "boolean",
          "Vrai pour un groupe de comparaison des écarts (adult+senior), qui n'est pas un "
          "groupe de ventilation.",
          "Whether this is a comparison group of the equity gaps (adult+senior), which is no "
          "group of a breakdown.", nullable=False),
    # --- where each row ends ----------------------------------------------------------------
    Field("dedup_status", "text",
          "candidate (à valider), duplicate (copie identique d'une soumission déjà lue) ou "
          "superseded (version remplacée par une plus récente).",
          "candidate (to validate), duplicate (identical copy of a submission already read) "
          "or superseded (a version replaced by a newer one).", nullable=False,
          values=("candidate", "duplicate", "superseded")),
    Field("disposition", "text",
          "Devenir de la ligne : accepted, duplicate, superseded, excluded_no_consent, "
          "quarantined.",
          "Where the row ended: accepted, duplicate, superseded, excluded_no_consent, "
          "quarantined.", nullable=False, values=DISPOSITIONS),
    Field("rule", "text", "Règle de qualité enfreinte (voir docs/guide_field_clerks.md).",
          "Data-quality rule broken (see docs/guide_field_clerks.md).", nullable=False,
          values_from="rules"),
    Field("column", "text", "Colonne en cause.", "Column at fault."),
    Field("value", "text", "Valeur en cause (jamais de nom ni de téléphone).",
          "Value at fault (never a name nor a phone)."),
    Field("accepted", "bigint", "Lignes retenues pour les indicateurs.",
          "Rows used for the figures.", nullable=False),
    Field("duplicate", "bigint",
          "Répétitions identiques d'une soumission déjà lue (exports cumulatifs).",
          "Identical repeats of a submission already read (cumulative exports).",
          nullable=False),
    Field("superseded", "bigint", "Anciennes versions d'une soumission modifiée depuis.",
          "Older versions of a submission edited since.", nullable=False),
    Field("excluded_no_consent", "bigint", "Refus de consentement : exclus et comptés.",
          "Consent declined: excluded, and counted.", nullable=False),
    Field("quarantined", "bigint", "Lignes mises en quarantaine (voir quality_quarantine).",
          "Rows quarantined (see quality_quarantine).", nullable=False),
    Field("rows_accounted", "boolean",
          "Vrai si rows_read = accepted + duplicate + superseded + excluded_no_consent + "
          "quarantined.",
          "Whether rows_read = accepted + duplicate + superseded + excluded_no_consent + "
          "quarantined.", nullable=False),
    Field("flag", "text",
          "Signalement : short_interview (moins de 5 minutes), date_out_of_range (avant 2022 ou "
          "dans le futur), enumerator_overload (plus de 25 entretiens par enquêteur et par "
          "jour).",
          "Flag: short_interview (under 5 minutes), date_out_of_range (before 2022 or in the "
          "future), enumerator_overload (more than 25 interviews by one enumerator in a day).",
          nullable=False, values=QUALITY_FLAGS),
    # --- accepted responses and attendances -------------------------------------------------
    Field("age_group", "text",
          "Tranche d'âge : youth (15–29 ans), adult (30–59), senior (60 et plus), unknown.",
          "Age band: youth (15–29), adult (30–59), senior (60 and over), unknown.",
          nullable=False, values=("youth", "adult", "senior", "unknown")),
    Field("person_id", "text",
          "Personne pseudonymisée pour compter les participants uniques : nom et téléphone, "
          "ou sans téléphone le nom dans la commune.",
          "Pseudonymised person for counting unique participants: name and phone, or "
          "without a phone the name within the commune.", nullable=False),
    Field("interview_day", "date",
          "Jour de l'entretien à l'heure du Maroc (début, sinon date de l'appareil, sinon "
          "soumission).",
          "Day of the interview in Morocco's time (start, else the device's date, else the "
          "submission)."),
    Field("survey_round", "text",
          "Vague d'enquête (programme.yaml, survey_rounds) dont les dates contiennent le jour "
          "de l'entretien ; hors de toute vague, la plus proche ; sans date, celle des "
          "questionnaires non datés (undated_survey_round).",
          "Survey round (programme.yaml, survey_rounds) whose dates hold the interview's "
          "day; outside every round, the nearest; without a date, the round of undated "
          "questionnaires (undated_survey_round).", nullable=False),
    Field("first_interview_day", "date",
          "Premier jour d'entretien (heure du Maroc), hors dates aberrantes.",
          "First day of interview (Morocco's time), out-of-range dates aside."),
    Field("last_interview_day", "date",
          "Dernier jour d'entretien (heure du Maroc), hors dates aberrantes.",
          "Last day of interview (Morocco's time), out-of-range dates aside."),
    Field("quality_flags", "text_list",
          "Signalements de la réponse (short_interview, date_out_of_range, "
          "enumerator_overload) ; liste vide si aucun.",
          "The response's flags (short_interview, date_out_of_range, enumerator_overload); "
          "empty when none.", nullable=False),
    Field("weight", "number",
          "Poids de la réponse : population 2024 de la commune divisée par son nombre de "
          "réponses valides.",
          "Weight of the response: the commune's 2024 population over its number of valid "
          "responses.", nullable=False),
    # --- sums behind the survey estimates ---------------------------------------------------
    Field("sum_score", "bigint", "Somme des notes de 1 à 5.", "Sum of the 1–5 scores."),
    Field("n_satisfied", "bigint", "Notes 4 ou 5.", "Scores of 4 or 5.", nullable=False),
    Field("w_rated", "number", "Somme des poids des répondants ayant noté de 1 à 5.",
          "Sum of the weights of the respondents who gave a 1–5 score.", nullable=False),
    Field("w2_rated", "number", "Somme des carrés de ces poids.",
          "Sum of the squares of those weights.", nullable=False),
    Field("w_score", "number", "Somme des notes pondérées.", "Sum of the weighted scores.",
          nullable=False),
    Field("w_satisfied", "number", "Somme des poids des notes 4 ou 5.",
          "Sum of the weights of the scores of 4 or 5.", nullable=False),
    Field("n_used", "bigint", "Répondants ayant utilisé le service.",
          "Respondents who used the service."),
    Field("w_use_answered", "number",
          "Somme des poids des répondants ayant dit s'ils ont utilisé le service.",
          "Sum of the weights of the respondents who said whether they used the service."),
    Field("w_used", "number", "Somme des poids des répondants ayant utilisé le service.",
          "Sum of the weights of the respondents who used the service."),
    # --- the published figures --------------------------------------------------------------
    Field("breakdown", "text",
          "Ventilation : total, une dimension (sex, age_group, disability, residence, "
          "commune_type) ou deux dimensions croisées séparées par une virgule.",
          "Breakdown: total, one dimension (sex, age_group, disability, residence, "
          "commune_type) or two dimensions crossed, separated by a comma.", nullable=False),
    Field("group_key", "text",
          "Groupe dans la ventilation (all pour le total ; ex. female, female,rural). unknown "
          "= valeur manquante ou inconnue, jamais imputée.",
          "Group within the breakdown (all for the total; e.g. female, female,rural). unknown "
          "= a missing or unknown value, never guessed.", nullable=False),
    Field("indicator", "text",
          "Indicateur : sat_<service> (satisfaction par service), sat_overall (satisfaction "
          "globale), trust_council (confiance dans le conseil communal).",
          "Indicator: sat_<service> (satisfaction with a service), sat_overall (overall "
          "satisfaction), trust_council (trust in the communal council).", nullable=False,
          values_from="form:score_questions"),
    Field("estimate_type", "text",
          "unweighted (non pondéré) ou weighted (pondéré par la population communale RGPH "
          "2024 : w = N_commune / n_commune).",
          "unweighted, or weighted by the commune's 2024 census population (w = N_commune / "
          "n_commune).", nullable=False, values=ESTIMATE_TYPES),
    Field("n_respondents", "bigint",
          "Nombre de répondants valides du groupe (après validation, dédoublonnage, "
          "consentement = oui).",
          "Valid respondents of the group (validated, de-duplicated, consenting).",
          nullable=False),
    Field("n_rated", "bigint",
          "Répondants ayant donné une note de 1 à 5 (9 = ne sait pas est exclu).",
          "Respondents who gave a score from 1 to 5 (9, don't know, is not a score).",
          nullable=False),
    Field("n_dont_know", "bigint", "Répondants ayant répondu 9 (ne sait pas / sans avis).",
          "Respondents who answered 9 (don't know).", nullable=False),
    Field("n_use_answered", "bigint",
          "Répondants ayant répondu oui ou non à l'utilisation du service (vide pour les "
          "indicateurs qui ne sont pas des services).",
          "Respondents who answered yes or no about using the service (empty for indicators "
          "that are no service)."),
    Field("usage_rate", "number",
          "Part des répondants ayant utilisé le service au cours des 12 derniers mois (parmi "
          "les réponses oui/non).",
          "Share of respondents who used the service in the last 12 months (of the yes/no "
          "answers)."),
    Field("usage_suppressed", "boolean",
          "Vrai si le taux d'utilisation n'est pas publié (moins de réponses que le seuil, ou "
          "suppression complémentaire).",
          "Whether the usage rate is withheld (fewer answers than the threshold, or "
          "complementary suppression).", nullable=False),
    Field("mean_score", "number", "Note moyenne de 1 (très insatisfait) à 5 (très satisfait).",
          "Mean score, from 1 (very dissatisfied) to 5 (very satisfied)."),
    Field("satisfied_share", "number", "Part des notes 4 ou 5 parmi les notes de 1 à 5.",
          "Share of 4 or 5 among the 1–5 scores."),
    Field("ci_low", "number", "Borne basse de l'intervalle de confiance à 95 % (Wilson).",
          "Lower bound of the 95 % confidence interval (Wilson)."),
    Field("ci_high", "number", "Borne haute de l'intervalle de confiance à 95 % (Wilson).",
          "Upper bound of the 95 % confidence interval (Wilson)."),
    Field("n_eff", "number",
          "Taille d'échantillon effective de Kish (Σw)²/Σw² ; égale à n_rated en non "
          "pondéré.",
          "Kish effective sample size (Σw)²/Σw²; n_rated when unweighted."),
    Field("suppressed", "boolean",
          "Vrai si l'estimation n'est pas publiée (secret statistique) : groupe de moins de 10 "
          "personnes, ou suppression complémentaire. Les effectifs restent publiés.",
          "Whether the estimate is withheld (statistical disclosure control): a group of "
          "fewer than 10 people, or complementary suppression. Counts stay published.",
          nullable=False),
    Field("suppression", "text",
          "Pourquoi : primary (groupe trop petit), complementary (masqué pour qu'un chiffre "
          "masqué ne puisse pas être recalculé), commune_pair (croisement de deux dimensions "
          "dans une commune, jamais publié), weighted_pair (croisement de deux dimensions "
          "pondéré, jamais publié), single_round (chiffre par vague d'une province ou de la "
          "région où une seule vague a assez de personnes : pas de tendance, jamais "
          "publié) ; vide si publié.",
          "Why: primary (group too small), complementary (withheld so that a withheld figure "
          "cannot be worked out), commune_pair (a pair of dimensions within a commune, never "
          "published), weighted_pair (a weighted pair of dimensions, never published), "
          "single_round (a province's or the region's figure by round where only one round "
          "rests on enough people: no trend, never published); empty when published.",
          values=SUPPRESSION_REASONS),
    # --- disclosure control: what is suppressed, and why ------------------------------------
    Field("figure", "text",
          "Nature des chiffres : satisfaction (part de satisfaits et note moyenne), usage "
          "(taux d'usage d'un service), option (part citant une réponse), participation "
          "(parts de femmes, jeunes, handicap, rural parmi les présences), category (part "
          "d'une catégorie de participants), equity_gap (écart entre deux groupes).",
          "Kind of figure: satisfaction (satisfied share and mean score), usage (a service's "
          "usage rate), option (share citing an answer), participation (shares of women, "
          "youth, disability, rural among attendances), category (share of a participant "
          "category), equity_gap (gap between two groups).",
          nullable=False, values=("satisfaction", "usage", "option", "participation",
                                  "category", "equity_gap")),
    Field("fate", "text",
          "Sort des chiffres : published (publié), ou la raison du masquage : primary "
          "(moins de personnes que le seuil), complementary (masqué pour qu'un chiffre "
          "masqué ne puisse pas être recalculé), commune_pair, weighted_pair ou "
          "single_round (jamais publié).",
          "What became of the figures: published, or why they are withheld: primary (fewer "
          "people than the threshold), complementary (withheld so that a withheld figure "
          "cannot be worked out), commune_pair, weighted_pair or single_round (never "
          "published).",
          nullable=False, values=("published", *SUPPRESSION_REASONS)),
    Field("figures", "bigint", "Nombre de chiffres.", "Number of figures.", nullable=False),
    Field("figures_enough", "bigint",
          "Dont ceux qui reposent sur au moins le seuil de personnes (10) : assez pour "
          "être publiés d'eux-mêmes (inconnu, donc non compté, pour un effectif masqué).",
          "Of which those resting on at least the threshold of people (10): enough to be "
          "published on their own (unknown, so not counted, where a count is withheld).",
          nullable=False),
    Field("withheld", "bigint",
          "Dont les chiffres masqués (tous, sauf pour le sort published).",
          "Of which the figures withheld (all of them, except for the fate published).",
          nullable=False),
    Field("question", "text",
          "Question : info_channels, priorities (choix multiples), knows_pac, "
          "attended_consultation, requested_info (oui/non).",
          "Question: info_channels, priorities (multiple choice), knows_pac, "
          "attended_consultation, requested_info (yes/no).", nullable=False,
          values_from="form:option_questions"),
    Field("option", "text", "Option de réponse (nom de choix du questionnaire).",
          "Answer option (choice name of the questionnaire).", nullable=False,
          values_from="form:choices"),
    Field("n_citing", "bigint", "Répondants citant l'option.",
          "Respondents citing the option."),
    Field("share", "number",
          "Part des répondants citant l'option (une personne peut en citer plusieurs).",
          "Share of respondents citing the option (one may cite several)."),
    Field("rank", "bigint", "Rang de l'option dans le groupe (1 = la plus citée).",
          "Rank of the option within the group (1 = cited most)."),
    Field("dimension", "text", "Dimension de l'écart : sex, age_group, disability, residence.",
          "Dimension of the gap: sex, age_group, disability, residence.", nullable=False,
          values=GAP_DIMENSIONS),
    Field("group_a", "text", "Premier groupe comparé (female, youth, with_disability, rural).",
          "First group compared (female, youth, with_disability, rural).", nullable=False),
    Field("group_b", "text",
          "Groupe de référence (male, adult+senior, without_disability, urban).",
          "Reference group (male, adult+senior, without_disability, urban).", nullable=False),
    Field("n_a", "bigint", "Notes 1 à 5 du groupe a.", "1–5 scores of group a.",
          nullable=False),
    Field("n_b", "bigint", "Notes 1 à 5 du groupe b.", "1–5 scores of group b.",
          nullable=False),
    Field("share_a", "number", "Part de satisfaits du groupe a (non pondérée).",
          "Satisfied share of group a (unweighted)."),
    Field("share_b", "number", "Part de satisfaits du groupe b (non pondérée).",
          "Satisfied share of group b (unweighted)."),
    Field("gap", "number", "Écart share_a − share_b (en points de proportion).",
          "Gap share_a − share_b (in proportion points)."),
    Field("significant", "boolean", "Vrai si l'intervalle de l'écart exclut 0.",
          "Whether the gap's interval excludes 0."),
    Field("workshops", "bigint",
          "Ateliers distincts (id_atelier) ; pour un groupe, ateliers auxquels le groupe a "
          "participé.",
          "Distinct workshops (id_atelier); for a group, the workshops it attended."),
    Field("attendances", "bigint", "Présences (une personne comptée une fois par atelier).",
          "Attendances (a person counts once per workshop)."),
    Field("unique_participants", "bigint",
          "Personnes distinctes (nom normalisé + téléphone ; sans téléphone, nom dans la "
          "commune).",
          "Distinct people (normalised name + phone; without a phone, the name within the "
          "commune)."),
    Field("share_women", "number", "Part des femmes parmi les présences.",
          "Share of women among attendances."),
    Field("share_youth", "number", "Part des jeunes (15–29 ans) parmi les présences.",
          "Share of youth (15–29) among attendances."),
    Field("share_with_disability", "number",
          "Part des personnes en situation de handicap parmi les présences.",
          "Share of persons with a disability among attendances."),
    Field("share_rural", "number",
          "Part des personnes déclarant résider en milieu rural parmi les présences.",
          "Share of people who declare a rural residence among attendances."),
    Field("categories_suppressed", "boolean",
          "Vrai si les parts des catégories de participants ne sont pas publiées.",
          "Whether the shares of the participant categories are withheld.", nullable=False),
    Field("withheld_shares", "text",
          "Parts masquées sur une ligne par ailleurs publiée (leur numérateur est un effectif "
          "masqué), séparées par des virgules.",
          "Shares withheld on a row otherwise published (their numerator is a withheld "
          "count), comma-separated."),
    Field("target", "number", "Cible (part minimale) fixée dans config/targets.yaml.",
          "Target (minimum share) set in config/targets.yaml.", nullable=False),
    Field("actual", "number", "Part réalisée parmi les présences (vide si non publiable).",
          "Actual share among attendances (empty when it cannot be published)."),
    Field("met", "boolean", "Vrai si la part réalisée atteint la cible.",
          "Whether the actual share reaches the target."),
)

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
if len(FIELDS) != len(_FIELDS):
    raise ValueError("a field is declared twice")


def fields(*names: str) -> tuple[Field, ...]:
    """The declared fields of these names, in this order."""
    return tuple(FIELDS[name] for name in names)
