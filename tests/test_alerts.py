"""Someone is told: a failed night reaches the alert log, a local SMTP server and a local
HTTP server (on 127.0.0.1), with words that say what failed and that nothing was published;
`make run` prints a short summary, never a traceback nor a library's noise."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from citizen_metrics.operations.alerts import Alert, send_alert
from citizen_metrics.settings import AlertSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's name
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/citizen-metrics", received
    server.shutdown()
    server.server_close()


def test_an_alert_reaches_the_log_the_mail_server_and_the_webhook(tmp_path, smtp,
                                                                  webhook) -> None:
    port, mailbox = smtp
    url, posts = webhook
    settings = AlertSettings(log_file=tmp_path / "alerts.log", smtp_host="127.0.0.1",
                             smtp_port=port, mail_to=("operator@example.org",),
                             webhook_url=url)
    delivery = send_alert(settings, Alert("The night failed", "Check x failed: because.",
                                          run_id="1234abcd-ef"))
    assert (delivery.logged, delivery.mailed, delivery.posted) == (True, True, True)
    line = (tmp_path / "alerts.log").read_text()
    assert "run=1234abcd The night failed: Check x failed: because." in line
    (_, recipients, content), = mailbox.messages
    assert recipients == ["operator@example.org"]
    mail = message_from_bytes(content)
    assert mail["Subject"] == "[citizen-metrics] The night failed"
    assert "Check x failed: because." in mail.get_payload()
    (post,) = posts
    assert post["subject"] == "The night failed" and post["run_id"] == "1234abcd-ef"
    assert post["text"].startswith("The night failed\n")


def test_an_alert_that_cannot_be_sent_is_logged_and_never_raises(tmp_path) -> None:
    settings = AlertSettings(log_file=tmp_path / "alerts.log", smtp_host="127.0.0.1",
                             smtp_port=free_port(), mail_to=("operator@example.org",),
                             webhook_url=f"http://127.0.0.1:{free_port()}/nobody")
    delivery = send_alert(settings, Alert("The night failed", "why"))
    assert (delivery.logged, delivery.mailed, delivery.posted) == (True, False, False)
    log = (tmp_path / "alerts.log").read_text()
    assert "alert e-mail to 127.0.0.1 failed" in log and "alert webhook post failed" in log


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
