"""What everything published says about one family's figures: the attacker's program.

The unknowns of a family (one indicator, one question…) are

- the numerator of every cell (`citizen_metrics.disclosure.cells`): satisfied respondents, users,
  respondents citing an option, a sum of scores; whole numbers, since they count people;
- where the family has weighted estimates, the weighted numerator of every province and
  region cell (`WeightedFigures`): the sum over its communes of each commune's public weight
  (2024 population over responses) times its numerator; not a whole number.

Each unknown is a *figure* that is published or suppressed. Its rows: every identity of the
cell structure (a parent is the sum of its children) and every weighted sum (a province's
weighted numerator is its communes' numerators times their weights; the region's is its
provinces'). Its bounds: a suppressed figure lies between 0 and its ceiling (its count, times
4 for a sum of 1–5 scores less their count); a published one within what its rounding leaves
(`citizen_metrics.disclosure.precision.published_band`).

The pattern search (`citizen_metrics.disclosure.pattern`) and the auditor
(`citizen_metrics.disclosure.attacker.auditor`) both build this program, the first from the true
figures before anything is published, the second from the published tables alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from citizen_metrics.disclosure.attacker.ranges import Attacker
from citizen_metrics.disclosure.cells import CellStructure


def positions(kept: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `targets` sits among a program's variables (`kept`, sorted, as
    `program` returns them), and whether it is one of them: a figure the program dropped is
    known to one value already."""
    position = np.searchsorted(kept, targets)
    if not len(kept):
        return position, np.zeros(len(targets), dtype=bool)
    return position, kept[np.minimum(position, len(kept) - 1)] == targets


@dataclass(frozen=True)
class WeightedFigures:
    """The weighted numerators of a family's province and region cells.

    Figure `k` belongs to structure cell `cells[k]`; its value is `children[k] @ values`,
    over the family's figures (its communes' numerators with their weights for a province,
    its provinces' weighted numerators for the region). `totals[k]` is the weighted count
    (Σ weight × count): a published weighted share times it is the weighted numerator.
    """

    cells: np.ndarray
    children: sp.csr_matrix
    totals: np.ndarray

    @property
    def size(self) -> int:
        return len(self.cells)

    @classmethod
    def build(cls, structure: CellStructure, counts: np.ndarray,
              commune_weights: Mapping[str, float]) -> WeightedFigures:
        """One weighted figure per province and region cell of `structure`; a commune's
        weight is public (its 2024 population over its published number of responses)."""
        cells = structure.cells
        size = structure.size
        above = np.nonzero((cells["geography_level"] != "commune").to_numpy())[0]
        position = np.full(size, -1)
        position[above] = np.arange(len(above))
        pairs = structure.geography
        parent = pairs["parent"].to_numpy()
        child = pairs["child"].to_numpy()
        from_commune = (cells["geography_level"].to_numpy()[child] == "commune")
        weights = cells["geography_code"].map(commune_weights).fillna(0.0).to_numpy(float)
        coefficient = np.where(from_commune, weights[child], 1.0)
        column = np.where(from_commune, child, size + position[child])
        children = sp.csr_matrix((coefficient, (position[parent], column)),
                                 shape=(len(above), size + len(above)))
        counts = np.asarray(counts, dtype=float)
        return cls(cells=above, children=children,
                   totals=cls._sums(children, size, counts))

    @staticmethod
    def _sums(children: sp.csr_matrix, size: int, values: np.ndarray) -> np.ndarray:
        """Weighted sums of cell `values`: provinces from their communes, then the region
        from its provinces (one level of weighted figures under another)."""
        direct = children[:, :size] @ values
        return direct + children[:, size:] @ direct

    def values(self, size: int, numerators: np.ndarray) -> np.ndarray:
        """The weighted numerator of every figure, given every cell's numerator."""
        return self._sums(self.children, size, np.asarray(numerators, dtype=float))

    def rows(self) -> sp.csr_matrix:
        """`weighted figure − Σ coefficient × child = 0`, one row per figure."""
        size = self.children.shape[1] - self.size
        own = sp.csr_matrix((np.ones(self.size), (np.arange(self.size), size + np.arange(
            self.size))), shape=self.children.shape)
        return (own - self.children).tocsr()


