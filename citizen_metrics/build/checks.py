"""What must be true before the figures are trusted and published, one SQL file each
(`citizen_metrics/build/sql/checks/<check>.sql`: a `select` of what is wrong, empty when all is
well).

A blocking check stops publication when it fails: a file whose rows do not add up, or an
estimate resting on fewer respondents than the threshold, must not reach a report. The
others warn: quarantined rows, programme communes without figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from citizen_metrics.build.runner import check_files, refs
from citizen_metrics.tables.marts import (
    MART_PARTICIPATION,
    MART_SURVEY_INDICATORS,
    QUALITY_FILE_SUMMARY,
)
from citizen_metrics.tables.model import bilingual


@dataclass(frozen=True)
class Check:
    """One check on one table: `blocking` stops what is downstream when it fails; a check
    that does not block warns. What it verifies is said in French for the managers and
    clerks who read Dagster's UI, and in English beside it."""

    name: str
    table: str
    description_fr: str
    description_en: str
    blocking: bool = False

    @property
    def description(self) -> str:
        """As Dagster's UI shows it: the French first, the English after "EN:"."""
        return bilingual(self.description_fr, self.description_en)

    @property
    def reads(self) -> tuple[str, ...]:
        """The other tables its SQL file reads."""
        return tuple(name for name in refs(self.name) if name != self.table)


CHECKS = (
    Check("every_row_accounted_for", QUALITY_FILE_SUMMARY.name,
          "Chaque ligne de chaque fichier chargé aboutit quelque part : lignes lues = "
          "retenues + doublons + versions remplacées + exclues faute de consentement + "
          "mises en quarantaine.",
          "Every row of every loaded file ends somewhere: rows read = accepted + duplicate + "
          "superseded + excluded for want of consent + quarantined.", blocking=True),
    Check("survey_rules_pandera", "int_survey_quarantine",
          "Lignes d'enquête mises de côté parce qu'elles enfreignent une règle de qualité ou "
          "sont illisibles ; la nuit continue sans elles, les agents de saisie corrigent les "
          "fichiers (feuille quarantaine du classeur).",
          "Survey rows set aside for breaking a data-quality rule or unreadable; the run goes "
          "on without them, the clerks correct the files (sheet quarantaine)."),
    Check("register_rules_pandera", "int_register_quarantine",
          "Lignes de registre mises de côté parce qu'elles enfreignent une règle de qualité "
          "(atelier ou commune inconnus, identifiant d'atelier manquant, ni nom ni "
          "téléphone) ou sont illisibles.",
          "Register rows set aside for breaking a data-quality rule (unknown workshop or "
          "commune, no workshop id, neither name nor phone) or unreadable."),
    Check("no_estimate_below_threshold", MART_SURVEY_INDICATORS.name,
          "Aucun chiffre de satisfaction publié ne repose sur moins de personnes que le "
          "seuil de publication.",
          "No published satisfaction figure rests on fewer people than the publication "
          "threshold.", blocking=True),
    Check("cohort_communes_covered", MART_SURVEY_INDICATORS.name,
          "Chaque commune du programme a des chiffres d'enquête (s'il en manque, un fichier "
          "n'a souvent pas été déposé, ou a été rejeté).",
          "Every programme commune has survey figures (a missing one usually means a file "
          "was not dropped into the raw folder, or was rejected)."),
    Check("cohort_communes_with_workshops", MART_PARTICIPATION.name,
          "Chaque commune du programme a au moins un atelier retenu.",
          "Every programme commune has at least one accepted workshop."),
)

if {check.name for check in CHECKS} != set(check_files()):
    raise ValueError("every SQL file of citizen_metrics/build/sql/checks/ is one declared check")
