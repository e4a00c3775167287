"""Which figures to suppress so that no suppressed one can be worked out from the others.

Primary suppression leaves empty every estimate resting on fewer than `threshold` people
(docs/methodology.md §5). That alone protects nothing: a suppressed group's figure is the total
minus its published siblings; a suppressed commune's is its province minus the published communes,
or its province's weighted figure minus the others' weighted numerators; a group whose
published parent is 0 % or 100 % is 0 % or 100 % too. Complementary suppression leaves empty
more figures until every suppressed one keeps a wide enough range of values given everything
published (`width` of its scale, 0.2 by default, for a figure resting on too few people;
at least two whole values for the others), at the least cost (`citizen_metrics.disclosure.costs`).

The search works on a family's figures (`citizen_metrics.disclosure.model`): its cells at every
level and breakdown, and the weighted figures of its provinces and region.

1. **Quick rules**, repeated until nothing changes: a published parent at 0 % or 100 %
   above a suppressed figure is suppressed; a sum with a single suppressed term (two for a
   province's weighted sum, whose unweighted twin gives a second equation), or whose
   suppressed terms cannot absorb each other's changes, suppresses its cheapest published
   term; a suppressed parent whose terms are all published suppresses its cheapest term.
2. **The attacker** (`citizen_metrics.disclosure.attacker.ranges`) computes the range of every
suppressed
   figure given everything published.
3. For each figure still too narrow, a **protection program** (a linear program on HiGHS,
   as in τ-ARGUS's and Fischetti and Salazar's cell suppression) looks for the cheapest way
   to move it by the width it lacks while every sum still holds: moving a suppressed figure
   is free, moving a published one costs its cost (`costs`) and suppresses it. Only
   figures of the cheapest cost step may move; the next step opens only when no move
   exists. The figures it moves are suppressed, and the search goes back to 1.

Only estimates are suppressed: counts stay published (docs/methodology.md §5), and the ranges are
computed knowing every count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from citizen_metrics.disclosure.costs import FigureCosts
from citizen_metrics.disclosure.model import FamilyFigures, PartFigures, positions

Figures = FamilyFigures | PartFigures

DEFAULT_WIDTH = 0.2
MAX_ROUNDS = 200
# How many times complements known in one measure only are tried published at once.
SETTLE_ATTEMPTS = 2
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Measure:
    """A hidden quantity of every figure (the numerator of an estimate): its true values,
    its ceilings (a numerator lies between 0 and its ceiling: the count for a share, 4 times
    the count for a sum of 1–5 scores less their count), what a published figure's rounding
    leaves a reader (`published_low`, `published_high`), and the width each suppressed
    figure's range must reach (`required`)."""

    name: str
    values: np.ndarray
    ceilings: np.ndarray
    published_low: np.ndarray
    published_high: np.ndarray
    required: np.ndarray

    def part(self, keep: np.ndarray | slice) -> Measure:
        """The measure on the figures `keep` (a mask, positions or a slice)."""
        return Measure(self.name, self.values[keep], self.ceilings[keep],
                       self.published_low[keep], self.published_high[keep],
                       self.required[keep])

    def bounds(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What a reader knows of each figure: 0 to its ceiling where suppressed, its
        rounding's band where published."""
        return (np.where(hidden, 0.0, self.published_low),
                np.where(hidden, self.ceilings, self.published_high))


def required_widths(ceilings: np.ndarray, primary: np.ndarray, width: float) -> np.ndarray:
    """How wide a suppressed numerator's range must be: `width` of its scale for a figure
    suppressed because it rests on too few people. A figure suppressed to protect another needs
    nothing for itself while the search runs: if a reader could work it out, suppressing
    it protects nobody, and the search publishes it after all (`release`)."""
    return np.where(primary, width * ceilings, 0.0)


@dataclass
class Protection:
    """The pattern: which figures are suppressed, and why."""

    hidden: np.ndarray
    primary: np.ndarray
    rounds: int = 0
    solves: int = 0
    unprotected: set[int] = field(default_factory=set)
    converged: bool = True
    released: int = 0

    @property
    def reasons(self) -> np.ndarray:
        unset = np.full(len(self.primary), None, dtype=object)
        return np.where(self.primary, "primary",
                        np.where(self.hidden, "complementary", unset)).astype(object)


def protect(
    figures: Figures,
    counts: np.ndarray,
    measures: list[Measure],
    costs: FigureCosts,
    *,
    threshold: int,
    already_hidden: np.ndarray | None = None,
    primary: np.ndarray | None = None,
    exists: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    by_design: np.ndarray | None = None,
    complementary: bool = True,
    release_at_end: bool = True,
    proven_already: np.ndarray | None = None,
) -> Protection:
    """A pattern in which every suppressed figure of every measure keeps its required range.

    By default a figure with nobody behind it has nothing to hide (`exists`: count above
    0), and the figures suppressed first (`primary`) are those resting on fewer people than
    `threshold`. Only `eligible` figures (all by default) are taken as complements. At the
    end, complements a reader can work out are published after all (`release`), unless
    `release_at_end` is false (a part of the family, protected before the whole); figures
    suppressed `by_design` (default: `already_hidden`) are never published. Complements a
    reader can work out in one measure but not another are then published too if that is
    safe, else made uncertain in every measure. Figures `proven_already` wide enough (a
    pattern checked before, now with more suppressed) are not checked again. Without
    `complementary` (`PIPELINE_DISCLOSURE_CONTROL=primary_only`, for
    measuring the rest of the pipeline at a scale where the search would not finish;
    refused in production), only the figures suppressed first are suppressed.
    """
    counts = np.asarray(counts, dtype=float)
    exists = counts > 0 if exists is None else exists
    primary = exists & (counts < threshold) if primary is None else primary & exists
    hidden = primary.copy()
    if already_hidden is not None:
        hidden |= already_hidden & exists
    protection = Protection(hidden=hidden, primary=primary)
    if not complementary:
        return protection
    lines = _LineTable(figures, exists,
                       exists.copy() if eligible is None else eligible & exists)
    ranking = costs.ranking()
    # Suppressing a figure only frees the others, so a range proven wide stays wide: each
    # round checks only the figures suppressed since, and those still too narrow.
    proven = {m.name: (np.zeros_like(hidden) if proven_already is None
                       else proven_already.copy()) for m in measures}
    settled = 0
    once = np.zeros_like(hidden)
    # Figures left for the next round because a figure sharing a sum with them was just
    # found too narrow (its complement will likely free them too): none may be left when
    # the search ends, so a round that adds nothing looks at every figure again.
    patient = False
    for round_number in range(1, MAX_ROUNDS + 1):
        _quick_rules(lines, measures, hidden, ranking)
        more = np.zeros_like(hidden)
        waiting = False
        for measure in measures:
            found, deferred = _narrow_figures(figures, lines, measure, hidden,
                                              proven[measure.name], round_number,
                                              protection, costs.step, defer=not patient)
            waiting |= deferred
            for figure, candidates in found:
                candidates = candidates[lines.eligible[candidates] & ~hidden[candidates]]
                if more[candidates].any():
                    continue  # a figure suppressed this round already frees it
                # When no published figure binds it directly (its suppressed neighbours' own
                # bounds do), open up the published figures sharing a sum with it: all of
                # them where only a few figures may be suppressed (weighted ones), whose
                # combinations a single figure's dual cannot see.
                if not len(candidates):
                    candidates = lines.neighbours(figure, hidden | more)
                    if lines.local and len(candidates):
                        more[candidates] = True
                        continue
                choice = _cheapest(candidates, ranking, measures)
                if choice is None:
                    # Nothing left to suppress around it: the auditor will report it and
                    # its blocking check stop the publication.
                    protection.unprotected.add(int(figure))
                    continue
                more[choice] = True
        protection.rounds = round_number
        if not more.any() and waiting:
            patient = True
            continue
        patient = False
        if not more.any():
            if not release_at_end:
                return protection
            kept_back = by_design if by_design is not None else already_hidden
            # A figure published back once and suppressed again since (a rule needed it)
            # stays suppressed: publishing it again would only start the same round again.
            before = hidden.copy()
            exact = release(figures, measures, hidden, primary | (
                kept_back if kept_back is not None else np.zeros_like(hidden)), protection,
                withheld_again=once)
            once |= before & ~hidden
            partial = np.any(exact, axis=0)
            if not partial.any():
                return protection
            # Complements a reader can work out in one measure but not in another (a
            # satisfied share known exactly, its mean score not): published after all if
            # every figure suppressed for itself stays protected without them; otherwise
            # suppressed, and from now on they must keep two values at least in every
            # measure.
            settled += 1
            trial = hidden & ~partial
            if settled <= SETTLE_ATTEMPTS and _safe(figures, measures, trial, protection):
                hidden &= ~partial
                protection.released += int(partial.sum())
                continue
            measures = [_uncertain(m, determined, figures.integer)
                        for m, determined in zip(measures, exact, strict=True)]
            for m, determined in zip(measures, exact, strict=True):
                proven[m.name] &= ~determined
            continue
        hidden |= more
    # Not settled within the rounds allowed: what is suppressed so far stays suppressed, and
    # the auditor's blocking check will say which figures are still too narrow.
    protection.converged = False
    return protection


def _narrow_figures(figures: Figures, lines: _LineTable, measure: Measure,
                    hidden: np.ndarray, proven: np.ndarray, seed: int,
                    protection: Protection, steps: np.ndarray, *, defer: bool = True,
                    ) -> tuple[list[tuple[int, np.ndarray]], bool]:
    """The suppressed figures whose range is narrower than required, each with the published
    figures that would widen it: those that widen it enough on their own, else the most
    useful of the cheapest cost step that can widen it at all; marks the others proven.
    With `defer`, figures sharing a sum with one already found narrow are left for the
    next round (the second value says whether any was)."""
    low, high = measure.bounds(hidden)
    attacker, kept = figures.program(low, high)
    targets = np.nonzero(hidden & (measure.required > 0) & ~proven)[0]
    position, inside = positions(kept, targets)
    narrow = [(int(f), lines.published_around(f, hidden)) for f in targets[~inside]]
    targets, position = targets[inside], position[inside]
    # One narrow figure per neighbourhood and round: those sharing a sum with a figure
    # found narrow wait (solving them exactly is most of the time, and the complement of
    # the first usually frees them).
    claimed = np.zeros(figures.size, dtype=bool)
    deferred = []

    def wait(at: int) -> bool:
        if claimed[targets[at]]:
            deferred.append(at)
            return True
        return False

    def claim(at: int) -> None:
        claimed[lines.figures_in(lines.sums_of(int(targets[at])))] = True

    ranges = attacker.ranges(position, measure.required[targets],
                             known_point=measure.values[kept], seed=seed,
                             integer=figures.integer[targets],
                             defer=wait if defer else None, narrowed=claim if defer else None)
    protection.solves += ranges.solves
    wide = ranges.widths() >= measure.required[targets] - 1e-9
    proven[targets[wide]] = True
    if deferred:
        proven[targets[deferred]] = False
    rows = lines.rows
    room = np.minimum(measure.values, measure.ceilings - measure.values)
    for at, duals in ranges.binding.items():
        figure = int(targets[at])
        # How far suppressing each published figure would move the bound of each program:
        # its reduced cost (the rows' duals through its coefficients, or its own bound's
        # dual) times how far it can move once suppressed.
        gain = np.zeros(figures.size)
        for row_duals, column_duals in duals:
            full = np.zeros(rows.shape[0])
            full[attacker.row_index] = row_duals
            reduced = np.abs(full @ rows)
            reduced[kept] = np.abs(column_duals)
            gain = np.maximum(gain, reduced * room)
        useful = np.nonzero((gain > _TOLERANCE) & ~hidden & lines.eligible)[0]
        deficit = measure.required[figure] - max(float(ranges.high[at] - ranges.low[at]), 0.0)
        enough = useful[gain[useful] >= deficit - _TOLERANCE]
        # The cheapest figure that widens it enough on its own, else the most useful ones
        # of the cheapest step (a province's figure before the region's, even if the
        # region's would free more at once).
        if not len(enough) and len(useful):
            useful = useful[steps[useful] == steps[useful].min()]
            enough = useful[np.argsort(-gain[useful])[: max(1, len(useful) // 4)]]
        narrow.append((figure, enough))
    return narrow, bool(deferred)


def release(figures: Figures, measures: list[Measure], hidden: np.ndarray,
            kept_back: np.ndarray, protection: Protection, *,
            withheld_again: np.ndarray | None = None) -> list[np.ndarray]:
    """Publish, after all, every complement a reader can work out from what is published
    (in place): in every measure, its range lies within what its own publication would
    say (the band its rounding leaves), the range of a count in whole numbers. Publishing
    it tells nobody anything new, so several can be published together. `kept_back`:
    figures suppressed for themselves; `withheld_again`: complements published once and
    suppressed again since, which stay suppressed (checked like the others all the same).
    Returns, for each measure, the complements still
    suppressed that a reader can recompute exactly in that measure (a satisfied share known
    to one whole number, its mean score not): they must be made uncertain.

    A count known to one whole number but not, in real numbers, within its band (2.4 to
    3.3 satisfied, published as 3 of 7) would still narrow the real ranges the attacker's
    program gives the others: published with it, every other suppressed figure is checked
    again, and if one is no longer protected only the complements known in real numbers
    are published."""
    candidates = hidden & ~kept_back
    within_real, within_whole, exact = [], [], []
    for measure in measures:
        real = np.zeros_like(hidden)
        whole_numbers = np.zeros_like(hidden)
        single = np.zeros_like(hidden)
        low, high = measure.bounds(hidden)
        attacker, kept = figures.program(low, high)
        targets = np.nonzero(candidates)[0]
        position, inside = positions(kept, targets)
        # Not in the program: known to one value already.
        for found in (real, whole_numbers, single):
            found[targets[~inside]] = True
        targets, position = targets[inside], position[inside]
        band = measure.published_high[targets] - measure.published_low[targets]
        whole = figures.integer[targets]
        # Exact ranges, in real numbers, wherever they could lie within the band (for a
        # count, wherever the whole numbers in it could: a real range two wider is sure
        # to hold one whole number more than the band).
        ranges = attacker.ranges(position, band + np.where(whole, 2.0, 1e-4),
                                 known_point=measure.values[kept], integer=whole, exact=True)
        protection.solves += ranges.solves
        lows, highs = ranges.low, ranges.high
        floor_band = measure.published_low[targets] - 1e-6
        ceiling_band = measure.published_high[targets] + 1e-6
        real[targets] = (lows >= floor_band) & (highs <= ceiling_band)
        lowest = np.where(whole, np.ceil(lows - 1e-6), lows)
        highest = np.where(whole, np.floor(highs + 1e-6), highs)
        whole_numbers[targets] = (lowest >= floor_band) & (highest <= ceiling_band)
        # Recomputable: a single whole number (any range at all for a weighted figure).
        single[targets] = np.where(whole, highest - lowest < 1.0 - 1e-9,
                                   highs - lows < 1e-6 * measure.ceilings[targets])
        within_real.append(real)
        within_whole.append(whole_numbers)
        exact.append(single)
    publishable = candidates if withheld_again is None else candidates & ~withheld_again
    releasable = publishable & np.all(within_whole, axis=0)
    known_in_reals = publishable & np.all(within_real, axis=0)
    if (releasable & ~known_in_reals).any():
        trial = hidden & ~releasable
        remaining = trial & ~kept_back
        if _safe(figures, [_uncertain(m, remaining, figures.integer) for m in measures],
                 trial, protection):
            hidden &= ~releasable
            protection.released += int(releasable.sum())
            return [np.zeros_like(hidden) for _ in measures]
        releasable = known_in_reals
    hidden &= ~releasable
    protection.released += int(releasable.sum())
    return [single & ~releasable for single in exact]


def _safe(figures: Figures, measures: list[Measure], hidden: np.ndarray,
          protection: Protection) -> bool:
    """Whether every figure that needs a range keeps it with `hidden` suppressed."""
    for measure in measures:
        low, high = measure.bounds(hidden)
        attacker, kept = figures.program(low, high)
        targets = np.nonzero(hidden & (measure.required > 0))[0]
        position, inside = positions(kept, targets)
        if not inside.all():
            return False
        ranges = attacker.ranges(position, measure.required[targets],
                                 known_point=measure.values[kept],
                                 integer=figures.integer[targets])
        protection.solves += ranges.solves
        if (ranges.widths() < measure.required[targets] - 1e-9).any():
            return False
    return True


def _uncertain(measure: Measure, figures: np.ndarray, integer: np.ndarray) -> Measure:
    """`measure` where `figures` must not be recomputable: two whole values at least for
    a count, any range for a weighted numerator."""
    exact = np.where(integer, np.minimum(1.0, measure.ceilings), 1e-6 * measure.ceilings)
    return Measure(measure.name, measure.values, measure.ceilings, measure.published_low,
                   measure.published_high,
                   np.where(figures, np.maximum(measure.required, exact), measure.required))


def _cheapest(candidates: np.ndarray, ranking: np.ndarray, measures: list[Measure]
              ) -> int | None:
    """The candidate that costs least to suppress (cost step, then cost), preferring
    figures not at 0 % or 100 % (those give a partner no room to move)."""
    if not len(candidates):
        return None
    order = np.lexsort((candidates, ranking[candidates], _extreme(candidates, measures)))
    return int(candidates[order[0]])


class _LineTable:
    """The identities and weighted sums as (line, term) rows, for the quick rules."""

    def __init__(self, figures: Figures, exists: np.ndarray,
                 eligible: np.ndarray) -> None:
        self.exists = exists
        self.eligible = eligible
        # Complements limited to a few figures (weighted ones) are taken near the figure.
        self.local = not eligible[exists].all()
        rows = figures.rows().tocoo()
        children = rows.data < 0
        self.entries = pd.DataFrame({"line": rows.row[children], "cell": rows.col[children],
                                     "weight": -rows.data[children]})
        parents = rows.data > 0
        self.parent = np.zeros(rows.shape[0], dtype=np.int64)
        self.parent[rows.row[parents]] = rows.col[parents]
        self.rows = figures.rows().tocsr()
        self._figures_by_line = self.rows
        self._lines_by_figure = self._figures_by_line.tocsc()
        # Identities have unit terms; weighted sums have the communes' weights.
        self.unit = np.ones(rows.shape[0], dtype=bool)
        self.unit[figures.unit_rows:] = False


    def sums_of(self, figure: int) -> np.ndarray:
        """The sums `figure` is in."""
        return self._lines_by_figure[:, figure].indices

    def figures_in(self, lines: np.ndarray) -> np.ndarray:
        """Every figure of the sums `lines`."""
        return np.unique(self._figures_by_line[np.asarray(lines, dtype=np.int64)].indices)

    def published_around(self, figure: int, hidden: np.ndarray) -> np.ndarray:
        """Published figures of the sums `figure` is in."""
        found = self.figures_in(self._lines_by_figure[:, figure].indices)
        return found[~hidden[found]]

    def neighbours(self, figure: int, hidden: np.ndarray) -> np.ndarray:
        """Published figures with people behind them sharing a sum with `figure`; if there
        are none, those two or three sums away."""
        frontier = np.array([figure])
        for _ in range(3):
            lines = np.unique(self._lines_by_figure[:, frontier].indices)
            cells = np.unique(self._figures_by_line[lines].indices)
            found = cells[~hidden[cells] & self.eligible[cells]]
            if len(found):
                return found
            frontier = cells
        return np.array([], dtype=np.int64)


def _quick_rules(lines: _LineTable, measures: list[Measure], hidden: np.ndarray,
                 ranking: np.ndarray) -> None:
    """Repeat the cheap rules until the pattern stops growing (in place)."""
    while True:
        added = _quick_round(lines, measures, hidden, ranking)
        if not added.any():
            return
        hidden |= added


def _quick_round(lines: _LineTable, measures: list[Measure], hidden: np.ndarray,
                 ranking: np.ndarray) -> np.ndarray:
    entries = lines.entries
    cell = entries["cell"].to_numpy()
    line = entries["line"].to_numpy()
    parent = lines.parent
    count = len(parent)
    nonempty = lines.exists[cell]
    child_hidden = hidden[cell] & nonempty
    hidden_children = np.bincount(line, weights=child_hidden, minlength=count)
    published_children = np.bincount(line, weights=~hidden[cell] & nonempty, minlength=count)
    parent_hidden = hidden[parent]
    added = np.zeros_like(hidden)
    # Suppressed figures that need nothing for themselves (suppressed by design, resting on
    # enough people) still free their neighbours.
    needy = hidden & np.any([m.required > 0 for m in measures], axis=0)
    needy_children = np.bincount(line, weights=needy[cell] & nonempty, minlength=count)

    # A published parent at 0 % or 100 % gives the value of every suppressed term below it.
    for measure in measures:
        value = measure.values[parent]
        extreme = (value <= 0) | (value >= measure.ceilings[parent])
        added[parent[(needy_children > 0) & ~parent_hidden & extreme
                     & lines.eligible[parent]]] = True

    # Sums whose suppressed part is exposed: a single suppressed term under a published parent,
    # or a suppressed parent with every term published, or suppressed terms unable to absorb
    # each other's changes; each suppresses its cheapest published term. (A weighted sum's
    # rounding leaves its terms room that only the attacker's program measures.)
    single = ~parent_hidden & (hidden_children == 1) & (needy_children == 1)
    alone = needy[parent] & (hidden_children == 0) & (published_children > 0)
    exposed = (single | alone) & _without_room(lines, measures, hidden, single | alone)
    for measure in measures:
        exposed |= lines.unit & ~parent_hidden & (hidden_children >= 2) & _cramped(
            line, cell, child_hidden, measure, count)
    candidates = entries[exposed[line] & ~hidden[cell] & lines.eligible[cell]]
    if len(candidates):
        chosen = candidates["cell"].to_numpy()
        ranked = candidates.assign(
            extreme=_extreme(chosen, measures), rank=ranking[chosen],
        ).sort_values(["line", "extreme", "rank", "cell"])
        added[ranked.drop_duplicates("line")["cell"].to_numpy()] = True
    return added & ~hidden


def _without_room(lines: _LineTable, measures: list[Measure], hidden: np.ndarray,
                  chosen: np.ndarray) -> np.ndarray:
    """Of the `chosen` sums with a single suppressed figure (a term, or the parent), those
    where the published figures' roundings leave it less room than it requires in some
    measure: it moves by what they move, and no more (a province's `unknown` group of 4
    ratings is the total less its published groups, each known to within the whole values
    its rounding leaves)."""
    entries = lines.entries
    cell = entries["cell"].to_numpy()
    line = entries["line"].to_numpy()
    weight = entries["weight"].to_numpy()
    parent = lines.parent
    count = len(parent)
    exposed = np.zeros(count, dtype=bool)
    for measure in measures:
        band = np.maximum(measure.published_high - measure.published_low, 0.0)
        # (`bincount` of no terms at all is whole numbers: the sums are taken as floats.)
        room = np.where(hidden[parent], 0.0, band[parent]) + np.bincount(
            line, weights=np.where(hidden[cell], 0.0, weight * band[cell]), minlength=count)
        need = np.where(hidden[parent], measure.required[parent], 0.0) + np.bincount(
            line, weights=np.where(hidden[cell], weight * measure.required[cell], 0.0),
            minlength=count)
        exposed |= room < need - 1e-9
    return exposed & chosen


def _extreme(cells: np.ndarray, measures: list[Measure]) -> np.ndarray:
    """Figures at 0 % or 100 %: they give a partner no room to move."""
    extreme = np.zeros(len(cells), dtype=bool)
    for measure in measures:
        value = measure.values[cells]
        extreme |= (value <= 0) | (value >= measure.ceilings[cells])
    return extreme


def _cramped(line: np.ndarray, cell: np.ndarray, child_hidden: np.ndarray, measure: Measure,
             lines: int) -> np.ndarray:
    """Sums in which some suppressed term cannot move by the units it requires, counting only
    what its suppressed siblings in that sum can give or take (a necessary condition)."""
    required = measure.required[cell]
    value = np.where(child_hidden, measure.values[cell], 0.0)
    room = np.where(child_hidden, measure.ceilings[cell] - measure.values[cell], 0.0)
    total_value = np.bincount(line, weights=value, minlength=lines)
    total_room = np.bincount(line, weights=room, minlength=lines)
    up = np.minimum(room, total_value[line] - value)
    down = np.minimum(value, total_room[line] - room)
    short = child_hidden & (np.floor(up + 1e-9) + np.floor(down + 1e-9) < required - 1e-9)
    return np.bincount(line, weights=short, minlength=lines) > 0
