"""Which figures to withhold so that no hidden one can be worked out from the others.

Primary suppression hides every estimate resting on fewer than `threshold` units
(INDICATORS.md §5). That alone protects nothing: a hidden group's figure is the total minus
its published siblings; a hidden commune's is its province minus the published communes;
a group whose published parent is 0 % or 100 % is 0 % or 100 % too. Complementary
suppression hides more figures until every hidden one can still take a wide range of values
(`width` of its scale, 0.2 by default: a hidden share could be anything over at least 20
points) given everything published.

The search runs in two stages, both on all the identities of `pipeline.disclosure.cells`
at once (groups and totals, pairs and single dimensions, communes, provinces and the region):

1. quick rules, repeated until nothing changes: a published parent at 0 % or 100 % above a
   hidden cell is hidden; a line (a parent and its children) with a single hidden child, or
   whose hidden children cannot absorb each other's changes, hides its smallest published
   child; a hidden parent whose children are all published hides one of them;
2. the attacker of `pipeline.disclosure.ranges` then computes the range of every hidden
   figure; for each one still too narrow, the cheapest published figure that limits it (the
   one with the fewest units among those whose value binds its range) is hidden too, and
   the quick rules run again. This repeats until every range is wide enough.

Only estimates are hidden: counts stay published (INDICATORS.md §5), and the ranges are
computed knowing every count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from pipeline.disclosure.cells import CellStructure
from pipeline.disclosure.parallel import run_in_parallel
from pipeline.disclosure.ranges import Attacker, Ranges

DEFAULT_WIDTH = 0.2
MAX_ROUNDS = 60


@dataclass(frozen=True)
class Measure:
    """A hidden quantity of every cell: its true value (the numerator of an estimate) and
    its scale (a numerator lies between 0 and `span` × the cell's count: 1 for a share, 4
    for the sum of 1–5 scores minus their count)."""

    name: str
    values: np.ndarray
    span: float = 1.0
    # Where the count of a cell is not the limit (a hidden count lies between 0 and the
    # smallest of its parents'), the largest value of each cell, and the units each hidden
    # cell's range must reach.
    upper: np.ndarray | None = None
    required: np.ndarray | None = None

    def ceiling(self, counts: np.ndarray) -> np.ndarray:
        return self.span * counts if self.upper is None else self.upper


@dataclass
class Protection:
    """The pattern: which cells hide their estimates, and why."""

    hidden: np.ndarray
    primary: np.ndarray
    rounds: int = 0
    solves: int = 0
    unprotected: set[int] = field(default_factory=set)
    converged: bool = True

    @property
    def reasons(self) -> np.ndarray:
        unset = np.full(len(self.primary), None, dtype=object)
        return np.where(self.primary, "primary",
                        np.where(self.hidden, "complementary", unset)).astype(object)


def protect(
    structure: CellStructure,
    counts: np.ndarray,
    measures: list[Measure],
    *,
    threshold: int,
    width: float = DEFAULT_WIDTH,
    already_hidden: np.ndarray | None = None,
    primary: np.ndarray | None = None,
    exists: np.ndarray | None = None,
    cost: np.ndarray | None = None,
    complementary: bool = True,
) -> Protection:
    """The smallest pattern this search finds in which every hidden estimate of every
    measure keeps a feasible range of at least `width` of its scale.

    By default a cell with no unit has nothing to hide (`exists`: count above 0), and the
    cells hidden first (`primary`) are those resting on fewer units than `threshold`.
    Among figures that would protect a cell, the one with the lowest `cost` is withheld
    (default: its count). Without `complementary` (`PIPELINE_DISCLOSURE_CONTROL=
    primary_only`, for measuring the rest of the pipeline at a scale where the search would
    not finish; refused in production), only the cells hidden first are hidden.
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
    cost = counts if cost is None else cost
    lines = _LineTable(structure, exists)
    # Hiding a figure only frees the others, so a range proven wide stays wide: each round
    # checks only the figures hidden since, and those still too narrow.
    proven = {m.name: np.zeros_like(hidden) for m in measures}
    for round_number in range(1, MAX_ROUNDS + 1):
        _quick_rules(lines, counts, measures, hidden, primary, width)
        more = np.zeros_like(hidden)
        hidden_cells = np.nonzero(hidden)[0]

        # The measures' ranges are independent (the pattern is fixed during a round):
        # solved side by side, then read in order, so the pattern does not depend on
        # which finished first.
        attacks = run_in_parallel(partial(_attack, structure, hidden, counts, primary, width,
                                          proven, round_number), measures)
        for measure, (model, check, required, ranges) in zip(measures, attacks, strict=True):
            protection.solves += ranges.solves
            wide = ranges.widths() >= required[check] - 1e-9
            proven[measure.name][hidden_cells[check[wide]]] = True
            for variable, rows in ranges.binding.items():
                cell = int(hidden_cells[variable])
                candidates = model.published_in(rows, exists)
                if more[candidates].any():
                    continue  # a figure hidden this round already frees it
                # When no published figure binds it directly (its hidden neighbours' own
                # bounds do), open up the published figures sharing an identity with it.
                if not len(candidates):
                    candidates = lines.neighbours(cell, hidden)
                choice = _cheapest(candidates, counts, cost, measures)
                if choice is None:
                    # Nothing left to withhold around it: the auditor will report it and
                    # its blocking check stop the publication.
                    protection.unprotected.add(cell)
                    continue
                more[choice] = True
        protection.rounds = round_number
        if not more.any():
            return protection
        hidden |= more
    # Not settled within the rounds allowed: what is withheld so far stays withheld, and
    # the auditor's blocking check will say which figures are still too narrow.
    protection.converged = False
    return protection