@dataclass(frozen=True)
class FamilyFigures:
    """A family's figures: its cells, then its weighted figures (if any)."""

    structure: CellStructure
    weighted: WeightedFigures | None = None

    @property
    def unit_rows(self) -> int:
        """How many of `rows()` come first with unit terms (identities); the others are
        weighted sums."""
        return self.structure.lines.shape[0]

    @property
    def cell_count(self) -> int:
        return self.structure.size

    @property
    def size(self) -> int:
        return self.cell_count + (self.weighted.size if self.weighted else 0)

    @property
    def integer(self) -> np.ndarray:
        """Cells' numerators are whole numbers; weighted numerators are not."""
        whole = np.zeros(self.size, dtype=bool)
        whole[: self.cell_count] = True
        return whole

    def counts(self, cell_counts: np.ndarray) -> np.ndarray:
        """Each figure's count of people: a weighted figure has its cell's."""
        counts = np.asarray(cell_counts, dtype=float)
        if self.weighted is None:
            return counts
        return np.concatenate([counts, counts[self.weighted.cells]])

    def ceilings(self, cell_ceilings: np.ndarray) -> np.ndarray:
        """The largest value each figure can take: a cell's own ceiling (its count times
        the measure's span), a weighted figure the weighted sum of its cells' ceilings."""
        ceilings = np.asarray(cell_ceilings, dtype=float)
        if self.weighted is None:
            return ceilings
        return np.concatenate([ceilings, self.weighted.values(self.cell_count, ceilings)])

    def values(self, cell_values: np.ndarray) -> np.ndarray:
        """Every figure's numerator from the cells' numerators."""
        values = np.asarray(cell_values, dtype=float)
        if self.weighted is None:
            return values
        return np.concatenate([values, self.weighted.values(self.cell_count, values)])

    def rows(self) -> sp.csr_matrix:
        """Every identity (equal to 0) over the family's figures."""
        lines = self.structure.lines
        if self.weighted is None:
            return lines.tocsr()
        padded = sp.hstack([lines, sp.csr_matrix((lines.shape[0], self.weighted.size))])
        return sp.vstack([padded, self.weighted.rows()]).tocsr()

    def program(self, low: np.ndarray, high: np.ndarray,
                extra: sp.csr_matrix | None = None, extra_low: np.ndarray | None = None,
                extra_high: np.ndarray | None = None) -> tuple[Attacker, np.ndarray]:
        """The attacker's program: every figure between `low` and `high` (a suppressed one
        between 0 and its ceiling, a published one within its rounding), every identity,
        and `extra` rows between their bounds (published figures of other tables tied to
        these). Figures known to one value are moved to the right-hand side; returns the
        program and the figures it keeps, in order."""
        rows = self.rows()
        row_low = np.zeros(rows.shape[0])
        row_high = np.zeros(rows.shape[0])
        if extra is not None and extra.shape[0]:
            assert extra_low is not None and extra_high is not None
            rows = sp.vstack([rows, extra]).tocsr()
            row_low = np.concatenate([row_low, extra_low])
            row_high = np.concatenate([row_high, extra_high])
        return Attacker.over_unknowns(rows, row_low, row_high, low, high,
                                      integer=self.integer)

    def part(self, keep: np.ndarray) -> PartFigures:
        """The figures of `keep` with the sums among them alone (`PartFigures`)."""
        return PartFigures.of(self.rows(), self.unit_rows, self.integer, keep)


@dataclass(frozen=True)
class PartFigures:
    """Some of a family's figures and only the sums entirely among them: what a reader of
    one province's tables alone could work out. Fewer sums than the whole family (the
    attacker is weaker), solved much faster: the pattern search protects each part first,
    then the whole (`pattern.protect` works on either)."""

    keep: np.ndarray
    matrix: sp.csr_matrix
    integer: np.ndarray
    unit_rows: int

    @classmethod
    def of(cls, rows: sp.csr_matrix, unit_rows: int, integer: np.ndarray,
           keep: np.ndarray) -> PartFigures:
        kept = np.nonzero(keep)[0]
        outside = np.asarray(rows[:, ~keep].getnnz(axis=1)).ravel() > 0
        inside = np.nonzero(~outside & (np.asarray(rows.getnnz(axis=1)).ravel() > 0))[0]
        return cls(keep=kept, matrix=rows[inside][:, kept].tocsr(),
                   integer=integer[kept], unit_rows=int((inside < unit_rows).sum()))

    @property
    def size(self) -> int:
        return len(self.keep)

    @property
    def weighted(self) -> None:
        return None

    def rows(self) -> sp.csr_matrix:
        return self.matrix

    def program(self, low: np.ndarray, high: np.ndarray) -> tuple[Attacker, np.ndarray]:
        rows = self.matrix
        zeros = np.zeros(rows.shape[0])
        return Attacker.over_unknowns(rows, zeros, zeros, low, high, integer=self.integer)
