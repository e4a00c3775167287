"""The report's data-quality page, in a programme manager's words.

Managers read this page to know whether the night's figures can be trusted and whom to ask
when they cannot: each kind of problem says what it means for the figures and who fixes it
(the field data clerk, the field expert, the M&E officer, the operator). No table or folder
name appears in what they read; the technical names are kept for the technical team in one
small note of the template (`quality.html.j2`, class `technical-note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from citizen_metrics.publish.report import charts as figures
from citizen_metrics.publish.report import text
from citizen_metrics.publish.report.data import ReportData

# Who does what, named the way the programme's staff name themselves.
CLERK = "l'agent de saisie"
FIELD_EXPERT = "l'expert terrain"
ME_OFFICER = "le chargé de suivi-évaluation"
OPERATOR = "l'opérateur informatique"


@dataclass(frozen=True)
class Problem:
    """One kind of problem, one row of the page's table: what it is, what it means for the
    figures, how many tonight, who fixes it and how. `to_fix` says whether someone has
    something to do (the row is highlighted when its count is not zero)."""

    kind: str
    meaning: str
    count: int
    unit: str
    who: str
    to_fix: bool

    @property
    def count_fr(self) -> str:
        return f"{text.integer(self.count)} {self.unit}"

    @property
    def attention(self) -> bool:
        return self.to_fix and self.count > 0


def problems(files: pd.DataFrame, flagged: int, communes_without_data: int,
             masked: int) -> list[Problem]:
    """The kinds of problem a night can meet, with tonight's counts.

    `files` is one row per file received (a sheet per row for registers) with its status
    and what became of its rows; `flagged` the doubtful responses (each counted once);
    `communes_without_data` the programme communes with neither response nor attendance;
    `masked` the satisfaction figures withheld by disclosure control.
    """
    loaded = files[files["status"] == "loaded"]
    rejected = int((files["status"] == "rejected").sum())
    quarantined = int(loaded["quarantined"].sum())
    repeated = int(loaded["duplicate"].sum() + loaded["superseded"].sum())
    no_consent = int(loaded["excluded_no_consent"].sum())
    return [
        Problem(
            "Fichier rejeté",
            "Le fichier n'a pas pu être lu (vide, abîmé, d'un format inconnu ou sans les "
            "colonnes attendues) : aucune de ses lignes ne compte dans les chiffres.",
            rejected, "fichier(s)",
            f"{_capital(CLERK)} l'exporte à nouveau depuis l'outil de collecte et le dépose "
            f"encore ; s'il est rejeté une seconde fois, {OPERATOR} lit la raison donnée "
            "ci-dessous et aide à le réparer.",
            to_fix=True),
        Problem(
            "Ligne mise en quarantaine",
            "La ligne enfreint une règle de qualité (commune inconnue, âge manquant, note "
            "hors de l'échelle…) : elle est mise de côté et ne compte pas tant qu'elle n'est "
            "pas corrigée.",
            quarantined, "ligne(s)",
            f"{_capital(CLERK)} corrige la ligne dans le fichier d'origine (la liste, ligne "
            "par ligne, avec la valeur en cause, est dans la feuille « quarantaine » du "
            f"classeur Excel) et le dépose à nouveau ; quand la bonne valeur n'est pas "
            f"connue, {FIELD_EXPERT} la vérifie auprès de l'enquêteur.",
            to_fix=True),
        Problem(
            "Réponse signalée comme douteuse",
            "La réponse est comptée, mais mérite un contrôle : entretien de moins de "
            "5 minutes, date hors de la période d'enquête, ou enquêteur ayant fait trop "
            "d'entretiens dans la journée.",
            flagged, "réponse(s)",
            f"{_capital(FIELD_EXPERT)} vérifie avec le superviseur et l'enquêteur ; une "
            f"réponse reconnue fausse est retirée du fichier par {CLERK}.",
            to_fix=True),
        Problem(
            "Commune du programme sans données",
            "Aucune réponse à l'enquête ni aucune présence à un atelier n'a été retenue pour "
            "la commune : sa page du rapport est vide.",
            communes_without_data, "commune(s)",
            f"{_capital(CLERK)} vérifie que les fichiers de la commune ont été déposés ; "
            f"{OPERATOR}, que la nuit les a bien lus.",
            to_fix=True),
        Problem(
            "Réponse exclue faute de consentement",
            "La personne n'a pas accepté de répondre : sa réponse n'est jamais utilisée. Ce "
            "n'est pas une erreur.",
            no_consent, "ligne(s)",
            f"Rien à corriger ; si elles sont nombreuses, {FIELD_EXPERT} revoit avec les "
            "enquêteurs la présentation de l'enquête.",
            to_fix=False),
        Problem(
            "Doublon ou version remplacée",
            "La même réponse lue dans plusieurs exports successifs, ou corrigée depuis : "
            "seule sa dernière version compte. C'est normal.",
            repeated, "ligne(s)",
            "Rien à faire.",
            to_fix=False),
        Problem(
            "Chiffre masqué (secret statistique)",
            "Trop peu de personnes derrière le chiffre, ou un chiffre qui permettrait d'en "
            "recalculer un masqué : il n'est pas publié, pour protéger les répondants. Ce "
            "n'est ni une erreur ni un zéro.",
            masked, "chiffre(s) de satisfaction",
            f"Personne ne le corrige : {ME_OFFICER} l'explique aux lecteurs ; seuls plus de "
            "répondants dans le groupe permettent de le publier.",
            to_fix=False),
    ]


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def quality_figures(data: ReportData, night: str) -> list[dict[str, Any]]:
    """The page's three charts (what became of each file's rows, quarantined rows by rule,
    doubtful responses by reason), titled and sourced in a manager's words."""
    files = data.files
    dispositions = {r.code: r.label_fr for r in data.code_labels.itertuples()
                    if r.code_list == "disposition"}
    loaded = files[files["status"] == "loaded"]
    rows_read = text.integer(int(loaded["rows_read"].sum()))
    file_count = text.integer(int(files["source_file"].nunique()))
    base = (f"Source : fichiers déposés par les agents de saisie ({file_count} fichiers, "
            f"{rows_read} lignes lues)")
    return [
        {
            "kind": "files", "title": "Devenir des lignes de chaque fichier",
            "spec": figures.dispositions_bars(
                files, dispositions,
                title="Devenir des lignes de chaque fichier reçu",
                subtitle="Lignes retenues, doublons (exports successifs), versions "
                         "remplacées, refus de consentement et quarantaine",
                source=f"{base} ; registres d'ateliers : une barre par feuille. Données "
                       f"arrêtées au {night}."),
        },
        {
            "kind": "quarantine", "title": "Quarantaine par règle",
            "spec": figures.count_bars(
                data.quarantine["rule_fr"].tolist(),
                data.quarantine["rows"].astype(int).tolist(),
                [f"{r.rule_fr} : {text.integer(r.rows)} lignes dans "
                 f"{text.integer(r.files)} fichier(s)" for r in data.quarantine.itertuples()],
                title="Lignes mises en quarantaine, par règle enfreinte",
                subtitle="À corriger par les agents de saisie dans les fichiers d'origine ; "
                         "une ligne peut enfreindre plusieurs règles ; liste ligne par "
                         "ligne dans la feuille « quarantaine » du classeur Excel",
                source=f"{base}. Données arrêtées au {night}.",
                axis_title="lignes en quarantaine (nombre)", colour="#c62828"),
        },
        {
            "kind": "flags", "title": "Réponses signalées",
            "spec": figures.count_bars(
                data.flags["flag_fr"].fillna(data.flags["flag"]).tolist(),
                data.flags["responses"].astype(int).tolist(),
                [f"{label} : {text.integer(r.responses)} réponses"
                 for label, r in zip(data.flags["flag_fr"].fillna("autre signalement"),
                                     data.flags.itertuples(), strict=True)],
                title="Réponses retenues mais signalées comme douteuses",
                subtitle="Comptées dans les chiffres ; l'expert terrain les vérifie avec "
                         "les superviseurs et les enquêteurs",
                source=f"{base}. Données arrêtées au {night}.",
                axis_title="réponses signalées (nombre)", colour="#8d6e00"),
        },
    ]
