"""Pseudonymisation, so that personal data never goes past the readers.

Morocco's law 09-08 protects names, phone numbers and health data (the disability questions).
The pipeline needs identities only to *match* rows: the same submission across exports, the
same participant across workshops, the same enumerator on one day. A keyed hash (BLAKE2b in
its keyed mode, a MAC like HMAC, with a secret salt as key) gives stable keys for matching
that cannot be reversed or recomputed by anyone who lacks the salt, even for a short list of
known names.

The salt comes from `PIPELINE_SALT`, or the file named by `PIPELINE_SALT_FILE`
(default `data/work/pseudonymisation.salt`, git-ignored). In production
(`PIPELINE_ENV=production`) a missing salt is an error; elsewhere (demo, tests, an analyst's
laptop) a random salt is generated into that file on first use.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from citizen_metrics.ingest.normalise import ascii_digits
from citizen_metrics.settings import DEFAULT_SALT_FILE, REPO_ROOT, Settings


class MissingSaltError(RuntimeError):
    """Raised in production when no pseudonymisation salt is configured."""


class SaltElsewhereError(RuntimeError):
    """Raised instead of inventing a salt when one already exists in the default work
    folder: the work folder moved, and its salt did not follow."""


# Where the salt is when nothing says otherwise: a salt there, while the settings name
# another work folder with none, means the folder was moved without it.
DEFAULT_SALT = REPO_ROOT / DEFAULT_SALT_FILE


def load_salt(settings: Settings) -> bytes:
    """The secret salt; generated locally outside production, never read from the repository.
    It lives in the work folder (`PIPELINE_WORK_DIR`) unless `PIPELINE_SALT_FILE` names a file;
    a new one is never invented while the default work folder still holds one."""
    if settings.salt:
        return settings.salt.encode()
    path = settings.salt_file
    if path.exists():
        content = path.read_text(encoding="utf-8").strip()
        if content:
            return content.encode()
    if settings.production:
        raise MissingSaltError(
            f"No pseudonymisation salt: set PIPELINE_SALT or write one to {path} "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))' > FILE`). "
            "Production refuses to invent one, because keys must not change between runs "
            "that are compared."
        )
    if DEFAULT_SALT.resolve() != path.resolve() and DEFAULT_SALT.exists():
        raise SaltElsewhereError(
            f"Aucun sel de pseudonymisation dans {path}, mais il y en a un dans "
            f"{DEFAULT_SALT} : le dossier de travail a changé sans son sel. Copiez ce fichier "
            f"vers {path} (ou indiquez-le par PIPELINE_SALT_FILE) et relancez ; un nouveau sel "
            "changerait toutes les clés de pseudonymisation, et chaque fichier serait relu."
        )
    private_folder(path.parent)
    salt = secrets.token_hex(32)
    # Created readable by its owner only from the first byte (never written, then
    # restricted): another user of the server never gets a moment to read it.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(salt + "\n")
    return salt.encode()


def private_folder(folder: Path) -> Path:
    """`folder`, created if missing, open to its owner only (0700): the work folder holds
    the salt and pseudonymised rows."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        folder.chmod(0o700)
    return folder


# What a quarantine row may show of the value it is about. A value is shown only when it
# cannot be personal: a value of the column's closed list, three characters or fewer (`?`,
# `F?`), a short number (an age, a score, a year), a geographic code of the region (5 or 9
# digits), or a code such as a workshop id (letters and digits in groups joined by dashes,
# with a digit). Anything else (a name typed in the commune column, a phone typed in the age
# column) is replaced by what kind of value it is, so that the clerk knows what to look for
# at the file and row named.
_SHORT_NUMBER = re.compile(r"[+-]?\d{1,4}([.,]\d{1,2})?")
_CODE = re.compile(r"(?=[A-Za-z0-9_/-]*\d)[A-Za-z0-9]+([-_/][A-Za-z0-9]+)+")
_DIGITS = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]")


def quarantine_value(value: str | None, allowed: frozenset[str] = frozenset(),
                     region_code: str = "") -> str | None:
    """The value a quarantine row shows: `value` itself when it cannot be personal, else
    what kind of value was masked (`[masqué : un numéro de téléphone, …]`, in French
    like the rest of what the clerk reads)."""
    if value is None:
        return None
    text = ascii_digits(value).strip()
    if text in allowed or len(text) <= 3 or _SHORT_NUMBER.fullmatch(text):
        return value
    if text.isdigit() and len(text) in (5, 9) and region_code and text.startswith(region_code):
        return value
    if len(text) <= 24 and _CODE.fullmatch(text):
        return value
    digits = len(_DIGITS.findall(text))
    if digits >= 9 and not _LETTERS.search(text):
        return "[masqué : un numéro de téléphone, ou un long nombre]"
    if _LETTERS.search(text):
        words = len(text.split())
        return f"[masqué : texte de {words} mot{'s' if words > 1 else ''}]"
    return f"[masqué : {len(text)} caractère{'s' if len(text) > 1 else ''}]"


class Pseudonymiser:
    """Keyed hashing of identifiers, one purpose at a time (a key of one purpose never
    equals a key of another, so submission keys cannot be joined to participant keys).

    Cumulative exports repeat every id, so keys are remembered within one run.
    """

    def __init__(self, salt: bytes) -> None:
        # BLAKE2b takes a key of at most 64 bytes: derive one from a salt of any length.
        self._key = hashlib.blake2b(salt, digest_size=64).digest()
        self._hashers: dict[str, Any] = {}
        self._cache: dict[str, dict[str, str]] = {}

    def _hasher(self, purpose: str) -> Any:
        """A keyed hasher for `purpose` with the key already absorbed: copying it is cheaper
        than keying a new one for every value."""
        hasher = self._hashers.get(purpose)
        if hasher is None:
            hasher = hashlib.blake2b(key=self._key, digest_size=16,
                                     person=purpose.encode()[:16])
            self._hashers[purpose] = hasher
        return hasher

    def fingerprint(self) -> str:
        """A digest that changes with the salt and says nothing about it (a keyed hash of a
        fixed text): staging compares it to know whether its keys are still this salt's."""
        digest = self._hasher("fingerprint").copy()
        digest.update(b"staged rows were keyed with this salt")
        return digest.hexdigest()

    def key(self, purpose: str, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return self.keys(purpose, [value])[0]

    def keys(self, purpose: str, values: Iterable[str | None]) -> list[str | None]:
        cache = self._cache.setdefault(purpose, {})
        hasher = self._hasher(purpose)
        found: list[str | None] = []
        for value in values:
            if value is None or value == "":
                found.append(None)
                continue
            cached = cache.get(value)
            if cached is None:
                digest = hasher.copy()
                digest.update(value.encode())
                cached = cache[value] = digest.hexdigest()
            found.append(cached)
        return found

    def key_array(self, purpose: str, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Hash an Arrow string column, once per distinct value (exports repeat ids a lot)."""
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        hashed = pa.array(self.keys(purpose, encoded.dictionary.to_pylist()), pa.string())
        return pc.take(hashed, encoded.indices)
