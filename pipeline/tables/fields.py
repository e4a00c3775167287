"""Every column of the staging tables, declared once: type, French and English description,
allowed values or where they come from, nullability.

A column that means the same thing in several tables (`source_file`, `source_row`) is one
field here; tables list fields by name (`pipeline.tables.staging`).
"""

from __future__ import annotations

from pipeline.tables.model import Field

SURVEY_KIND = "survey_export"
REGISTER_KIND = "workshop_register"
UNKNOWN_KIND = "unknown"

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
          "Rang d'arrivée du fichier (date de modification, puis nom) : un registre renvoyé "
          "plus tard corrige les précédents.",
          "Arrival rank of the file (modification time, then name): a register re-sent later "
          "corrects the earlier ones.", nullable=False),
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
          "Pourquoi le fichier est rejeté, ou pourquoi un fichier chargé ne donne aucune ligne.",
          "Why the file was rejected, or why a loaded file gave no row."),
    Field("rows_read", "bigint", "Lignes de données lues dans le fichier (ou la feuille).",
          "Data rows read from the file (or sheet).", nullable=False),
    Field("encoding", "text", "Encodage du texte reconnu (utf-8, cp1256, utf-16…).",
          "Text encoding found (utf-8, cp1256, utf-16…)."),
    Field("unmapped_headers", "text",
          "En-têtes de colonnes qui ne correspondent à aucune question du formulaire.",
          "Column headers that name no question of the form."),
    Field("missing_questions", "text",
          "Questions du formulaire (ou colonnes du registre) absentes du fichier : sans "
          "réponse pour toutes ses lignes.",
          "Questions of the form (or register columns) the file lacks: unanswered for all its "
          "rows."),
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
)

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
if len(FIELDS) != len(_FIELDS):
    raise ValueError("a field is declared twice")


def fields(*names: str) -> tuple[Field, ...]:
    """The declared fields of these names, in this order."""
    return tuple(FIELDS[name] for name in names)
