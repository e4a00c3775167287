"""Named points of a run where a test can make it die or pause on purpose.

Recovery is only believable if it is tried: the tests kill a run with SIGKILL at ingestion,
while the marts are built, while the database and the exports are written and in the middle
of the publication swap, then check that the previous publication is intact and that the
next run succeeds on its own. They name the point in `PIPELINE_FAILPOINT`:

- `<point>` or `<point>=kill`: the process kills itself (SIGKILL: no clean-up of any kind,
  as the kernel's OOM killer or a power cut would leave it);
- `<point>=wait:<file>`: the run writes `<file>.reached` and pauses there until `<file>`
  exists (two runs at once: the test starts the second run while the first is held).

Unset, as in every real run, a point costs one look-up of the environment variable.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from citizen_metrics.settings import failpoint

MAXIMUM_WAIT_SECONDS = 300


def reached(point: str) -> None:
    """Die or pause here when `PIPELINE_FAILPOINT` names this point."""
    configured = failpoint()
    if configured is None:
        return
    name, _, action = configured.partition("=")
    if name != point:
        return
    if action.startswith("wait:"):
        release = Path(action.removeprefix("wait:"))
        release.with_name(release.name + ".reached").touch()
        deadline = time.monotonic() + MAXIMUM_WAIT_SECONDS
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        return
    os.kill(os.getpid(), signal.SIGKILL)
