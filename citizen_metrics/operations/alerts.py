"""Someone is told: a failed night (or a failed blocking check) is written to an alert log,
and sent by e-mail and/or to a webhook when they are configured.

Nobody watches the nightly run. When it fails, the previous figures stay published (see
`citizen_metrics.operations.guard` and `citizen_metrics.publish.release`), which is safe but silent:
without an alert, a share that stopped mounting would freeze the figures for weeks. So every failure
is:

- appended as one line to the alert log (`PIPELINE_ALERT_LOG`, default
  `data/work/alerts.log`): time, run, what failed, in plain words;
- e-mailed through SMTP when `PIPELINE_ALERT_SMTP_HOST` and `PIPELINE_ALERT_MAIL_TO` are
  set (`PIPELINE_ALERT_SMTP_PORT`, `_USER`, `_PASSWORD`, `_STARTTLS`, `PIPELINE_ALERT_MAIL_FROM`);
- posted as JSON (`{"text": …, "run_id": …, …}`, which Slack, Mattermost and Teams
  incoming webhooks accept) to `PIPELINE_ALERT_WEBHOOK_URL` when it is set.

Sending never raises: an alert that cannot be sent is itself written to the log, and the
caller says so (`Delivery.failed`, `Delivery.in_french`): `make run` prints only what was
done and exits with status 2, the run-failure sensor's tick fails.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import urllib.request
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path

from citizen_metrics.settings import AlertSettings

TIMEOUT_SECONDS = 20
# The subject of every alert of a failed night (in French, like everything else the
# programme's staff read).
FAILED_NIGHT = "Échec de la nuit du pipeline citizen metrics : rien n'a été publié"
DAMAGED_WAREHOUSE = ("Entrepôt de travail du pipeline citizen metrics endommagé : mis de côté "
                     "et reconstruit")


@dataclass(frozen=True)
class Alert:
    """What went wrong, for whoever reads it: a one-line subject and a few plain lines."""

    subject: str
    details: str
    run_id: str = ""
    at: str = ""

    def stamped(self) -> Alert:
        if self.at:
            return self
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return Alert(self.subject, self.details, self.run_id, now)

    def line(self) -> str:
        """The alert as one line of the log."""
        details = " | ".join(part.strip() for part in self.details.splitlines() if part.strip())
        return f"{self.at} run={self.run_id[:8] or '-'} {self.subject}: {details}"


@dataclass(frozen=True)
class Delivery:
    """Where the alert went: the log always; e-mail and webhook when configured (False when
    configured but failed)."""

    logged: bool
    mailed: bool | None
    posted: bool | None

    @property
    def failed(self) -> bool:
        """Whether a way of alerting that was due failed (the log, or a configured one)."""
        return not self.logged or self.mailed is False or self.posted is False

    def in_french(self, log_file: Path) -> str:
        """What happened to the alert, in plain words, claiming only what was done."""
        done = [f"écrite dans {log_file}"] if self.logged else []
        sent = [where for where, ok in (("e-mail", self.mailed), ("webhook", self.posted))
                if ok]
        if sent:
            done.append(f"envoyée par {' et '.join(sent)}")
        missed = [what for what, ok in ((f"écrite dans {log_file}", self.logged),
                                        ("envoyée par e-mail", self.mailed),
                                        ("envoyée par webhook", self.posted)) if ok is False]
        text = ("Alerte " + " et ".join(done)) if done else "Aucune alerte n'a pu être donnée"
        if missed:
            text += (" ; ATTENTION, elle n'a pas pu être " + " ni ".join(missed)
                     + " (voir le journal technique) : prévenez l'opérateur")
        return text


def _log(settings: AlertSettings, text: str) -> bool:
    try:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        with settings.log_file.open("a", encoding="utf-8") as log:
            log.write(text.rstrip("\n") + "\n")
    except OSError:
        return False
    return True


def _mail(settings: AlertSettings, alert: Alert) -> None:
    message = EmailMessage()
    message["Subject"] = f"[citizen-metrics] {alert.subject}"
    message["From"] = settings.mail_from
    message["To"] = ", ".join(settings.mail_to)
    message.set_content(f"{alert.details}\n\nRun: {alert.run_id}\nTime (UTC): {alert.at}\n")
    with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port,
                      timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def _post(settings: AlertSettings, alert: Alert) -> None:
    body = json.dumps({"text": f"{alert.subject}\n{alert.details}", **asdict(alert)},
                      ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        settings.webhook_url or "", data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def send_alert(settings: AlertSettings, alert: Alert) -> Delivery:
    """Log the alert, then e-mail and post it where configured; never raises."""
    alert = alert.stamped()
    logged = _log(settings, alert.line())
    mailed: bool | None = None
    posted: bool | None = None
    if settings.smtp_host and settings.mail_to:
        try:
            _mail(settings, alert)
            mailed = True
        except (OSError, smtplib.SMTPException) as error:
            mailed = False
            _log(settings, f"{alert.at} alert e-mail to {settings.smtp_host} failed: {error}")
    if settings.webhook_url:
        try:
            _post(settings, alert)
            posted = True
        except (OSError, ValueError) as error:  # URLError is an OSError
            posted = False
            _log(settings, f"{alert.at} alert webhook post failed: {error}")
    return Delivery(logged, mailed, posted)
