"""Someone is told: an alert reaches the alert log, a local SMTP server and a local HTTP
server (on 127.0.0.1) with words that say what failed, and one that cannot be sent is logged.
(A failed `make run` night: integration/test_alerts_failed_night.py.)"""

from __future__ import annotations

from email import message_from_bytes

from citizen_metrics.operations.alerts import Alert, send_alert
from citizen_metrics.settings import AlertSettings
from tests.support import free_port


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


def test_what_is_said_of_an_alert_is_what_was_done(tmp_path) -> None:
    """The screen claims only what happened: a log that cannot be written (its folder is a
    file) and a mail server that does not answer are said, and count as a failure."""
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the log's folder should be")
    settings = AlertSettings(log_file=blocked / "alerts.log", smtp_host="127.0.0.1",
                             smtp_port=free_port(), mail_to=("operator@example.org",))
    delivery = send_alert(settings, Alert("The night failed", "why"))
    assert (delivery.logged, delivery.mailed, delivery.posted) == (False, False, None)
    assert delivery.failed
    said = delivery.in_french(settings.log_file)
    assert said.startswith("Aucune alerte n'a pu être donnée")
    assert f"n'a pas pu être écrite dans {blocked / 'alerts.log'} ni envoyée par e-mail" in said

    fine = AlertSettings(log_file=tmp_path / "alerts.log")
    delivered = send_alert(fine, Alert("The night failed", "why"))
    assert not delivered.failed
    assert delivered.in_french(fine.log_file) == f"Alerte écrite dans {tmp_path / 'alerts.log'}"
