"""One run at a time per set of folders, held by the kernel.

Two runs writing the same warehouse or publishing into the same marts folder would corrupt
each other (DuckDB lets one process write a file; two publications would swap each other's
half-built folders). A run therefore takes an exclusive `flock` on a lock file in each of its
folders before it touches anything, and keeps it to the end. The kernel releases such a lock
when the process holding it dies, however it dies (SIGKILL, a crash, the machine's OOM
killer): a killed run never leaves a lock that blocks the next night, and there is no stale
lock file to clean by hand.

A second run on the same folders waits up to `wait_seconds`, then stops with `RunLockBusy`,
whose message names the run holding the folders, before it has read or written anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = ".pipeline.lock"
POLL_SECONDS = 0.5


class RunLockBusy(RuntimeError):
    """Another run holds one of the folders: this run stops before touching anything."""


@dataclass(frozen=True)
class Holder:
    """Who holds the folders (written into the lock file once the lock is taken)."""

    run_id: str
    pid: int
    host: str
    started_at: str

    def describe(self) -> str:
        return (f"l'exécution {self.run_id[:8]} (processus {self.pid} sur {self.host}, "
                f"démarrée à {self.started_at})")


def _read_holder(handle: int) -> Holder | None:
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        data = json.loads(os.read(handle, 4096) or b"{}")
        return Holder(str(data["run_id"]), int(data["pid"]), str(data["host"]),
                      str(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_holder(handle: int, holder: Holder) -> None:
    os.ftruncate(handle, 0)
    os.lseek(handle, 0, os.SEEK_SET)
    os.write(handle, json.dumps(holder.__dict__).encode())


def _lock_files(folders: Iterable[Path]) -> list[Path]:
    """One lock file per distinct folder, in a fixed order (two runs sharing some folders
    take them in the same order, so they can never wait on each other in a circle)."""
    return sorted({folder.resolve() / LOCK_NAME for folder in folders})


@contextlib.contextmanager
def hold_folders(folders: Iterable[Path], *, run_id: str,
                 wait_seconds: float = 0.0) -> Iterator[Holder]:
    """Hold every folder of `folders` (created if missing) for the duration of the block.

    Raises `RunLockBusy` when another process holds one of them for longer than
    `wait_seconds`; what this run had already taken is released at once.
    """
    holder = Holder(run_id=run_id, pid=os.getpid(), host=socket.gethostname(),
                    started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    handles: list[int] = []
    try:
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        for path in _lock_files(folders):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            handles.append(handle)
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        other = _read_holder(handle)
                        who = other.describe() if other else "une autre exécution"
                        raise RunLockBusy(
                            f"{who} travaille déjà sur {path.parent}. Cette exécution s'est "
                            "arrêtée avant de lire ou d'écrire quoi que ce soit ; les "
                            "chiffres de l'autre exécution sont intacts. Relancez-la quand "
                            "l'autre est finie (l'interface Dagster la montre)."
                        ) from None
                    time.sleep(POLL_SECONDS)
        for handle in handles:
            _write_holder(handle, holder)
        yield holder
    finally:
        for handle in handles:
            os.close(handle)  # closing the descriptor releases its lock
