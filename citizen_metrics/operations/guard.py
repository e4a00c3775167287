"""A guard against wrong nights: a run that would publish less than the last publication
without a reason stops before publication, and the previous figures stay.

Exports are cumulative (each Kobo export holds every submission so far; a register is
re-sent whole), so a night normally holds at least what the last one held. A raw folder that
is missing (a share not mounted, a folder moved), empty or unreadable, a file loaded last
night that is gone, or accepted survey responses or workshop attendances falling by more than
`max_drop` (20 % by default, `programme.yaml`) all mean that something went wrong around the
pipeline, not that the figures changed: publishing would erase good figures with bad ones.

The messages are written, in French, for the clerk or operator who reads them: what is
wrong, where, and what to do. A smaller night that is meant (a file withdrawn on purpose, a
new start) is accepted once with `PIPELINE_REBASELINE=1` (or `rebaseline: true` in the
run's resource config); a missing or unreadable folder never is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from citizen_metrics.ingest.sources import IGNORED_NAMES, is_ignored
from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.release import MartsFolder, read_manifest
from citizen_metrics.settings import LOCAL_TIME_ZONE

LOCAL_ZONE = ZoneInfo(LOCAL_TIME_ZONE)
REBASELINE_HINT = ("Si c'est voulu (fichiers retirés exprès, nouveau départ), relancez avec "
                   "PIPELINE_REBASELINE=1 pour publier une fois la nuit plus petite.")


class WrongNightError(RuntimeError):
    """The night must not be published; the message says why and what to do."""


@dataclass(frozen=True)
class NightFigures:
    """What a night loaded: files (name -> SHA-256), accepted survey responses and workshop
    attendances, read from `quality_file_summary` (tonight's in the warehouse, or the last
    publication's)."""

    loaded_files: dict[str, str] = field(default_factory=dict)
    rejected_files: int = 0
    accepted_responses: int = 0
    accepted_attendances: int = 0

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> NightFigures:
        files = con.execute(
            "select source_file, any_value(coalesce(sha256, '')) from quality_file_summary "
            "where status = 'loaded' group by 1 order by 1").fetchall()
        rejected, responses, attendances = con.execute(
            "select count(distinct source_file) filter (status = 'rejected'), "
            "coalesce(sum(accepted) filter (file_kind = 'survey_export'), 0), "
            "coalesce(sum(accepted) filter (sheet = 'participants'), 0) "
            "from quality_file_summary").fetchone() or (0, 0, 0)
        return cls(loaded_files=dict(files), rejected_files=int(rejected),
                   accepted_responses=int(responses), accepted_attendances=int(attendances))

    def as_dict(self) -> dict[str, object]:
        return {
            "files_loaded": len(self.loaded_files),
            "files_rejected": self.rejected_files,
            "accepted_responses": self.accepted_responses,
            "accepted_attendances": self.accepted_attendances,
        }


@dataclass(frozen=True)
class LastPublication:
    figures: NightFigures
    described: str  # "les chiffres publiés le 29/11/2026 à 02:14 (exécution 1a2b3c4d)"


def last_publication(marts_dir: Path) -> LastPublication | None:
    """What the figures readers see now were made of (None before the first publication)."""
    database = MartsFolder(marts_dir).published_database
    if not database.exists():
        return None
    with open_database(database) as con:
        figures = NightFigures.read(con)
    manifest = read_manifest(marts_dir) or {}
    published = manifest.get("published_at")
    if isinstance(published, str):
        moment = dt.datetime.fromisoformat(published).astimezone(LOCAL_ZONE)
        described = (f"les chiffres publiés le {moment:%d/%m/%Y à %H:%M} "
                     f"(exécution {str(manifest.get('run_id', ''))[:8]})")
    else:
        described = "les derniers chiffres publiés"
    return LastPublication(figures, described)


@dataclass(frozen=True)
class Verdict:
    problems: list[str]
    rebaseline: bool

    @property
    def passed(self) -> bool:
        return not self.problems or self.rebaseline

    def message(self, last: LastPublication | None) -> str:
        if not self.problems:
            return "La nuit contient au moins ce que contenait la dernière publication."
        listed = " ".join(self.problems)
        if self.rebaseline:
            return f"Accepté exprès (PIPELINE_REBASELINE) : {listed}"
        kept = last.described if last else "les chiffres publiés avant"
        return (f"Rien n'a été publié : {kept} restent en place. {listed} {REBASELINE_HINT}")


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _percent(share: float, *, signed: bool = False) -> str:
    return f"{share * 100:{'+' if signed else ''}.0f} %"


def raw_folder_problem(raw_dir: Path, *, rebaseline: bool) -> str | None:
    """Why the raw folder cannot be read tonight (missing, not a folder, unreadable, or
    empty unless `rebaseline`), in words for the operator; None when it can."""
    what_next = "Rien n'a été lu, et les chiffres publiés avant restent en place."
    if not raw_dir.exists():
        return (f"Le dossier des fichiers bruts {raw_dir} n'existe pas : un partage réseau non "
                "monté, ou un dossier déplacé ou renommé ? Remettez-le (ou indiquez dans "
                f"PIPELINE_RAW_DIR où sont les fichiers), puis relancez. {what_next}")
    if not raw_dir.is_dir():
        return (f"{raw_dir} est un fichier, pas le dossier des fichiers bruts : vérifiez "
                f"PIPELINE_RAW_DIR. {what_next}")
    try:
        entries = [entry for entry in raw_dir.rglob("*") if not is_ignored(entry.name)]
    except OSError as error:
        return (f"Le dossier des fichiers bruts {raw_dir} est illisible ({error.strerror}) : "
                f"vérifiez que l'utilisateur du pipeline peut l'ouvrir. {what_next}")
    if not any(entry.is_file() or entry.is_symlink() or not entry.is_dir()
               for entry in entries) and not rebaseline:
        ignored = ", ".join(sorted(IGNORED_NAMES))
        return (f"Le dossier des fichiers bruts {raw_dir} ne contient aucun fichier (hors "
                f"{ignored}) : les exports manquent, ou le dossier est un partage qui ne s'est "
                "pas monté. Remettez les fichiers, puis relancez. " + what_next + " "
                + REBASELINE_HINT)
    return None


def judge(tonight: NightFigures, last: LastPublication | None, present: dict[str, str], *,
          max_drop: float, rebaseline: bool) -> Verdict:
    """Compare tonight with the last publication: files loaded then and now gone (neither
    their name nor their content is in tonight's raw folder, `present`: name -> SHA-256),
    and falls of accepted responses or attendances beyond `max_drop`."""
    if last is None:
        return Verdict([], rebaseline)
    problems: list[str] = []
    contents = set(present.values())
    gone = sorted(name for name, digest in last.figures.loaded_files.items()
                  if name not in present and (not digest or digest not in contents))
    if gone:
        problems.append(
            f"{len(gone)} fichier(s) chargé(s) pour {last.described} ne sont plus dans le "
            f"dossier : {', '.join(gone[:10])}{' …' if len(gone) > 10 else ''}. Remettez-les "
            "(les exports sont cumulatifs : retirer un ancien export ne devrait pas être "
            "nécessaire).")
    for what, before, now in (
        ("réponses d'enquête acceptées", last.figures.accepted_responses,
         tonight.accepted_responses),
        ("présences aux ateliers acceptées", last.figures.accepted_attendances,
         tonight.accepted_attendances),
    ):
        if before > 0 and (before - now) / before > max_drop:
            problems.append(
                f"Cette nuit compte {_number(now)} {what} contre {_number(before)} pour "
                f"{last.described} ({_percent((now - before) / before, signed=True)} ; une "
                f"baisse de plus de {_percent(max_drop)} est refusée) : un fichier manque "
                "probablement, ou a été remplacé par un export plus ancien ou partiel. "
                "Vérifiez les fichiers du dossier et la feuille fichiers.")
    return Verdict(problems, rebaseline)
