"""`make run`: one night of the pipeline, as the schedule runs it, ending with a summary in
plain French words (the clerks and managers read it).

The whole job runs in this process on the Dagster instance of `DAGSTER_HOME` (the run shows
in the UI like a scheduled one). Everything the libraries print (Dagster's event log lines,
solver banners, warnings) goes to a technical log under the work folder
(`data/work/logs/`), not to the screen: the operator reads what was published, what was
rejected and why, and, when the night failed, what failed, that the previous figures stay,
and where the log is. A failed night also sends the alert (`citizen_metrics.operations.alerts`).

A night with nothing new since the last publication (`citizen_metrics.operations.quiet`) is
decided before anything heavy is imported: it prints one line, keeps the publication and
ends in about a second. `PIPELINE_FORCE_REBUILD=1` (`make run FORCE_REBUILD=1`) rebuilds
anyway.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from citizen_metrics.settings import Settings

KEEP_LOGS = 30


@contextlib.contextmanager
def _output_to(log_path: Path) -> Iterator[TextIO]:
    """Send this process's standard output and error (and its children's) to `log_path`;
    yield the screen, to print what a person reads."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    screen = os.fdopen(os.dup(saved_out), "w", encoding="utf-8", buffering=1)
    os.dup2(log, 1)
    os.dup2(log, 2)
    try:
        yield screen
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        for handle in (log, saved_out, saved_err):
            os.close(handle)
        screen.close()


def _prune_logs(folder: Path) -> None:
    for old in sorted(folder.glob("run-*.log"))[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)


def _run(screen: TextIO) -> tuple[bool, list[str], str]:
    """Run the job; (success, lines to show, run id)."""
    import warnings

    warnings.simplefilter("ignore")  # library warnings go nowhere near the screen
    import dagster as dg

    from citizen_metrics.defs.alerting import RUNNER_TAG, explain_failure
    from citizen_metrics.defs.definitions import defs
    from citizen_metrics.settings import Settings

    print(f"Exécution du pipeline sur {Settings.from_env().raw_dir} : lecture, validation, "
          "calcul et publication des chiffres (quelques minutes)…", file=screen)
    instance = (dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME")
                else dg.DagsterInstance.ephemeral())
    job = defs.resolve_job_def("citizen_metrics_job")
    result = job.execute_in_process(instance=instance, raise_on_error=False,
                                    tags={RUNNER_TAG: "make run"})
    warnings_seen = [
        f"Attention : le contrôle {evaluation.check_name} {_first_number(evaluation.metadata)}"
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and not evaluation.blocking
    ]
    if result.success:
        return True, warnings_seen, result.run_id
    return False, explain_failure(instance, result.run_id), result.run_id


def _first_number(metadata: Mapping[str, object]) -> str:
    """What a check that did not pass found, from the first count of its metadata, in words
    (`a trouvé 159 ligne(s) à revoir`)."""
    for value in metadata.values():
        number = getattr(value, "value", value)
        if isinstance(number, int) and not isinstance(number, bool):
            found = f"{number:,}".replace(",", " ")
            return f"a trouvé {found} ligne(s) à revoir (feuille quarantaine du classeur)"
    return "n'est pas passé (voir l'interface Dagster)"


def _quiet(settings: Settings) -> str | None:
    """The line to print when tonight has nothing new since the last publication
    (`citizen_metrics.operations.quiet`), decided before Dagster, DuckDB or Arrow is
    imported; None when the night must run (or when deciding failed: the night then runs
    and says what is wrong)."""
    from citizen_metrics.operations.quiet import quiet_night
    from citizen_metrics.publish.release import read_manifest

    try:
        quiet = quiet_night(settings, read_manifest(settings.marts_dir))
    except Exception:  # never quiet by mistake: the night runs, and says what is wrong
        return None
    return quiet.in_french() if quiet else None


def _published_line(settings: Settings) -> str:
    """What is published now, in one line; or, when the marts folder cannot even be looked
    at (refused to this user, gone), why, in French: a failed night must still end in words
    and send its alert, never in a traceback."""
    from citizen_metrics.operations.plain_words import in_french
    from citizen_metrics.publish.summary import published_summary

    try:
        return published_summary(settings)[0]
    except Exception as error:
        traceback.print_exc()  # the technical log
        return ("Ils n'ont pas pu être relus : "
                + in_french(f"{type(error).__name__}: {error}"))


def main() -> int:
    from citizen_metrics.publish.release import discard_failed_publication
    from citizen_metrics.settings import Settings, force_rebuild

    settings = Settings.from_env()
    said = None if force_rebuild() else _quiet(settings)
    if said is not None:
        print(said)
        # What a killed night left half-built would hold its disk space until a rebuild.
        discard_failed_publication(settings.marts_dir)
        return 0

    from citizen_metrics.operations.alerts import FAILED_NIGHT, Alert, send_alert
    from citizen_metrics.operations.plain_words import in_french
    from citizen_metrics.publish.summary import published_summary

    logs = settings.work_dir / "logs"
    log_path = logs / f"run-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.log"
    alert_failed = False
    with _output_to(log_path) as screen:
        try:
            success, lines, run_id = _run(screen)
        except Exception:  # whatever happened, a person reads words, the log the traceback
            traceback.print_exc()
            last = (traceback.format_exc().strip().splitlines() or ["erreur inconnue"])[-1]
            success, lines, run_id = False, [
                "le pipeline n'a pas pu s'exécuter : "
                + in_french(last, details=traceback.format_exc())], ""
        if success:
            print("\nLa nuit est publiée.", file=screen)
            for line in [*published_summary(settings), *lines]:
                print(line, file=screen)
        else:
            print("\nLa nuit a ÉCHOUÉ : rien n'a été publié.", file=screen)
            for line in lines:
                print(f"  {line}", file=screen)
            last = _published_line(settings)
            print(f"Les chiffres déjà publiés restent en place. {last}", file=screen)
            delivery = send_alert(settings.alerts, Alert(
                subject=FAILED_NIGHT,
                details="\n".join(lines), run_id=run_id))
            report = delivery.in_french(settings.alerts.log_file)
            print(report, file=screen)
            if discard_failed_publication(settings.marts_dir):
                print("half-built publication removed (releases/.next)")  # technical log
            alert_failed = delivery.failed
            if alert_failed:
                print(f"alert not delivered everywhere: {delivery}")  # the technical log
        print(f"Journal technique de cette exécution : {log_path}", file=screen)
    _prune_logs(logs)
    if success:
        return 0
    # A failed night whose alert did not go everywhere it should: nobody may know.
    return 2 if alert_failed else 1


if __name__ == "__main__":
    sys.exit(main())
