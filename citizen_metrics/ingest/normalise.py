"""Normalise hand-typed field values (French or Arabic) into canonical Python values.

Registers and paper-era files are typed by clerks: the same answer arrives as ``F``, ``femme``,
``امرأة``; a phone as ``06 12 34 56 78`` or ``+212612345678``; an age as ``34``, ``34.0`` or
``٣٤``. Everything here is a pure function (no I/O), so validation and matching code can rely on
one definition of "the same value". Readers apply them once per distinct value of a column
(`citizen_metrics.ingest.readers.values.map_distinct`); dates and times have their own parser there.

Conventions for every scalar function: the argument is any object; ``None``, ``NaN`` and blank
strings are *missing* and give ``None``; so does anything unparseable (the caller decides
whether that is an error).
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping

import phonenumbers

__all__ = [
    "CodeList",
    "ascii_digits",
    "clean_text",
    "normalise_name",
    "normalise_phone",
    "parse_int",
]

# --------------------------------------------------------------------------------------------
# Characters

_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_DIGITS[0x066B] = "."  # ARABIC DECIMAL SEPARATOR
_DIGIT_TABLE = str.maketrans(_DIGITS)

# Invisible format characters that phones and Arabic Excel leave in copied text (bidi marks,
# zero-width space, BOM, soft hyphen). They make equal-looking strings unequal. ZWJ/ZWNJ are kept
# by clean_text (they can carry meaning in free text) and dropped by normalise_name.
_INVISIBLE = "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_INVISIBLE += "\u2066\u2067\u2068\u2069\ufeff"
_INVISIBLE_TABLE = str.maketrans(dict.fromkeys(map(ord, _INVISIBLE)))

# Arabic marks kept through NFKD so that NFC can rebuild hamza/madda letters (ؤ ئ …).
_HAMZA_MADDA = frozenset("\u0653\u0654\u0655")
_ARABIC_TABLE = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "\u0640": None,  # tatweel (kashida), typed to stretch words
    }
)
# Apostrophe-like "modifier letters" (category Lm) that are punctuation in names: N'isly, N’isly.
_APOSTROPHES = frozenset("\u02b9\u02bb\u02bc\u02bd\u02be\u02bf")


def _is_missing(value: object) -> bool:
    """True for None and a float NaN."""
    if value is None:
        return True
    return isinstance(value, float) and math.isnan(value)


def _is_bool(value: object) -> bool:
    """A boolean, Python's or NumPy's (`numpy.bool_` is no `bool`)."""
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def ascii_digits(text: str) -> str:
    """Turn Arabic-Indic (U+0660–0669) and Eastern Arabic-Indic (U+06F0–06F9) digits into ASCII.

    The Arabic decimal separator (U+066B) becomes ``.``; everything else is left alone, so the
    result can still be validated as a whole (``٣٤ سنة`` stays non-numeric).
    """
    return text.translate(_DIGIT_TABLE)


def clean_text(value: object) -> str | None:
    """Return ``str(value)`` in NFC, stripped, internal whitespace (incl. NBSP) collapsed.

    Invisible bidi/zero-width marks and BOMs are removed too. Blank or missing gives ``None``.
    """
    if _is_missing(value):
        return None
    text = unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE_TABLE)
    text = " ".join(text.split())  # str.split() splits on every Unicode space, NBSP included
    return text or None


# --------------------------------------------------------------------------------------------
# Names and phones (person matching, docs/methodology.md §4)


def normalise_name(value: object) -> str | None:
    """Matching key for a person's name: case, accents, spacing and spelling variants removed.

    Steps: NFKD (also unfolds ligatures and Arabic presentation forms), casefold, drop combining
    marks (Latin accents and Arabic tashkeel U+064B–U+0652, U+0670), drop tatweel, unify the
    Arabic variants of docs/methodology.md §4 (أ إ آ and ٱ → ا, ة → ه, ى → ي), turn punctuation and
    symbols (``.`` ``-`` ``'`` ``،`` …) into spaces, collapse spaces.

    Deliberately *not* done: ؤ → و and ئ → ي (not in §4). A naive "NFKD + drop marks" would fold
    them, because their hamza decomposes to a combining mark, so hamza/madda marks are kept
    through NFKD and recomposed. Digits are kept (as ASCII).
    """
    text = clean_text(value)
    if text is None:
        return None
    # NFKD both before and after casefold: casefold can create decomposable characters and NFKD
    # can create upper-case ones (℃ → °C); doing both keeps the function idempotent.
    text = unicodedata.normalize("NFKD", ascii_digits(text)).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if c in _HAMZA_MADDA or unicodedata.category(c) != "Mn")
    text = unicodedata.normalize("NFC", text).translate(_ARABIC_TABLE)
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category[0] in "PSZ" or char in _APOSTROPHES:
            out.append(" ")
        elif category[0] == "C" or category in ("Mn", "Me"):
            continue  # format/control characters and any stray hamza left uncomposed
        else:
            out.append(char)
    return " ".join("".join(out).split()) or None


_PHONE_SPLIT = re.compile(r"[/;,|&\n]|\s(?:ou|et|or|و)\s", re.IGNORECASE)
_EXCEL_FLOAT = re.compile(r"(\+?\d+)\.0+")
_MA_PREFIXES = ("00212", "212", "0")


def _strip_ma_prefixes(digits: str) -> str | None:
    """Fallback: drop leading 00212 / 212 / 0 while the number is longer than a Moroccan NSN."""
    changed = True
    while changed and len(digits) > 9:
        changed = False
        for prefix in _MA_PREFIXES:
            if digits.startswith(prefix):
                digits = digits[len(prefix) :]
                changed = True
                break
    return digits if len(digits) >= 9 else None


def _phone_one(text: str) -> str | None:
    digits = re.sub(r"\D", "", text)
    if len(digits) < 9:
        return None
    # Letters are removed first: phonenumbers would read them as a keypad ("fatima" → 328462).
    candidate = ("+" if text.lstrip().startswith("+") else "") + digits
    try:
        number = phonenumbers.parse(candidate, "MA")
    except phonenumbers.NumberParseException:
        return _strip_ma_prefixes(digits)
    nsn = phonenumbers.national_significant_number(number)
    if number.country_code == 212 and len(nsn) != 9:
        return _strip_ma_prefixes(nsn)  # e.g. 0212 6…: a prefix typed twice
    return nsn if len(nsn) >= 9 else None


def normalise_phone(value: object) -> str | None:
    """Phone number as its national significant number, e.g. ``612345678``.

    Choice: parse with ``phonenumbers`` (region ``MA``), which handles ``0…``, ``+212…``,
    ``00212…``, ``212…`` without ``+``, ``+212 (0)6…`` and separators, and return the digits
    without trunk 0 or country code (also for foreign numbers, per docs/methodology.md §4: "country
    prefix removed"). Excel floats (``612345678.0``) and Arabic-Indic digits are accepted.
    Letters are ignored, not read as a keypad. When a cell holds two numbers (``06… / 07…``),
    the first is used. If phonenumbers cannot parse the digits, fall back to digits only with a
    leading ``00212``/``212``/``0`` removed. Fewer than 9 digits left gives ``None``.
    """
    if _is_missing(value) or _is_bool(value):
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        number = float(value)
        if not math.isfinite(number) or not number.is_integer():
            return None
        value = int(number)
    text = clean_text(value)
    if text is None:
        return None
    text = ascii_digits(text)
    if match := _EXCEL_FLOAT.fullmatch(text):
        text = match.group(1)
    chunks = [c for c in _PHONE_SPLIT.split(text) if len(re.sub(r"\D", "", c)) >= 9]
    return _phone_one(chunks[0] if chunks else text)


# --------------------------------------------------------------------------------------------
# Categorical answers


_INT_TEXT = re.compile(r"[+-]?\d+(?:\.0{1,2}|,0{1,2})?")


def _category_key(value: object) -> str | None:
    """Lookup key for a coded answer: booleans as true/false, whole numbers as digits, text as
    :func:`normalise_name` (so case, accents, hamza/ta marbuta variants do not matter)."""
    if _is_missing(value):
        return None
    if _is_bool(value):
        return "true" if value else "false"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return None
    text = clean_text(value)
    if text is None:
        return None
    text = ascii_digits(text)
    if _INT_TEXT.fullmatch(text):
        return str(int(text.replace(",", ".").split(".")[0]))
    return normalise_name(text)


def _lookup(value: object, table: Mapping[str, str]) -> str | None:
    """Map a coded answer; a multi-word answer counts when every word maps to the same code
    (``Femme / امرأة``), so an unknown word (``لا أعرف``, "I don't know") never slips through."""
    key = _category_key(value)
    if key is None:
        return None
    if key in table:
        return table[key]
    words = key.split()
    if len(words) > 1 and all(w in table for w in words):
        codes = {table[w] for w in words}
        if len(codes) == 1:
            return codes.pop()
    return None


def _table(codes: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Build a lookup table, normalising the spellings the same way as the input."""
    table: dict[str, str] = {}
    for code, spellings in codes.items():
        for spelling in spellings:
            key = _category_key(spelling)
            if key is None or table.get(key, code) != code:
                raise ValueError(f"ambiguous spelling {spelling!r}")
            table[key] = code
    return table


class CodeList:
    """A code list and the spellings clerks type for each code (`vocabularies.yaml`): sex
    (``F``, ``Femme``, ``امرأة``, ``H``, ``M`` for *masculin*…), yes/no, residence.

    ``parse`` maps a typed value to its code: case, accents, spaces and Arabic letter
    variants do not matter, whole numbers are their digits (``1.0`` is ``1``), a multi-word
    answer counts when every word means the same code (``Femme / امرأة``). Anything else is
    None: an unknown answer is never guessed.
    """

    def __init__(self, spellings: Mapping[str, Iterable[str]]) -> None:
        self._table = _table(spellings)

    def parse(self, value: object) -> str | None:
        return _lookup(value, self._table)


# --------------------------------------------------------------------------------------------
# Numbers


def parse_int(value: object) -> int | None:
    """Integer from an int, a whole float (``34.0``) or text (``" 34 "``, ``٣٤``, ``34,0``).

    Booleans, fractions (``34.5``), internal spaces (``3 4``: a typo, not thirty-four) and
    words (``34 ans``) give None: an age that is "not an integer" must be caught, not guessed.
    """
    if _is_missing(value) or _is_bool(value):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() else None
    text = clean_text(value)
    if text is None:
        return None
    text = ascii_digits(text)
    if not _INT_TEXT.fullmatch(text):
        return None
    return int(text.replace(",", ".").split(".")[0])
