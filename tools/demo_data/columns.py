"""Columns of the demo data, and their vectorised rendering into output cells.

Part of the demo generator (`tools.demo_data`). Why a module of its own: the generator must
reach a million responses, so every answer is held as a column, either `Col` (integer codes
into a small array of distinct values) or `TextCol` (fixed-width bytes, for mostly distinct
ASCII values such as ids, times and phone numbers), and every per-value transformation
(quoting, encoding, labels, XML cells) runs once per distinct value, not once per row. The
simulation modules (`population`, `answers`, `planted`, `survey`) fill such columns;
`file_shapes` renders them into lines through a `Renderer` (a CSV style, an XLSX cell), with
runs of adjacent columns rendered once per combination of values (`cell_groups`).

Also here, built digit by digit in numpy rather than one Python call per row: ISO 8601 times,
Morocco's UTC offsets (tz database), seeded version-4 UUIDs and Moroccan phone numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, cast
from zoneinfo import ZoneInfo

import numpy as np

# Device times are Moroccan local time: UTC+1, but UTC+0 during Ramadan (tz database).
LOCAL_ZONE = ZoneInfo("Africa/Casablanca")


class Col:
    """A categorical column: integer codes into a small array of distinct string values.

    A million rows by ~120 columns stay small in memory, and every per-value transformation
    (quoting, encoding, labels, XML cells) runs once per distinct value, not once per row.
    """

    __slots__ = ("_cache", "cats", "codes")

    def __init__(self, codes: np.ndarray, cats: Iterable[str]) -> None:
        self.cats = np.array(list(cats), dtype=object)
        dtype = np.int16 if len(self.cats) < 30_000 else np.int32
        self.codes = np.asarray(codes).astype(dtype, copy=False)
        self._cache: dict[Renderer, np.ndarray] = {}

    @classmethod
    def const(cls, n: int, value: str) -> Col:
        return cls(np.zeros(n, np.int16), [value])

    @classmethod
    def from_values(cls, values: Sequence[str] | np.ndarray) -> Col:
        cats, codes = np.unique(np.asarray(values, dtype=object), return_inverse=True)
        return cls(codes, cats)

    def __len__(self) -> int:
        return len(self.codes)

    def values(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.cats[self.codes[rows]]

    def code(self, value: str) -> int:
        hits = np.flatnonzero(self.cats == value)
        if len(hits):
            return int(hits[0])
        self.cats = np.append(self.cats, np.array([value], dtype=object))
        if self.codes.dtype == np.int16 and len(self.cats) > np.iinfo(np.int16).max:
            self.codes = self.codes.astype(np.int32)
        self._cache.clear()
        return len(self.cats) - 1

    def put(self, rows: np.ndarray, value: str) -> None:
        self.codes[rows] = self.code(value)

    def equals(self, value: str) -> np.ndarray:
        hits = np.flatnonzero(self.cats == value)
        return self.codes == hits[0] if len(hits) == 1 else np.isin(self.codes, hits)

    def take(self, rows: np.ndarray) -> Col:
        return Col(self.codes[rows], self.cats)

    def mapped(self, fn: Callable[[str], str]) -> Col:
        """The column with ``fn`` applied to its values (equal results share one category)."""
        cats, inverse = np.unique(np.array([fn(c) for c in self.cats], dtype=object),
                                  return_inverse=True)
        return Col(inverse[self.codes], cats)

    def rendered(self, renderer: Renderer) -> np.ndarray:
        """Every category as an output cell (bytes), computed once per renderer."""
        if renderer not in self._cache:
            self._cache[renderer] = np.array([renderer.one(c) for c in self.cats], dtype=object)
        return self._cache[renderer]

    def render(self, rows: np.ndarray, renderer: Renderer) -> np.ndarray:
        """Cells of ``rows`` as bytes (object array)."""
        return self.rendered(renderer)[self.codes[rows]]


class TextCol:
    """A column of mostly distinct ASCII values (ids, times, phone numbers) held as a fixed-width
    bytes array: a million cost a few dozen MB and are quoted or wrapped in vectorised steps."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray) -> None:
        self.data = np.asarray(data).astype("S", copy=False)

    def __len__(self) -> int:
        return len(self.data)

    def values(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.data[rows].astype(str).astype(object)

    def take(self, rows: np.ndarray) -> TextCol:
        return TextCol(self.data[rows])

    def put(self, rows: np.ndarray, value: str) -> None:
        encoded = value.encode("ascii")
        if len(encoded) > self.data.dtype.itemsize:
            self.data = self.data.astype(f"S{len(encoded)}")
        self.data[rows] = encoded

    def equals(self, value: str) -> np.ndarray:
        return self.data == value.encode("ascii")

    def render(self, rows: np.ndarray, renderer: Renderer) -> np.ndarray:
        data = self.data[rows]
        cells = renderer.many(data)
        if cells is None:  # only for small files (e.g. UTF-16): render one by one
            return np.array([renderer.one(v) for v in data.astype(str)], dtype=object)
        return cells.astype(object)


Column = Col | TextCol


class Renderer(Protocol):
    """Turns values into output cells (bytes): one at a time, or many at once when it can."""

    def one(self, value: str) -> bytes: ...

    def many(self, data: np.ndarray) -> np.ndarray | None: ...


def choice_col(index: np.ndarray, names: Sequence[str]) -> Col:
    """Codes 0..k-1 point into ``names``; -1 (or anything outside) becomes the empty string."""
    index = np.where((index >= 0) & (index < len(names)), index, len(names))
    return Col(index, [*names, ""])


def _ascii_rows(mat: np.ndarray) -> np.ndarray:
    """(n, k) uint8 ASCII codes to an array of n fixed-width byte strings, in C loops."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    return mat.view(f"S{mat.shape[1]}").ravel()


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero-padded."""
    return (values[:, None] // 10 ** np.arange(width - 1, -1, -1) % 10 + ord("0")).astype(np.uint8)


def iso(times: np.ndarray, unit: str, suffix: bytes = b"") -> np.ndarray:
    """ISO 8601 text (``D``, ``s`` or ``ms``) as bytes, '' for NaT; built digit by digit
    because ``np.datetime_as_string`` costs a microsecond a value."""
    nat = np.isnat(times)
    ms = np.where(nat, 0, times.astype("datetime64[ms]").astype(np.int64))
    day, rest = np.divmod(ms, 86_400_000)
    days, inverse = np.unique(day, return_inverse=True)
    text = np.datetime_as_string(days.astype("datetime64[D]")).astype("S10")
    parts = [np.frombuffer(text.tobytes(), np.uint8).reshape(-1, 10)[inverse]]
    n = len(ms)

    def const(chars: bytes) -> np.ndarray:
        return np.broadcast_to(np.frombuffer(chars, np.uint8), (n, len(chars)))

    if unit in ("s", "ms"):
        hour, rest = np.divmod(rest, 3_600_000)
        minute, rest = np.divmod(rest, 60_000)
        second, milli = np.divmod(rest, 1000)
        parts += [const(b"T"), _digits(hour, 2), const(b":"), _digits(minute, 2), const(b":"),
                  _digits(second, 2)]
        if unit == "ms":
            parts += [const(b"."), _digits(milli, 3)]
    if suffix:
        parts.append(const(suffix))
    out = _ascii_rows(np.concatenate(parts, axis=1)).copy()
    out[nat] = b""
    return out


def _utc_offset(local: np.ndarray) -> np.ndarray:
    """Morocco's offset from UTC at each local time (``timedelta64[ms]``, 0 for NaT), from the
    tz database, looked up once per distinct local hour."""
    hours = local.astype("datetime64[h]")
    known = ~np.isnat(hours)
    distinct, inverse = np.unique(hours[known], return_inverse=True)
    offsets = np.array([
        (datetime.fromisoformat(str(h)).replace(tzinfo=LOCAL_ZONE).utcoffset() or timedelta())
        // timedelta(milliseconds=1) for h in distinct.astype("datetime64[s]")
    ], np.int64)
    out = np.zeros(len(local), np.int64)
    out[known] = offsets[inverse]
    return out.astype("timedelta64[ms]")


def to_utc(local: np.ndarray) -> np.ndarray:
    return local - _utc_offset(local)


def iso_local(times: np.ndarray) -> np.ndarray:
    """Local times as Kobo writes ``start`` and ``end``: ISO with the device's offset."""
    offset = _utc_offset(times).astype(np.int64) // 3_600_000
    suffix = np.where(offset >= 0, b"+", b"-")
    hours = np.abs(offset).astype("S2")
    signed: np.ndarray = np.strings.add(suffix, np.strings.zfill(hours, 2))  # bytes, b"+01"
    suffix = np.strings.add(signed, b":00")
    text = np.strings.add(iso(times, "ms"), suffix)
    return np.where(np.isnat(times), b"", text)


def uuid4(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random (seeded) version-4 UUIDs, as bytes."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((n, 32), np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = b >> 4, b & 0x0F
    out = np.full((n, 36), ord("-"), np.uint8)
    out[:, [i for i in range(36) if i not in (8, 13, 18, 23)]] = np.frombuffer(
        b"0123456789abcdef", np.uint8)[nibbles]
    return _ascii_rows(out)


def random_token(rng: np.random.Generator, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), length))


def phone_digits(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 10) ASCII digits of Moroccan mobile numbers, 06… or 07…"""
    d = rng.integers(0, 10, size=(n, 10), dtype=np.uint8)
    d[:, 0], d[:, 1] = 0, np.where(rng.random(n) < 0.75, 6, 7)
    return d + ord("0")


def format_phones(digits: np.ndarray, fmt: np.ndarray) -> np.ndarray:
    """Digits typed as ``06 12 34 56 78`` (fmt 0), ``+212612345678`` (1) or ``0612345678`` (2)."""
    n = len(digits)
    spaced = np.full((n, 14), ord(" "), np.uint8)
    spaced[:, [0, 1, 3, 4, 6, 7, 9, 10, 12, 13]] = digits
    intl = np.concatenate([np.tile(np.frombuffer(b"+212", np.uint8), (n, 1)), digits[:, 1:]], 1)
    out = np.zeros(n, "S14")
    for k, mat in enumerate((spaced, intl, digits)):
        rows = np.flatnonzero(fmt == k)
        out[rows] = _ascii_rows(mat[rows])
    return out


def format_phone(digits: str, fmt: int) -> str:
    if fmt == 0:
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return "+212" + digits[1:] if fmt == 1 else digits


def _join_rows(arrays: Sequence[np.ndarray], sep: bytes) -> np.ndarray:
    n = len(arrays[0]) if len(arrays) else 0
    return np.fromiter(map(sep.join, zip(*arrays, strict=True)), dtype=object, count=n)


GROUP_LIMIT = 4096
Cell = tuple[Column, Renderer]


def cell_groups(cells: Sequence[Cell]) -> list[list[Cell]]:
    """Runs of adjacent categorical columns with few enough value combinations to be rendered
    once per combination: each row is then joined from ~20 pieces instead of ~120."""
    groups: list[list[Cell]] = []
    size = GROUP_LIMIT + 1
    for col, renderer in cells:
        k = len(col.cats) if isinstance(col, Col) else GROUP_LIMIT + 1
        if groups and size * k <= GROUP_LIMIT:
            groups[-1].append((col, renderer))
            size *= k
        else:
            groups.append([(col, renderer)])
            size = k
    return groups


def _render_group(group: list[Cell], rows: np.ndarray, sep: bytes) -> np.ndarray:
    if len(group) == 1:
        col, renderer = group[0]
        return col.render(rows, renderer)
    categorical = [(cast(Col, col), renderer) for col, renderer in group]  # see cell_groups
    code = np.zeros(len(rows), np.int64)
    for col, _ in categorical:
        code = code * len(col.cats) + col.codes[rows]
    combos, inverse = np.unique(code, return_inverse=True)
    parts = []
    for col, renderer in reversed(categorical):
        combos, digit = np.divmod(combos, len(col.cats))
        parts.append(col.rendered(renderer)[digit])
    return _join_rows(parts[::-1], sep)[inverse]


def render_rows(groups: list[list[Cell]], rows: np.ndarray, sep: bytes) -> np.ndarray:
    """One line (bytes, without its end) per row."""
    return _join_rows([_render_group(g, rows, sep) for g in groups], sep)
