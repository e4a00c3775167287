"""A throwaway PostgreSQL server for the deployment tests: `initdb` and `pg_ctl` into a
temporary folder, listening on 127.0.0.1 and a free port only, password authentication as on
the server, stopped and deleted afterwards.

The binaries are Debian's (`apt-get install postgresql`, which `.ci/run` does where they are
missing). PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user
the package creates. Where no server can be found, the tests are skipped with the reason,
except under CI (`CI` set), where that is a failure: CI installs it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD, DATABASE = "citizen_metrics", "throwaway-test-password", "citizen_metrics_dagster"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str

    def environment(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads its connection from."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port),
                "DAGSTER_PG_USER": self.user, "DAGSTER_PG_PASSWORD": self.password,
                "DAGSTER_PG_DB": self.database}

    def connect(self):  # psycopg2 comes with dagster-postgres
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user,
                                password=self.password, dbname=self.database)


def binaries() -> Path | None:
    """The newest PostgreSQL's bin folder (Debian layout), or the one `pg_config` names."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parent.parent.name)
                   if path.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        folder = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                     check=False).stdout.strip())
        if (folder / "initdb").exists():
            return folder
    return None


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is needed in CI (.ci/run installs it): {reason}")
    pytest.skip(f"no PostgreSQL server to start here: {reason}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_server() -> Iterator[Server]:
    bindir = binaries()
    if bindir is None:
        unavailable("initdb not found (apt-get install postgresql)")
        raise AssertionError("unreachable")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no `postgres` user to run the server as")
        run_as = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="citizen-metrics-pg-"))
    data, log, secret = folder / "data", folder / "server.log", folder / "password"
    secret.write_text(PASSWORD)
    if owner is not None:
        for path in (folder, secret):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = _free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*run_as, *command], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr}{done.stdout}{tail}")

    started = False
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(secret),
            "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C")
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} "
                   f"-c unix_socket_directories={folder} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
            "-t", "60", "start")
        started = True
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=port, user=USER, password=PASSWORD,
                                 dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"create database {DATABASE}")
        admin.close()
        yield Server("127.0.0.1", port, USER, PASSWORD, DATABASE)
    finally:
        if started:
            subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)
