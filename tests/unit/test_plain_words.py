"""Library and system errors reach a person in French, with the folder and what to do; an
error nobody translated is shown as it is. The messages are those seen on this project's
server (a full tmpfs, random bytes over the warehouse, a read-only marts folder)."""

from __future__ import annotations

import pytest

from citizen_metrics.operations.plain_words import in_french


@pytest.mark.parametrize(("message", "details", "said"), [
    ("IOException: IO Error: Detached database 'publishing', but CHECKPOINT during DETACH "
     "failed.", "IO Error: Could not write file \"/srv/marts/releases/.next/x.duckdb\": No "
     "space left on device",
     "le disque est plein (/srv/marts/releases/.next/x.duckdb) : libérez de la place"),
    ('Failed to commit: Could not write file "/srv/work/warehouse.duckdb.wal": No space left '
     "on device", "", "le disque est plein (/srv/work/warehouse.duckdb.wal)"),
    ("OSError: [Errno 30] Read-only file system: '/srv/marts/.pipeline.lock'", "",
     "le dossier est en lecture seule (/srv/marts/.pipeline.lock) : remontez-le en écriture"),
    ("IOException: The file \"/srv/work/warehouse.duckdb\" exists, but it is not a valid "
     "DuckDB database file!", "",
     "l'entrepôt de travail est endommagé (/srv/work/warehouse.duckdb) : déplacez ce fichier"),
    ("IOException: Corrupt database file: computed checksum 123 does not match stored "
     "checksum 456 in block at location 789", "", "l'entrepôt de travail est endommagé :"),
    ("IOException: Could not set lock on file \"/srv/work/warehouse.duckdb\": Conflicting "
     "lock is held in /usr/bin/python3 (PID 42)", "",
     "la base est ouverte par un autre programme (/srv/work/warehouse.duckdb)"),
])
def test_known_errors_are_said_in_french(message: str, details: str, said: str) -> None:
    assert in_french(message, details=details).startswith(said)


def test_an_unknown_error_is_shown_as_it_is() -> None:
    message = "Le dossier des fichiers bruts /srv/raw n'existe pas"
    assert in_french(message, details="FileNotFoundError") == message


def test_a_marts_folder_nobody_may_look_at_ends_a_failed_night_in_words(
        tmp_path, monkeypatch) -> None:
    """Seen on a refused marts folder: reading what is published raised `PermissionError`
    after the night had failed, so `make run` printed a traceback and sent no alert."""
    from citizen_metrics.operations import night
    from citizen_metrics.publish import summary
    from citizen_metrics.settings import Settings

    refused = tmp_path / "marts" / "citizen_metrics.duckdb"

    def refusing(settings):
        raise PermissionError(13, "Permission denied", str(refused))

    monkeypatch.setattr(summary, "published_summary", refusing)
    line = night._published_line(Settings.from_env(marts_dir=tmp_path / "marts"))
    assert line == (f"Ils n'ont pas pu être relus : le pipeline n'a pas le droit d'écrire ou "
                    f"de lire ({refused}) : donnez ces droits à l'utilisateur qui le fait "
                    "tourner, puis relancez")
