"""Fixtures of every folder: a salt for pseudonymisation, the public reference lists, a
local mail server and web server for the alerts. The end-to-end runs are in
integration/conftest.py; the helpers the tests share, in support.py."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.support import Mailbox, free_port


@pytest.fixture(autouse=True, scope="session")
def _test_salt() -> None:
    """Tests never read or write the developer's salt file."""
    os.environ["PIPELINE_SALT"] = "test-salt-not-secret"


@pytest.fixture(scope="module")
def reference():
    """The region's reference lists (communes, provinces, the programme's cohort)."""
    from citizen_metrics.ingest.reference_lists import Reference
    from citizen_metrics.settings import Settings

    return Reference.load(Settings.from_env())


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller

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
