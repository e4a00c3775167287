"""The server deployment, tested as an operator would run it: the production instance
(deploy/dagster.yaml) on a real, throwaway PostgreSQL; the nightly job run on it and read
back from Postgres; which failures are retried; the webserver's GraphQL API on 127.0.0.1
(the code location, the schedule's next tick, the lineage managers read); and the daemon
taking a queued run from the queue to success.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from tests.deploy.postgres import Server, throwaway_server
from tests.support import E2E_FILES, FIXTURES, copy_raw_files

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCATION, REPOSITORY, JOB = "citizen_metrics", "__repository__", "citizen_metrics_job"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with throwaway_server() as running:
        yield running


@pytest.fixture(scope="module")
def deployment(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A server's folders and environment, as the env file sets them, on the fixture data;
    DAGSTER_HOME holds deploy/dagster.yaml as it is."""
    root = tmp_path_factory.mktemp("server")
    home = root / "dagster"
    home.mkdir()
    shutil.copyfile(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", root / "raw")
    environment = {
        **server.environment(),
        "DAGSTER_HOME": str(home),
        "DAGSTER_COMPUTE_LOGS_DIR": str(home / "compute_logs"),
        "DAGSTER_ARTIFACTS_DIR": str(home / "storage"),
        "PIPELINE_ENV": "production",
        "PIPELINE_SALT": "test-salt-not-secret",
        "PIPELINE_RAW_DIR": str(root / "raw"),
        "PIPELINE_MARTS_DIR": str(root / "marts"),
        "PIPELINE_WORK_DIR": str(root / "work"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        yield {"root": root, "home": home, "environment": environment}


@pytest.fixture(scope="module")
def instance(deployment: dict) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(deployment["home"])) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def nightly_run(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    from citizen_metrics.defs.definitions import defs

    return defs.resolve_job_def(JOB).execute_in_process(instance=instance)


def test_the_production_instance_is_postgres_with_a_queue(instance) -> None:
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert not instance.run_retries_retry_on_asset_or_op_failure
    from dagster._core.definitions.run_request import InstigatorType
    from dagster._core.scheduler.instigation import TickStatus

    sensor_ticks = instance.get_tick_retention_settings(InstigatorType.SENSOR)
    assert sensor_ticks[TickStatus.SKIPPED] == 7


def test_the_nightly_job_is_read_back_from_postgres(server, instance, nightly_run) -> None:
    from citizen_metrics.defs.definitions import defs

    assert nightly_run.success
    graph = defs.resolve_asset_graph()
    assets = {key.to_user_string() for key in graph.get_all_asset_keys()}
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    with server.connect() as connection, connection.cursor() as cursor:
        cursor.execute("select pipeline_name, status from runs where run_id = %s",
                       [nightly_run.run_id])
        assert cursor.fetchall() == [(JOB, "SUCCESS")]
        cursor.execute("select asset_key from event_logs where run_id = %s "
                       "and dagster_event_type = 'ASSET_MATERIALIZATION'", [nightly_run.run_id])
        materialized = {dg.AssetKey.from_db_string(key).to_user_string()
                        for (key,) in cursor.fetchall()}
        cursor.execute("select asset_key, check_name, execution_status "
                       "from asset_check_executions where run_id = %s", [nightly_run.run_id])
        executed = {(dg.AssetKey.from_db_string(key).to_user_string(), name): status
                    for key, name, status in cursor.fetchall()}
    assert materialized == assets
    # Every check's result as Postgres holds it is the run's own (on the small fixture,
    # programme communes without figures fail the non-blocking coverage checks).
    evaluated = {(e.asset_key.to_user_string(), e.check_name):
                 "SUCCEEDED" if e.passed else "FAILED"
                 for e in nightly_run.get_asset_check_evaluations()}
    assert set(executed) == checks and executed == evaluated
    assert executed[("mart_equity_gaps", "disclosure_audit")] == "SUCCEEDED"
    # The same through Dagster's own API on the instance.
    run = instance.get_run_by_id(nightly_run.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["dagster/retry_on_asset_or_op_failure"] == "false"
    event = instance.get_latest_materialization_event(dg.AssetKey("citizen_metrics_database"))
    assert event is not None and event.run_id == nightly_run.run_id


def test_the_scale_out_instance_loads_with_docker_runs(deployment, tmp_path: Path) -> None:
    """deploy/scale-out/dagster.yaml: same Postgres storage, each run in a container."""
    from dagster_docker import DockerRunLauncher
    from dagster_postgres import PostgresRunStorage

    shutil.copyfile(REPO / "deploy" / "scale-out" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as scaled:
        assert isinstance(scaled.run_storage, PostgresRunStorage)
        launcher = scaled.run_launcher
        assert isinstance(launcher, DockerRunLauncher)
        assert launcher.image == "citizen-metrics:latest"
        forwarded = {variable.split("=")[0] for variable in launcher.env_vars}
        assert {"PIPELINE_SALT", "DAGSTER_PG_PASSWORD", "PIPELINE_RAW_DIR"} <= forwarded
        assert scaled.run_retries_enabled and not scaled.run_retries_retry_on_asset_or_op_failure
        assert type(scaled.run_coordinator).__name__ == "QueuedRunCoordinator"


# Jobs that fail the ways a night can fail, to see which ones the instance would retry.
@dg.asset
def wrong_night() -> None:
    raise dg.Failure("guard: tonight's files hold fewer responses than last night's")


@dg.asset
def published_figures() -> int:
    return 1


@dg.asset_check(asset=published_figures, blocking=True)
def figures_check() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="a blocking check failed")


class UnreachableShare(dg.ConfigurableResource):
    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        raise OSError("the raw folder's network share is not mounted")


@dg.asset
def needs_the_share(share: UnreachableShare) -> None:
    return None


def test_only_failures_outside_the_data_are_retried(instance) -> None:
    def will_retry(definitions: list, **resources: object) -> str:
        result = dg.materialize(definitions, instance=instance, resources=resources,
                                raise_on_error=False)
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        assert run is not None
        return run.tags.get("dagster/will_retry", "")

    assert will_retry([wrong_night]) == "false"
    assert will_retry([published_figures, figures_check]) == "false"
    assert will_retry([needs_the_share], share=UnreachableShare()) == "true"


# --- The webserver and the daemon, as the systemd units start them -----------------------
def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def webserver(deployment, nightly_run) -> Iterator[int]:
    port = _free_port()
    log = deployment["root"] / "webserver.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(BIN / "dagster-webserver"), "--host", "127.0.0.1", "--port", str(port),
             "--workspace", str(REPO / "workspace.yaml")],
            cwd=REPO, env={**os.environ, **deployment["environment"]},
            stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(log.read_text()[-3000:]) from None
                time.sleep(1)
        else:
            raise RuntimeError("the webserver did not start: " + log.read_text()[-3000:])
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_the_ui_shows_the_code_location_and_the_next_nightly_tick(webserver) -> None:
    workspace = _graphql(webserver, """
        { workspaceOrError { ... on Workspace { locationEntries {
            name locationOrLoadError { __typename } } } } }""")
    entries = workspace["workspaceOrError"]["locationEntries"]
    assert [(e["name"], e["locationOrLoadError"]["__typename"]) for e in entries] == [
        (LOCATION, "RepositoryLocation")]
    schedule = _graphql(webserver, """
        query ($selector: ScheduleSelector!) { scheduleOrError(scheduleSelector: $selector) {
            ... on Schedule { cronSchedule executionTimezone pipelineName
                              futureTicks(limit: 2) { results { timestamp } } } } }""",
        {"selector": {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY,
                      "scheduleName": "nightly_citizen_metrics"}})["scheduleOrError"]
    assert schedule["pipelineName"] == JOB
    assert schedule["executionTimezone"] == "Africa/Casablanca"
    morocco = ZoneInfo("Africa/Casablanca")
    ticks = [dt.datetime.fromtimestamp(tick["timestamp"], morocco)
             for tick in schedule["futureTicks"]["results"]]
    assert [(tick.hour, tick.minute) for tick in ticks] == [(2, 0), (2, 0)]
    assert ticks[1] - ticks[0] == dt.timedelta(days=1)  # Morocco keeps one offset a day
    assert ticks[0] > dt.datetime.now(morocco)


ASSET_NODES = """
{ assetNodes { assetKey { path } description groupName kinds tags { key value }
    owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
    internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds } }
    assetMaterializations(limit: 1) { runId metadataEntries { label } } } }"""


def test_every_asset_was_materialized_by_the_nightly_job(webserver, nightly_run) -> None:
    nodes = _graphql(webserver, ASSET_NODES)["assetNodes"]
    assert len(nodes) >= 25
    for node in nodes:
        name = "/".join(node["assetKey"]["path"])
        assert node["groupName"] and node["description"], name
        assert [m["runId"] for m in node["assetMaterializations"]] == [nightly_run.run_id], name


def test_every_asset_has_an_owner_a_description_a_group_and_row_counts(webserver) -> None:
    nodes = _graphql(webserver, ASSET_NODES)["assetNodes"]
    for node in nodes:
        name = "/".join(node["assetKey"]["path"])
        assert node["owners"], f"{name} has no owner"
        assert node["tags"], f"{name} has no tag"
        assert node["description"] and node["groupName"], name
        if {"duckdb", "table"} & set(node["kinds"]):
            labels = {entry["label"] for entry in node["assetMaterializations"][0][
                "metadataEntries"]}
            assert "dagster/row_count" in labels, f"{name} has no row count"
            if node["groupName"] != "publication":  # one table each, not the database
                assert "dagster/column_schema" in labels, f"{name} has no column schema"
    # The published marts are shown overdue 26 hours after their last materialization.
    policies = {"/".join(node["assetKey"]["path"]): node["internalFreshnessPolicy"]
                for node in nodes}
    assert policies["mart_survey_indicators"] == {"failWindowSeconds": 26 * 3600}
    assert policies["int_survey_responses"] is None


def test_the_daemon_runs_a_queued_run(webserver, deployment, server) -> None:
    """A run launched from the UI waits in the queue; the daemon, as its unit starts it,
    launches it in its own process, and it succeeds. The sensor, starting from the
    published marts, asks for no run of its own."""
    launched = _graphql(webserver, """
        mutation ($params: ExecutionParams!) { launchPipelineExecution(executionParams: $params) {
            __typename ... on LaunchRunSuccess { run { runId status } }
            ... on PythonError { message } } }""",
        {"params": {"selector": {"repositoryLocationName": LOCATION,
                                 "repositoryName": REPOSITORY, "pipelineName": JOB},
                    "runConfigData": {}}})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id, status = launched["run"]["runId"], launched["run"]["status"]
    assert status == "QUEUED"
    log = deployment["root"] / "daemon.log"
    with log.open("w") as output:
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "--workspace", str(REPO / "workspace.yaml")],
            cwd=REPO, env={**os.environ, **deployment["environment"]},
            stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline:
            status = _graphql(webserver, """query ($id: ID!) { runOrError(runId: $id) {
                ... on Run { status } } }""", {"id": run_id})["runOrError"]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                break
            assert daemon.poll() is None, log.read_text()[-3000:]
            time.sleep(3)
        assert status == "SUCCESS", log.read_text()[-3000:]
        with server.connect() as connection, connection.cursor() as cursor:
            cursor.execute("select count(*) from runs where status = 'SUCCESS' "
                           "and pipeline_name = %s", [JOB])
            assert cursor.fetchone() == (2,)  # the nightly run above, and this one
            cursor.execute("select count(*) from runs where run_body like %s",
                           ['%"new_raw_files"%'])
            assert cursor.fetchone() == (0,)
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
