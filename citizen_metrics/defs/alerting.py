"""What failed in a run, in plain words, and the alert it sends
(`citizen_metrics.operations.alerts`).

A run started by `make run` (`citizen_metrics.operations.night`) explains its own failure and sends
the alert; runs started by the schedule, the sensor or the UI are watched by the sensor
`alert_on_failed_run`, which runs in the Dagster daemon. Both read the same run events, so
the alert says the same whoever started the run.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._utils.error import SerializableErrorInfo

from citizen_metrics.defs.resources import WarehouseResource
from citizen_metrics.operations.alerts import FAILED_NIGHT, Alert, send_alert
from citizen_metrics.operations.plain_words import in_french
from citizen_metrics.publish.release import discard_failed_publication
from citizen_metrics.settings import Settings

# Runs started by `make run` carry this tag: they send their own alert.
RUNNER_TAG = "citizen_metrics/started_by"
FAILURE_EVENTS = {DagsterEventType.STEP_FAILURE, DagsterEventType.RESOURCE_INIT_FAILURE,
                  DagsterEventType.RUN_FAILURE}


def _user_message(error: SerializableErrorInfo | None) -> str:
    """The message of the error the code raised, not of Dagster's wrapping around it, in
    French where it is a library's or the system's (`plain_words`: a full disk may be said
    only by a cause further down the chain)."""
    chain = []
    found = error
    while found is not None:
        chain.append(found.message)
        found = found.cause or found.context
    while error is not None and error.cause is not None and (
            error.cls_name or "").startswith("Dagster"):
        error = error.cause
    if error is None:
        return ""
    message = (error.message.strip().splitlines()[0] if error.message.strip()
               else error.cls_name or "")
    return in_french(message, details="\n".join(chain))


def explain_failure(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """One plain line per thing that failed in the run: blocking checks that did not pass
    (with their description), steps that raised (with their message), a resource that could
    not start (another run holding the folders)."""
    lines: list[str] = []
    records = instance.get_records_for_run(
        run_id, of_type={*FAILURE_EVENTS, DagsterEventType.ASSET_CHECK_EVALUATION}).records
    failed_checks: set[str] = set()
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.blocking:
                failed_checks.add(evaluation.check_name)
                why = evaluation.description or "voir le contrôle dans l'interface Dagster"
                lines.append(f"Le contrôle {evaluation.check_name} a échoué : {why}")
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or event.event_type not in FAILURE_EVENTS:
            continue
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            if error is not None and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # said above, with the check's own words
            lines.append(f"L'étape {event.step_key} a échoué : {_user_message(error)}")
        elif event.event_type == DagsterEventType.RESOURCE_INIT_FAILURE:
            lines.append("L'exécution n'a pas pu démarrer : "
                         f"{_user_message(event.engine_event_data.error)}")
    if not lines:
        failure = next((r.event_log_entry for r in records
                        if r.event_log_entry.dagster_event_type == DagsterEventType.RUN_FAILURE),
                       None)
        lines.append(failure.user_message if failure
                     else "l'exécution a échoué (voir l'interface Dagster)")
    return list(dict.fromkeys(lines))


def alert_for_run(instance: dg.DagsterInstance, run_id: str, settings: Settings) -> Alert:
    details = "\n".join(explain_failure(instance, run_id))
    return Alert(
        subject=FAILED_NIGHT,
        details=(f"{details}\nLes chiffres publiés avant restent dans {settings.marts_dir}. "
                 "Voir l'exécution dans l'interface Dagster, et la section "
                 "\"When something goes wrong\" de docs/operating.md."),
        run_id=run_id,
    )


class AlertNotDelivered(RuntimeError):
    """The alert of a failed run could not be written or sent everywhere it should."""


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING,
                       minimum_interval_seconds=30)
def alert_on_failed_run(context: dg.RunFailureSensorContext,
                        warehouse: WarehouseResource) -> None:
    """Send the alert of a failed run (log line, e-mail, webhook:
    `citizen_metrics.operations.alerts`), unless `make run` started it (it alerts by itself)."""
    run = context.dagster_run
    if run.tags.get(RUNNER_TAG):
        return
    settings = warehouse.settings()
    discard_failed_publication(settings.marts_dir)
    delivery = send_alert(settings.alerts, alert_for_run(context.instance, run.run_id, settings))
    if delivery.failed:
        # The tick fails, in red in the UI's sensor page: the one place left to say it.
        raise AlertNotDelivered(delivery.in_french(settings.alerts.log_file))
