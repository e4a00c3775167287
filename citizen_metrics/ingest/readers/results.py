"""What a reader gives back: canonical batches for a staging table, then what it read.

A reader is a generator: it yields `Batch`es (an Arrow table for one staging table) as it goes
through a file, and returns a `FileRead` (one outcome per file or sheet, and the rows it could
not parse). The staging writer consumes it; readers never call the writer.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from typing import TypeAlias

import pyarrow as pa

from citizen_metrics.tables.fields import UNKNOWN_KIND
from citizen_metrics.tables.model import Table

# The reason of a file (or register sheet) that is loaded but holds a header and no row:
# nothing is wrong with it, but a clerk must be able to tell it from a good export.
NO_DATA_ROWS = "aucune ligne de données : un en-tête et rien d'autre"


# What an error message may quote of the data (a value, a row): masked in a file's reason,
# which is published. Quoted text, and runs of five digits or more (a phone, an id).
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_LONG_NUMBER = re.compile(r"\d{5,}")


def failure_reason(error: BaseException) -> str:
    """The reason a file is rejected after an error nobody foresaw, in words, with the error's
    kind and message, but no value of the file (error messages may quote one)."""
    if isinstance(error, OSError):
        cause = error.strerror or "inconnue"
        return (f"erreur d'entrée/sortie à la lecture du fichier ({cause}) : disque "
                "abîmé, ou partage réseau perdu ? Le fichier n'a pas été chargé ; il sera "
                "relu à la prochaine exécution")
    if isinstance(error, MemoryError):
        return ("le fichier demande plus de mémoire que la machine n'en a : il n'a pas été "
                "chargé")
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    message = _LONG_NUMBER.sub("…", _QUOTED.sub("'…'", first_line))[:300]
    return (f"le fichier n'a pas pu être chargé ({type(error).__name__} : {message}) ; les "
            "autres fichiers l'ont été. Signalez-le, avec le fichier, à qui maintient le "
            "pipeline")


class StreamBroken(Exception):
    """A file read in batches turned out broken partway (a ragged row, a stray byte that is
    not UTF-8): what was yielded from it must be dropped, and the file read whole, exactly."""


@dataclass(frozen=True)
class Batch:
    """Canonical rows for one staging table."""

    table: Table
    rows: pa.Table


@dataclass
class FileOutcome:
    """One row of the file summary: what was read from a file (or a sheet of it)."""

    source_file: str
    sheet: str
    file_kind: str
    file_shape: str
    status: str
    reason: str | None
    rows_read: int
    encoding: str | None = None
    unmapped_headers: str | None = None
    missing_questions: str | None = None

    @classmethod
    def rejected(cls, source_file: str, kind: str, reason: str, sheet: str = "") -> FileOutcome:
        return cls(source_file, sheet, kind, UNKNOWN_KIND, "rejected", reason, 0)


@dataclass
class ReadFailure:
    """A data row that could not be parsed at all (it is quarantined, not lost)."""

    source_file: str
    sheet: str
    source_row: int
    message: str


@dataclass
class FileRead:
    outcomes: list[FileOutcome] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)

    def __iadd__(self, other: FileRead) -> FileRead:
        self.outcomes += other.outcomes
        self.failures += other.failures
        return self

    def outcomes_table(self, table: Table) -> pa.Table:
        return table.from_pylist([asdict(outcome) for outcome in self.outcomes])

    def failures_table(self, table: Table) -> pa.Table:
        return table.from_pylist([asdict(failure) for failure in self.failures])


Reading: TypeAlias = Generator[Batch, None, FileRead]
