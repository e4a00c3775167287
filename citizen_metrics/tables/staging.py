"""The staging tables (`stg_*`): what the readers found in `data/raw/`, one row per data row,
pseudonymised, typed, not yet judged. Kept between runs: a file already read and unchanged
is not read again (`stg_survey_staged_files`, `stg_register_staged_files`,
`citizen_metrics.ingest.stage`)."""

from __future__ import annotations

from citizen_metrics.tables.fields import fields
from citizen_metrics.tables.model import FieldFamily, Table

FILE_READ_FIELDS = fields(
    "source_file", "sheet", "file_kind", "file_shape", "status", "reason", "rows_read",
    "encoding", "unmapped_headers", "missing_questions",
)
READ_FAILURE_FIELDS = fields("source_file", "sheet", "source_row", "message")


ANSWERS = FieldFamily(
    "{member}", "form:answers", "question", "text",
    "Une colonne par question fermée du formulaire : le nom du choix répondu (female, 4, "
    "yes), vide sans réponse.",
    "One column per closed question of the form: the name of the choice answered (female, "
    "4, yes), empty when unanswered.",
    "Réponse à la question {member} du formulaire : {label}",
    "Answer to question {member} of the form (choice name for closed questions).",
)


STG_RAW_FILES = Table(
    "stg_raw_files", "staging",
    "Chaque fichier du dossier data/raw : nature reconnue au contenu, taille, date, empreinte ; "
    "ce qui est rejeté sans être lu (lien vers l'extérieur, tube, classeur trop gros), avec la "
    "raison.",
    "Every file of the raw folder: kind told from its content, size, time, digest; what is "
    "rejected without being read (a link out of the folder, a pipe, a workbook too large), "
    "with the reason.",
    fields("source_file", "file_kind", "size_bytes", "modified_at", "sha256", "file_order",
           "reason"),
    key=("source_file",), domain="files", summary_by="file_kind",
)


def _staged_files(name: str, what_fr: str, what_en: str) -> Table:
    """The ledger of one kind of file: each file whose rows are in its staging tables."""
    return Table(
        name, "staging",
        f"Chaque {what_fr} dont les lignes sont dans les tables de staging : son contenu "
        "(SHA-256) et la façon de le lire au moment où il a été lu. Un fichier inchangé "
        "n'est pas relu.",
        f"Every {what_en} whose rows are in the staging tables: its content (SHA-256) and "
        "how it was read. A file unchanged since is not read again.",
        fields("source_file", "file_kind", "sha256", "reading_fingerprint", "staged_at"),
        key=("source_file",), domain="files",
    )


STG_SURVEY_STAGED_FILES = _staged_files("stg_survey_staged_files", "export d'enquête",
                                        "survey export")
STG_REGISTER_STAGED_FILES = _staged_files("stg_register_staged_files",
                                          "registre d'ateliers", "workshop register")
STG_SURVEY_ROWS = Table(
    "stg_survey_rows", "staging",
    "Une ligne par ligne de données des exports d'enquête, réponses en noms de choix, "
    "identifiants pseudonymisés, heures en UTC.",
    "One row per data row of the survey exports: answers as choice names, pseudonymised ids, "
    "times in UTC.",
    (*fields("source_file", "source_row", "file_shape", "submission_key", "enumerator_key",
             "submitted_at", "started_at", "ended_at", "interview_date"), ANSWERS),
    key=("source_file", "source_row"),
)
STG_SURVEY_FILE_READS = Table(
    "stg_survey_file_reads", "staging",
    "Ce qui a été lu de chaque export d'enquête : chargé ou rejeté, lignes lues, encodage, "
    "en-têtes inconnus, questions absentes.",
    "What was read from each survey export: loaded or rejected, rows read, encoding, unknown "
    "headers, missing questions.",
    FILE_READ_FIELDS, key=("source_file", "sheet"), summary_by="status",
)
STG_SURVEY_READ_FAILURES = Table(
    "stg_survey_read_failures", "staging",
    "Lignes d'exports d'enquête illisibles (nombre de champs, guillemets) : mises en "
    "quarantaine.",
    "Rows of survey exports that cannot be parsed (number of fields, quoting): quarantined.",
    READ_FAILURE_FIELDS, key=("source_file", "sheet", "source_row"),
)
STG_WORKSHOPS = Table(
    "stg_workshops", "staging",
    "Une ligne par atelier de chaque registre reçu (feuille ateliers), valeurs normalisées.",
    "One row per workshop of every register received (sheet ateliers), values normalised.",
    fields("source_file", "sheet", "source_row", "workshop_id", "commune_code", "workshop_date",
           "workshop_type", "expert_key", "date_text"),
    key=("source_file", "sheet", "source_row"), domain="participation",
)
STG_ATTENDANCES = Table(
    "stg_attendances", "staging",
    "Une ligne par participant de chaque registre reçu (feuille participants) : nom et "
    "téléphone remplacés par une clé pseudonyme, valeurs normalisées.",
    "One row per participant of every register received (sheet participants): name and phone "
    "replaced by a pseudonymous key, values normalised.",
    fields("source_file", "sheet", "source_row", "workshop_id", "person_key", "has_phone",
           "sex", "age", "category", "disability", "residence"),
    key=("source_file", "sheet", "source_row"), domain="participation",
)
STG_REGISTER_FILE_READS = Table(
    "stg_register_file_reads", "staging",
    "Ce qui a été lu de chaque feuille des registres : chargée ou rejetée, lignes lues, "
    "colonnes absentes.",
    "What was read from each register sheet: loaded or rejected, rows read, missing columns.",
    FILE_READ_FIELDS, key=("source_file", "sheet"), domain="participation",
    summary_by="status",
)
STG_REGISTER_READ_FAILURES = Table(
    "stg_register_read_failures", "staging",
    "Lignes de registres illisibles : mises en quarantaine.",
    "Register rows that cannot be parsed: quarantined.",
    READ_FAILURE_FIELDS, key=("source_file", "sheet", "source_row"), domain="participation",
)

STAGING_TABLES = (
    STG_RAW_FILES, STG_SURVEY_ROWS, STG_SURVEY_FILE_READS, STG_SURVEY_READ_FAILURES,
    STG_SURVEY_STAGED_FILES, STG_WORKSHOPS, STG_ATTENDANCES, STG_REGISTER_FILE_READS,
    STG_REGISTER_READ_FAILURES, STG_REGISTER_STAGED_FILES,
)