def _attack(structure: CellStructure, hidden: np.ndarray, counts: np.ndarray,
            primary: np.ndarray, width: float, proven: dict[str, np.ndarray], seed: int,
            measure: Measure) -> tuple[_HiddenModel, np.ndarray, np.ndarray, Ranges]:
    """One measure's attacker over the current pattern: the ranges of its hidden figures
    not yet proven wide (`check`, positions among the hidden cells), and what each must
    reach (`required`, for every hidden cell)."""
    hidden_cells = np.nonzero(hidden)[0]
    model = _HiddenModel(structure, hidden, measure, counts)
    check = np.nonzero(~proven[measure.name][hidden_cells])[0]
    required = _required(measure, counts, primary, width)[hidden_cells]
    ranges = model.attacker.ranges(check, required[check],
                                   known_point=measure.values[hidden_cells], seed=seed)
    return model, check, required, ranges


def _required(measure: Measure, counts: np.ndarray, primary: np.ndarray,
              width: float) -> np.ndarray:
    """How wide a hidden numerator's range must be, in units: `width` of its scale for a
    figure hidden because it rests on too few people; for one hidden to protect another
    (a complementary figure, resting on enough people to be published), that it cannot be
    recomputed exactly (two values at least)."""
    if measure.required is not None:
        return measure.required
    scale = measure.span * counts
    return np.where(primary, width * scale, np.minimum(1.0, scale))


class _HiddenModel:
    """The attacker's program over the hidden cells only: each identity touching a hidden
    cell becomes a row equal to minus the sum of its published cells' known values."""

    def __init__(self, structure: CellStructure, hidden: np.ndarray, measure: Measure,
                 counts: np.ndarray) -> None:
        lines = structure.lines.tocsc()
        hidden_cells = np.nonzero(hidden)[0]
        published_cells = np.nonzero(~hidden)[0]
        on_hidden = lines[:, hidden_cells].tocsr()
        known = -(lines[:, published_cells] @ measure.values[published_cells])
        self.rows = np.nonzero(np.diff(on_hidden.indptr) > 0)[0]
        self.attacker = Attacker(
            on_hidden[self.rows], known[self.rows], known[self.rows],
            np.zeros(len(hidden_cells)), measure.ceiling(counts)[hidden_cells],
        )
        self._published_by_line = lines[:, published_cells].tocsr()
        self._published_cells = published_cells

    def published_in(self, rows: np.ndarray, exists: np.ndarray) -> np.ndarray:
        """The non-empty published cells of the identities `rows` (rows of this model)."""
        found = self._published_cells[
            np.unique(self._published_by_line[self.rows[rows]].indices)
        ]
        return found[exists[found]]


def _cheapest(candidates: np.ndarray, counts: np.ndarray, cost: np.ndarray,
              measures: list[Measure]) -> int | None:
    """The candidate that costs least to hide, preferring cells whose value is not at 0 %
    or 100 % (those give a partner no room to move)."""
    if not len(candidates):
        return None
    extreme = np.zeros(len(candidates), dtype=bool)
    for measure in measures:
        value = measure.values[candidates]
        extreme |= (value <= 0) | (value >= measure.ceiling(counts)[candidates])
    order = np.lexsort((candidates, cost[candidates], extreme))
    return int(candidates[order[0]])


