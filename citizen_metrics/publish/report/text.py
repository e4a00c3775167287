"""French number formats for the report: `7 976`, `54 %`, `+3,2 pts`, `29/11/2026`.

A narrow no-break space separates thousands and precedes units, as French typography does;
the decimal separator is a comma.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

NNBSP = "\u202f"  # narrow no-break space


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def integer(value: object) -> str:
    if _is_missing(value):
        return "—"
    return f"{int(value):,}".replace(",", NNBSP)  # type: ignore[call-overload]


def rounded_percent(share: float, digits: int = 1) -> float:
    """A share as a percentage rounded half away from zero on its decimal value:
    0.4545 → 45.5. The marts publish shares rounded to 4 decimals, so a percentage with one
    decimal often ends on a tie, which binary arithmetic would break the wrong way
    (0.4545 × 100 = 45.449999…)."""
    exact = Decimal(repr(float(share))) * 100
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def percent(share: object, digits: int = 0) -> str:
    """A share (0–1) as a French percentage: 0.5371 → `54 %`."""
    if _is_missing(share):
        return "—"
    value = rounded_percent(float(share), digits)  # type: ignore[arg-type]
    text = f"{value:.{digits}f}".replace(".", ",")
    return f"{text}{NNBSP}%"


def points(gap: object, digits: int = 1) -> str:
    """A difference of shares in percentage points, signed: 0.032 → `+3,2 pts`."""
    if _is_missing(gap):
        return "—"
    value = rounded_percent(float(gap), digits)  # type: ignore[arg-type]
    text = f"{value:+.{digits}f}".replace(".", ",").replace("-", "−")
    return f"{text}{NNBSP}pts"


def decimal(value: object, digits: int = 2) -> str:
    if _is_missing(value):
        return "—"
    return f"{float(value):.{digits}f}".replace(".", ",")  # type: ignore[arg-type]


def date_time(moment: datetime | None) -> str:
    if moment is None:
        return "date inconnue"
    return moment.strftime("%d/%m/%Y à %H:%M")
