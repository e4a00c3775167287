"""Whole numbers of people: what trying every combination of a few suppressed cells reveals.

The attacker's linear program (`citizen_metrics.disclosure.attacker.ranges`) treats a suppressed
numerator as any real number in its range. It is a count of people: a whole number. Most sums have
unit terms, and their whole-number solutions fill the range. A weighted figure does not: a
province's weighted numerator is its communes' numerators times their public weights (2024
population over responses, 30 to 900 here). With two or three communes suppressed under a
published weighted figure and its published unweighted twin, the linear range of each can
be wide while a single combination of whole numbers reproduces both published figures:

    3 suppressed communes of one province, with public weights 3,209, 2,102 and 704
    (population over respondents) and 8, 5 and 6 women rated; the province's women
    published: 9 satisfied of 19, and 56 % weighted (to a whole point). By linear
    programming the first commune's women keep 4 to 6 satisfied; of the whole-number
    triples summing to 9, only (6, 1, 2) gives a weighted share that rounds to 56 %.
    (`tests/unit/test_disclosure.py` works it out both ways.)

`pinned_terms` plays that attacker on every published weighted figure with at most
`MAX_TERMS` suppressed terms: it lists every combination of whole numbers the terms can take
(between 0 and their ceilings), keeps those that reproduce the weighted figure within its
rounding and the unweighted twin exactly, and reports each term whose values then span
less than it must. The auditor runs it on the tables about to be published, and a term
pinned stops the publication. The pattern search plays the same attack on the true figures
before anything is published, and withholds each weighted figure it finds pinning a commune
(`citizen_metrics.disclosure.protection.pinned_weighted`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citizen_metrics.disclosure.model import FamilyFigures
from citizen_metrics.disclosure.pattern import Measure

# The most suppressed terms tried at once, and the most combinations: beyond them, whole
# numbers fill the linear range (and an attacker could not try them all either).
MAX_TERMS = 4
MAX_COMBINATIONS = 2_000_000
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Pinned:
    """A suppressed term that whole numbers pin more tightly than required."""

    weighted_figure: int
    term: int
    low: float
    high: float
    required: float


def pinned_terms(figures: FamilyFigures, measure: Measure, hidden: np.ndarray,
                 required: np.ndarray) -> list[Pinned]:
    """The suppressed cells that whole numbers pin too tightly under a published weighted
    figure of a province (`required`: the width each suppressed cell must keep, 0 for none)."""
    weighted = figures.weighted
    if weighted is None:
        return []
    size = figures.cell_count
    low, high = measure.bounds(hidden)
    children = weighted.children.tocsr()
    found: list[Pinned] = []
    for k in range(weighted.size):
        figure = size + k
        row = children[k]
        terms, weights = row.indices, row.data
        if hidden[figure] or not len(terms) or (terms >= size).any():
            continue  # suppressed, empty, or the region's (a sum of provinces' figures)
        unknown = high[terms] - low[terms] > _TOLERANCE
        if not unknown.any() or unknown.sum() > MAX_TERMS:
            continue
        if not (required[terms[unknown]] > 0).any():
            continue
        known = float(np.dot(weights[~unknown], low[terms[~unknown]]))
        twin = weighted.cells[k]
        total = None
        if not hidden[twin] and high[twin] - low[twin] <= _TOLERANCE:
            total = float(low[twin]) - float(low[terms[~unknown]].sum())
        result = _combinations(low[terms[unknown]], high[terms[unknown]], weights[unknown],
                               low[figure] - known, high[figure] - known, total)
        if result is None:
            continue
        smallest, largest = result
        for term, lo, hi in zip(terms[unknown], smallest, largest, strict=True):
            if required[term] > 0 and hi - lo < required[term] - 1e-9:
                found.append(Pinned(figure, int(term), float(lo), float(hi),
                                    float(required[term])))
    return found


def _combinations(low: np.ndarray, high: np.ndarray, weights: np.ndarray,
                  weighted_low: float, weighted_high: float, total: float | None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The smallest and largest whole value of each term over the combinations of whole
    numbers within their bounds whose weighted sum lies between `weighted_low` and
    `weighted_high` (and whose plain sum is `total`, when known); None when there are too
    many combinations to try.

    The combinations are a grid (one axis per free term, the last term following from the
    plain sum when it is known): the weighted and plain sums are built on it by adding one
    axis at a time, and a term's values are those of its axis where some combination is
    feasible. No list of combinations is built, so a grid of two million costs one pass of
    additions and comparisons."""
    low = np.ceil(low - _TOLERANCE)
    high = np.floor(high + _TOLERANCE)
    free = len(low) - (1 if total is not None else 0)
    sizes = (high[:free] - low[:free] + 1).astype(np.int64)
    if np.prod(sizes.astype(float)) > MAX_COMBINATIONS:
        return None
    if (sizes <= 0).any():
        return None
    axes = [np.arange(low[i], high[i] + 1) for i in range(free)]
    shape = tuple(int(n) for n in sizes)
    weighted = np.zeros(shape)
    plain = np.zeros(shape)
    for i, values in enumerate(axes):
        along = [1] * free
        along[i] = len(values)
        weighted = weighted + (weights[i] * values).reshape(along)
        plain = plain + values.reshape(along)
    feasible = np.ones(shape, dtype=bool)
    last = None
    if total is not None:
        last = total - plain
        feasible &= (last >= low[-1] - _TOLERANCE) & (last <= high[-1] + _TOLERANCE)
        weighted = weighted + weights[-1] * last
    feasible &= (weighted >= weighted_low - _TOLERANCE) & (weighted <= weighted_high + _TOLERANCE)
    if not feasible.any():
        # The published figures are consistent by construction; the true values are one
        # combination. None found means a term's bounds are wrong: say nothing here.
        return None
    smallest, largest = np.empty(len(low)), np.empty(len(low))
    for i, values in enumerate(axes):
        others = tuple(axis for axis in range(free) if axis != i)
        taken = values[feasible.any(axis=others)] if others else values[feasible]
        smallest[i], largest[i] = taken.min(), taken.max()
    if last is not None:
        taken = last[feasible]
        smallest[-1], largest[-1] = taken.min(), taken.max()
    return smallest, largest
