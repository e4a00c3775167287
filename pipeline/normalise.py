"""Normalise hand-typed field values (French or Arabic) into canonical Python values.

Registers and paper-era files are typed by clerks: the same answer arrives as ``F``, ``femme``,
``امرأة``; a phone as ``06 12 34 56 78`` or ``+212612345678``; an age as ``34``, ``34.0`` or
``٣٤``. Everything here is a pure function (no I/O), so validation and matching code can rely on
one definition of "the same value".

Conventions for every scalar function: the argument is any object; ``None``, ``NaN``, ``pd.NA``,
``pd.NaT`` and blank strings are *missing* and give ``None``; so does anything unparseable (the
caller decides whether that is an error). :func:`map_series` applies a scalar function to a
column once per distinct value.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers

__all__ = [
    "CodeList",
    "ascii_digits",
    "clean_text",
    "map_series",
    "normalise_name",
    "normalise_phone",
    "parse_date",
    "parse_datetime",
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
    """True for None, NaN, pd.NA, NaT (scalars only; containers are never missing)."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_bool(value: object) -> bool:
    return isinstance(value, (bool, np.bool_))


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
# Names and phones (person matching, INDICATORS.md §4)


def normalise_name(value: object) -> str | None:
    """Matching key for a person's name: case, accents, spacing and spelling variants removed.

    Steps: NFKD (also unfolds ligatures and Arabic presentation forms), casefold, drop combining
    marks (Latin accents and Arabic tashkeel U+064B–U+0652, U+0670), drop tatweel, unify the
    Arabic variants of INDICATORS.md §4 (أ إ آ and ٱ → ا, ة → ه, ى → ي), turn punctuation and
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
    without trunk 0 or country code (also for foreign numbers, per INDICATORS.md §4: "country
    prefix removed"). Excel floats (``612345678.0``) and Arabic-Indic digits are accepted.
    Letters are ignored, not read as a keypad. When a cell holds two numbers (``06… / 07…``),
    the first is used. If phonenumbers cannot parse the digits, fall back to digits only with a
    leading ``00212``/``212``/``0`` removed. Fewer than 9 digits left gives ``None``.
    """
    if _is_missing(value) or _is_bool(value):
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if not math.isfinite(value) or not float(value).is_integer():
            return None
        value = int(value)
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
# Numbers and dates


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


