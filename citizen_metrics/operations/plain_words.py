"""Library and system errors in plain French, with what to do.

DuckDB and the operating system speak English (`IO Error: … No space left on device`,
`[Errno 30] Read-only file system`). Where such an error reaches a person (the screen of
`make run`, the alert, the Dagster UI's failure lines), it is said in French with the
folder it concerns and what to do; the original stays in the technical log and in Dagster's
event log. An error this module does not know is shown as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Known:
    pattern: re.Pattern[str]
    said: str  # `{where}`: " (dossier …)" when the error names a path, else ""


# What DuckDB says of a file it cannot trust: not a database at all, or a block whose
# checksum does not match (a disk error, a file overwritten in the middle).
DAMAGED_DATABASE = re.compile(r"not a valid duckdb database file|corrupt database file|"
                              r"checksum .* does not match|database file is corrupt",
                              re.IGNORECASE)
_KNOWN = (
    _Known(re.compile(r"no space left on device|errno 28|disk is full|not enough space",
                      re.IGNORECASE),
           "le disque est plein{where} : libérez de la place (les anciennes publications "
           "de data/marts/releases/ et les journaux de data/work/logs/ peuvent partir), puis "
           "relancez ; les chiffres publiés avant restent en place"),
    _Known(re.compile(r"read-only file system|errno 30", re.IGNORECASE),
           "le dossier est en lecture seule{where} : remontez-le en écriture (ou indiquez "
           "un autre dossier dans les réglages PIPELINE_*_DIR), puis relancez"),
    _Known(re.compile(r"permission denied|errno 13|access is denied", re.IGNORECASE),
           "le pipeline n'a pas le droit d'écrire ou de lire{where} : donnez ces droits à "
           "l'utilisateur qui le fait tourner, puis relancez"),
    _Known(DAMAGED_DATABASE,
           "l'entrepôt de travail est endommagé{where} : déplacez ce fichier (gardez-le "
           "pour analyse) et relancez ; la nuit le reconstruit depuis data/raw"),
    _Known(re.compile(r"could not set lock on file|conflicting lock", re.IGNORECASE),
           "la base est ouverte par un autre programme{where} (un notebook, DBeaver…) : "
           "fermez-le, puis relancez"),
)
_PATH = re.compile(r"""["'](/[^"']+)["']|(/(?:[\w.@+-]+/)+[\w.@+-]*)""")


def in_french(message: str, *, details: str = "") -> str:
    """`message` said in French with what to do, if it (or `details`: the causes, the
    technical text around it) is an error this module knows; `message` as it is otherwise."""
    text = f"{message}\n{details}"
    for known in _KNOWN:
        if known.pattern.search(text):
            found = _PATH.search(text)
            path = (found.group(1) or found.group(2)) if found else None
            return known.said.format(where=f" ({path})" if path else "")
    return message
