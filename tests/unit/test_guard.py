"""The guard against wrong nights: a missing, empty or unreadable raw folder, a file loaded
last night that is gone, and a night that shrinks, each refused with words a clerk
understands; a smaller night accepted on purpose with PIPELINE_REBASELINE. (The guard on
whole nights: integration/test_guard_nights.py.)"""

from __future__ import annotations

from pathlib import Path

from citizen_metrics.operations.guard import NightFigures, judge, raw_folder_problem
from citizen_metrics.settings import Settings

LAST_NIGHT = NightFigures(loaded_files={"a.csv": "aaa", "b.xlsx": "bbb"},
                          accepted_responses=1000, accepted_attendances=200)


def test_a_missing_empty_or_unreadable_folder_is_refused(tmp_path: Path, monkeypatch) -> None:
    missing = raw_folder_problem(tmp_path / "raw", rebaseline=False)
    assert missing and "n'existe pas" in missing and "PIPELINE_RAW_DIR" in missing
    # Even on purpose: a folder that is not there is a mount problem, not a new start.
    assert raw_folder_problem(tmp_path / "raw", rebaseline=True)
    (tmp_path / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "raw" / "README.md").write_text("drop files here")
    (tmp_path / "raw" / ".gitkeep").write_text("")
    empty = raw_folder_problem(tmp_path / "raw", rebaseline=False)
    assert empty and "ne contient aucun fichier" in empty and "PIPELINE_REBASELINE=1" in empty
    assert raw_folder_problem(tmp_path / "raw", rebaseline=True) is None
    (tmp_path / "raw" / "sub" / "export.csv").write_text("a;b\n")
    assert raw_folder_problem(tmp_path / "raw", rebaseline=False) is None

    def refuse(self, pattern):  # the pipeline's user may not list the folder
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "rglob", refuse)
    unreadable = raw_folder_problem(tmp_path / "raw", rebaseline=False)
    assert unreadable and "est illisible (Permission denied)" in unreadable


def test_a_shrinking_night_or_a_missing_file_is_refused_unless_rebaselined() -> None:
    last = last_publication_of(LAST_NIGHT)
    same = NightFigures(LAST_NIGHT.loaded_files, 0, 1000, 200)
    present = {"a.csv": "aaa", "b.xlsx": "bbb"}
    assert judge(same, last, present, max_drop=0.2, rebaseline=False).problems == []
    # Cumulative exports grow: a bigger night is fine; 20 % less is the limit.
    assert judge(NightFigures({}, 0, 800, 160), last, present, max_drop=0.2,
                 rebaseline=False).problems == []
    fallen = judge(NightFigures({}, 0, 799, 200), last, present, max_drop=0.2,
                   rebaseline=False)
    assert len(fallen.problems) == 1 and "799 réponses d'enquête acceptées contre 1 000" in \
        fallen.problems[0] and "-20 %" in fallen.problems[0]
    assert not fallen.passed
    message = fallen.message(last)
    assert message.startswith("Rien n'a été publié : les chiffres publiés le 29/11/2026")
    assert "PIPELINE_REBASELINE=1" in message
    # A file gone: neither its name nor its content is in tonight's folder.
    renamed = {"2022/a.csv": "aaa", "b.xlsx": "bbb"}  # moved into a sub-folder: not gone
    assert judge(same, last, renamed, max_drop=0.2, rebaseline=False).problems == []
    gone = judge(same, last, {"b.xlsx": "bbb"}, max_drop=0.2, rebaseline=False)
    assert "1 fichier(s) chargé(s) pour les chiffres publiés le" in gone.problems[0]
    assert "a.csv" in gone.problems[0]
    # On purpose: accepted once, and said so.
    accepted = judge(NightFigures({}, 0, 10, 0), last, {}, max_drop=0.2, rebaseline=True)
    assert accepted.passed and len(accepted.problems) == 3
    assert accepted.message(last).startswith("Accepté exprès (PIPELINE_REBASELINE)")
    # The first night has nothing to compare with.
    assert judge(NightFigures(), None, {}, max_drop=0.2, rebaseline=False).passed


def last_publication_of(figures: NightFigures):
    from citizen_metrics.operations.guard import LastPublication

    return LastPublication(figures, "les chiffres publiés le 29/11/2026 à 02:14 (exécution ab)")


def test_rebaseline_is_an_explicit_setting(monkeypatch) -> None:
    monkeypatch.delenv("PIPELINE_REBASELINE", raising=False)
    assert Settings.from_env().rebaseline is False
    monkeypatch.setenv("PIPELINE_REBASELINE", "1")
    assert Settings.from_env().rebaseline is True
    assert Settings.from_env(rebaseline=False).rebaseline is False  # the resource's setting
    monkeypatch.setenv("PIPELINE_GUARD_MAX_DROP", "0.5")
    assert Settings.from_env().max_drop == 0.5
