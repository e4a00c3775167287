"""A failed night tells someone: `make run` on a raw folder that is not there fails in plain
words, never a traceback nor a library's noise, and its alert reaches the alert log, a local
SMTP server and a local HTTP server (on 127.0.0.1). (The alerts alone:
unit/test_alerts.py.)"""

from __future__ import annotations

from pathlib import Path


def test_make_run_on_a_missing_folder_fails_in_plain_words_and_alerts(
        tmp_path: Path, monkeypatch, capfd, smtp, webhook) -> None:
    """`make run`'s runner, in this process, on a raw folder that is not there."""
    from citizen_metrics.operations import night

    port, mailbox = smtp
    url, posts = webhook
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for name, value in {
        "PIPELINE_RAW_DIR": tmp_path / "raw", "PIPELINE_MARTS_DIR": tmp_path / "marts",
        "PIPELINE_WORK_DIR": tmp_path / "work", "PIPELINE_ALERT_SMTP_HOST": "127.0.0.1",
        "PIPELINE_ALERT_SMTP_PORT": port, "PIPELINE_ALERT_MAIL_TO": "operator@example.org",
        "PIPELINE_ALERT_WEBHOOK_URL": url,
    }.items():
        monkeypatch.setenv(name, str(value))
    assert night.main() == 1
    screen = capfd.readouterr().out
    assert "La nuit a ÉCHOUÉ : rien n'a été publié." in screen
    assert f"Le dossier des fichiers bruts {tmp_path / 'raw'} n'existe pas" in screen
    assert "Pas encore de chiffres publiés dans" in screen
    assert "envoyée par e-mail et webhook" in screen
    # Nothing but plain words: no traceback, no Dagster event lines, no warnings.
    assert "Traceback" not in screen and "DEBUG" not in screen and "Warning" not in screen
    assert len(screen.splitlines()) < 10
    assert next((tmp_path / "work" / "logs").glob("run-*.log")).exists()
    assert len(mailbox.messages) == 1 and len(posts) == 1
    assert "n'existe pas" in posts[0]["details"]
    assert "n'existe pas" in (tmp_path / "work" / "alerts.log").read_text()