class _LineTable:
    """The identities as (line, child) rows, for the quick rules."""

    def __init__(self, structure: CellStructure, exists: np.ndarray) -> None:
        self.exists = exists
        children = structure.children_of().tocoo()
        self.entries = pd.DataFrame({"line": children.row, "cell": children.col})
        self.parent = structure.parent_of_line()
        self._cells_by_line = structure.lines.tocsr()
        self._lines_by_cell = structure.lines.tocsc()

    def neighbours(self, cell: int, hidden: np.ndarray) -> np.ndarray:
        """Published, non-empty cells sharing an identity with `cell`; if there are none,
        those two identities away."""
        frontier = np.array([cell])
        for _ in range(3):
            lines = np.unique(self._lines_by_cell[:, frontier].indices)
            cells = np.unique(self._cells_by_line[lines].indices)
            found = cells[~hidden[cells] & self.exists[cells]]
            if len(found):
                return found
            frontier = cells
        return np.array([], dtype=np.int64)


def _quick_rules(lines: _LineTable, counts: np.ndarray, measures: list[Measure],
                 hidden: np.ndarray, primary: np.ndarray, width: float) -> None:
    """Repeat the cheap rules until the pattern stops growing (in place)."""
    while True:
        added = _quick_round(lines, counts, measures, hidden, primary, width)
        if not added.any():
            return
        hidden |= added


def _quick_round(lines: _LineTable, counts: np.ndarray, measures: list[Measure],
                 hidden: np.ndarray, primary: np.ndarray, width: float) -> np.ndarray:
    entries = lines.entries
    cell = entries["cell"].to_numpy()
    line = entries["line"].to_numpy()
    parent = lines.parent
    nonempty = lines.exists[cell]
    child_hidden = hidden[cell] & nonempty
    hidden_children = np.bincount(line, weights=child_hidden, minlength=len(parent))
    published_children = np.bincount(line, weights=~hidden[cell] & nonempty,
                                     minlength=len(parent))
    parent_hidden = hidden[parent]
    added = np.zeros_like(hidden)
    # Hidden cells withheld by design (nothing required of their range) still free their
    # neighbours, but need no protection themselves.
    needy = hidden & np.any(
        [_required(m, counts, primary, width) > 0 for m in measures], axis=0)
    needy_children = np.bincount(line, weights=needy[cell] & nonempty, minlength=len(parent))

    # A published parent at 0 % or 100 % gives the value of every hidden cell below it
    # (at 100 % only where children's ceilings add up to the parent's: shares of counts).
    for measure in measures:
        value = measure.values[parent]
        extreme = value <= 0
        if measure.upper is None:
            extreme |= value >= measure.ceiling(counts)[parent]
        added[parent[(needy_children > 0) & ~parent_hidden & extreme & lines.exists[parent]]] = True

    # Lines whose hidden part is exposed: one hidden child under a published parent, or a
    # hidden parent with every child published, or hidden children unable to absorb each
    # other's changes; each hides its cheapest published child.
    exposed = ((~parent_hidden & (hidden_children == 1) & (needy_children == 1))
               | (needy[parent] & (hidden_children == 0) & (published_children > 0)))
    for measure in measures:
        required = _required(measure, counts, primary, width)[cell]
        exposed |= ~parent_hidden & (hidden_children >= 2) & _cramped(
            line, cell, child_hidden, measure, counts, required, len(parent))
    candidates = entries[exposed[line] & ~hidden[cell] & nonempty]
    if len(candidates):
        ranked = candidates.assign(
            extreme=_extreme(candidates["cell"].to_numpy(), counts, measures),
            count=counts[candidates["cell"].to_numpy()],
        ).sort_values(["line", "extreme", "count", "cell"])
        added[ranked.drop_duplicates("line")["cell"].to_numpy()] = True
    return added & ~hidden


def _extreme(cells: np.ndarray, counts: np.ndarray, measures: list[Measure]) -> np.ndarray:
    extreme = np.zeros(len(cells), dtype=bool)
    for measure in measures:
        value = measure.values[cells]
        extreme |= (value <= 0) | (value >= measure.ceiling(counts)[cells])
    return extreme


def _cramped(line: np.ndarray, cell: np.ndarray, child_hidden: np.ndarray, measure: Measure,
             counts: np.ndarray, required: np.ndarray, lines: int) -> np.ndarray:
    """Lines in which some hidden child cannot move by the units it requires, counting only
    what its hidden siblings in that line can give or take (a necessary condition)."""
    value = np.where(child_hidden, measure.values[cell], 0.0)
    room = np.where(child_hidden, measure.ceiling(counts)[cell] - measure.values[cell], 0.0)
    total_value = np.bincount(line, weights=value, minlength=lines)
    total_room = np.bincount(line, weights=room, minlength=lines)
    up = np.minimum(room, total_value[line] - value)
    down = np.minimum(value, total_room[line] - room)
    short = child_hidden & (np.floor(up + 1e-9) + np.floor(down + 1e-9) < required - 1e-9)
    return np.bincount(line, weights=short, minlength=lines) > 0
