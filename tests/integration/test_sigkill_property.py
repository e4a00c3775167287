"""Property: a night killed with SIGKILL at any moment never changes what the next night
publishes.

A clean night on the committed e2e fixture gives the figures and the night's duration; then
at least ten nights are killed at moments drawn from a seeded random generator over that
duration (half of them first nights, on a warehouse and marts folder wiped, the others on
what the nights before left), each followed by a night left alone: quiet exactly when a
whole publication stands, otherwise a rebuild on what the kill left; either way the
published tables are exactly the clean night's. A last night rebuilds on what the rounds
left. (Each killed night also starts on the leftovers of the kills before it: a leftover
that broke a night would fail it.) The
named kill points of test_recovery.py are where a kill is known to hurt; here the moments
are anywhere, DuckDB writing its file or its log, Dagster writing its run history, the
publication half swapped.

The nights run as `make run` runs them, in child processes (`tests.support.Night`). The
test takes minutes (each round is one to two nights; on 7 December 2026, 6.5 min for 11
rounds, 10 kills, 4 of them followed by a rebuild, on a lightly loaded 2-core machine; 38 min
when seven builds shared it): it is marked `slow` and still runs in `make test`
(docs/architecture.md, the tests).
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest

from citizen_metrics.operations.quiet import publication_is_whole
from citizen_metrics.publish.release import read_manifest
from citizen_metrics.settings import REPO_ROOT
from tests.support import (
    E2E_FILES,
    FIXTURES,
    KILLED,
    Night,
    copy_raw_files,
    published_rows,
    run_night,
)

SEED = 20261207
KILLS = 10
MOST_ROUNDS = 40  # a kill drawn after the night's end is no kill: drawn again, this often


@pytest.mark.slow
def test_random_sigkills_never_change_what_the_next_night_publishes(tmp_path: Path) -> None:
    copy_raw_files(E2E_FILES, FIXTURES / "e2e", tmp_path / "raw")
    (tmp_path / "home").mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    marts_database = tmp_path / "marts" / "citizen_metrics.duckdb"

    started = time.monotonic()
    code, screen = run_night(tmp_path)
    duration = time.monotonic() - started  # only to draw the moments, never asserted
    assert code == 0, screen
    clean = published_rows(marts_database)
    assert clean["mart_survey_indicators"]  # a night with figures, not an empty one

    rng = random.Random(SEED)
    kills = rounds = 0
    while kills < KILLS:
        rounds += 1
        assert rounds <= MOST_ROUNDS, f"only {kills} kills in {rounds - 1} rounds"
        if rng.random() < 0.5:  # a first night killed: nothing built, nothing published
            for folder in ("work", "marts"):
                shutil.rmtree(tmp_path / folder)
        started = time.monotonic()
        night = Night(tmp_path, force=True)
        moment = started + rng.uniform(0.0, duration)
        while night.running() and time.monotonic() < moment:
            time.sleep(0.02)
        night.kill()  # unless it has ended already: then it was no kill
        code, screen = night.finish()
        # A night killed on the leftovers of the kills before it got as far as its kill.
        assert code in (KILLED, 0), screen
        kills += code == KILLED
        if code == 0:  # a whole night: the moments follow the machine's pace
            duration = time.monotonic() - started
        if marts_database.exists():  # what readers see is always a whole publication
            assert published_rows(marts_database) == clean

        # The next night, left alone: quiet exactly when a whole publication stands (its
        # figures are the clean ones), otherwise it rebuilds on what the kill left.
        manifest = read_manifest(tmp_path / "marts")
        standing = manifest is not None and publication_is_whole(tmp_path / "marts", manifest)
        code, screen = run_night(tmp_path)
        assert code == 0, screen
        assert screen.startswith("Rien de neuf depuis la publication du") == standing, screen
        assert published_rows(marts_database) == clean
        assert not (tmp_path / "marts" / "releases" / ".next").exists()

    # And a night that rebuilds on what the last rounds left.
    code, screen = run_night(tmp_path, force=True)
    assert code == 0, screen
    assert "La nuit est publiée." in screen and "Traceback" not in screen
    assert published_rows(marts_database) == clean