_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # 1900 date system, past the fake 1900-02-29
_EXCEL_MIN, _EXCEL_MAX = 20_000, 80_000  # 1954-10-03 … 2119-01-10
_TIME = (
    r"(?:[T\s]+(?P<H>\d{1,2})[:hH](?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DAY_FIRST = re.compile(
    r"(?P<d>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})" + _TIME,
    re.IGNORECASE,
)
_YEAR_FIRST = re.compile(
    r"(?P<y>\d{4})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})" + _TIME,
    re.IGNORECASE,
)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def _excel_serial(value: object) -> float | None:
    """The number if it is an Excel serial in the plausible range, else None."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) and _EXCEL_MIN <= number <= _EXCEL_MAX else None


def _parse_text(text: str) -> dt.datetime | float | None:
    """Text as a datetime (aware if it had an offset) or as an Excel serial number."""
    text = ascii_digits(text)
    if _SERIAL_TEXT.fullmatch(text):
        return _excel_serial(float(text))
    match = _DAY_FIRST.fullmatch(text) or _YEAR_FIRST.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    tz: dt.tzinfo | None = None
    if parts["tz"]:
        offset = parts["tz"].upper()
        if offset == "Z":
            tz = dt.UTC
        else:
            digits = offset[1:].replace(":", "")
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            if delta >= dt.timedelta(hours=24):
                return None
            tz = dt.timezone(-delta if offset[0] == "-" else delta)
    try:
        return dt.datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            int((parts["f"] or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:  # 31/02/2022, 25:00 …
        return None


def parse_date(value: object) -> dt.date | None:
    """Calendar date from a date/datetime/Timestamp, an Excel serial or text.

    Text is ``JJ/MM/AAAA``, ``J/M/AAAA``, ``JJ-MM-AAAA``, ``JJ.MM.AAAA`` (always day first: the
    clerks are French-speaking) or ``AAAA-MM-JJ`` / ``AAAA/MM/JJ``, optionally followed by a time
    and offset; Arabic-Indic digits are accepted. The date is the one *written* (an offset is not
    applied). Excel serials (1900 system, 44621 → 2022-03-01) count only between 20000 and 80000
    so that stray numbers are not read as dates. Two-digit years and impossible dates → None.
    """
    if _is_missing(value) or _is_bool(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, numbers.Real):
        serial = _excel_serial(value)
    else:
        text = clean_text(value)
        parsed = _parse_text(text) if text is not None else None
        if isinstance(parsed, dt.datetime):
            return parsed.date()
        serial = parsed
    if serial is None:
        return None
    return (_EXCEL_EPOCH + dt.timedelta(days=math.floor(serial))).date()


def parse_datetime(value: object) -> pd.Timestamp | None:
    """UTC-aware timestamp from a datetime/Timestamp/date, an Excel serial or text.

    Offsets are applied (``2022-03-14T10:02:11.000+01:00`` → 09:02:11 UTC). Naive values are
    taken as UTC, which is right for Kobo's ``_submission_time``; a caller holding local times
    must localise them itself. Excel serials are rounded to the millisecond (Excel's precision;
    the float otherwise leaves …59.999997). Text follows :func:`parse_date` (day first).
    """
    if _is_missing(value) or _is_bool(value):
        return None
    moment: dt.datetime | float | None
    if isinstance(value, (dt.datetime, np.datetime64)):
        moment = pd.Timestamp(value)
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, numbers.Real):
        moment = _excel_serial(value)
    else:
        text = clean_text(value)
        moment = _parse_text(text) if text is not None else None
    if moment is None:
        return None
    if isinstance(moment, float):
        # Excel keeps milliseconds; rounding removes float noise (…59.999997).
        millis = round(moment * 86_400_000)
        moment = pd.Timestamp(_EXCEL_EPOCH) + pd.Timedelta(milliseconds=millis)
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# --------------------------------------------------------------------------------------------
# Columns


def _kind(value: object) -> object:
    """What, besides equality, must match for two values to share a result: their type (so 1,
    1.0 and True are not merged, as hashing would) and the sign of a float zero."""
    if isinstance(value, float) and value == 0.0 and math.copysign(1.0, value) < 0:
        return "-0.0"
    return type(value)


def _distinct(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 = missing) and one representative value per code."""
    if series.dtype == object:
        values = series.to_numpy()
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return _distinct_typed(values)
    elif pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        if bool(np.any((values == 0) & np.signbit(values))):
            return _distinct_typed(values.astype(object))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _distinct_typed(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like factorize, but values of different kinds (see :func:`_kind`) stay distinct."""
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    positions = np.flatnonzero(codes >= 0)
    kind_codes, kinds = pd.factorize(np.frompyfunc(_kind, 1, 1)(values[positions]))
    combined, _ = pd.factorize(codes[positions].astype(np.int64) * len(kinds) + kind_codes)
    final = np.full(len(values), -1, dtype=np.intp)
    final[positions] = combined
    first = np.empty(int(combined.max()) + 1 if len(combined) else 0, dtype=np.intp)
    first[combined] = positions  # any occurrence is a valid representative
    return final, values[first]


def map_series(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply a scalar function once per *distinct* value of ``series`` and broadcast the result.

    A register column of a million rows holds a few dozen spellings, so this costs a factorize
    and a few dozen calls. Values are distinct when they differ or have different types
    (``1``, ``1.0`` and ``True`` are three values). Missing inputs (None, NaN, pd.NA, NaT) are
    not passed to ``func``. The result is always ``object`` dtype with the same index and name,
    and missing is always ``None`` (for missing input and wherever ``func`` returns None);
    callers convert with ``.astype(...)`` if they want a typed column.
    """
    out = np.full(len(series), None, dtype=object)
    if len(series):
        try:
            codes, representatives = _distinct(series)
        except TypeError:  # unhashable values (lists…): fall back to one call per element
            values = series.to_numpy(dtype=object)
            for i, item in enumerate(values):
                out[i] = None if _is_missing(item) else func(item)
        else:
            results = np.empty(len(representatives), dtype=object)
            for i, item in enumerate(representatives):
                results[i] = func(item)
            valid = codes >= 0
            out[valid] = results[codes[valid]]
    return pd.Series(out, index=series.index, name=series.name, dtype=object)
