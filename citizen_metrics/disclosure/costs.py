"""What suppressing a figure costs its readers: the order in which complements are taken.

docs/methodology.md §5: the figures the programme reports first are the region's and the
provinces' totals and single-dimension figures, then the communes' totals; a complement is
the least valuable figure that protects: a commune's group before a commune's total, a
commune before a province, a province before the region, a pair of dimensions before a
single one. So each figure gets

- a **step**: the pattern search takes complements from the lowest step that has one, so
  that a figure of a higher step is spent only when nothing below can protect:

  | step | figures |
  |---|---|
  | 0 | a province's pairs of dimensions |
  | 1 | the region's pairs of dimensions |
  | 2 | a commune's groups (one dimension) |
  | 3 | a commune's total |
  | 4 | a province's total and single dimensions |
  | 5 | the region's total and single dimensions |

  Pairs come first at every level (a pair before a single dimension: they are the detail
  nobody reports first, and the commune's pairs are never published at all); then the
  communes, their groups before their totals; the provinces' and the region's headline
  figures last, so that they are never spent while a commune-level figure can do the job,
  however many people stand behind them.
- a **cost** within its step, to rank candidates that can all do the job: the number of
  people behind the figure (τ-ARGUS's and GaussSuppression's usual cost), times 2 for a
  total over its groups and for a weighted figure over its unweighted twin (province and
  region figures are read weighted), and a quarter for a group whose value of a dimension
  is unknown (a residual category nobody reports).

The commune type, a breakdown analysts cross with the others, counts as a dimension; the
survey round with sex (`sex,survey_round`, the trend by round) counts as one dimension.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from citizen_metrics.settings import SURVEY_ROUND

STEPS = 6
UNKNOWN_GROUP = "unknown"


@dataclass(frozen=True)
class FigureCosts:
    """Step and cost of each figure of a family (cells, then weighted figures)."""

    step: np.ndarray
    cost: np.ndarray

    @classmethod
    def of(cls, cells: pd.DataFrame, counts: np.ndarray,
           weighted_cells: np.ndarray | None = None) -> FigureCosts:
        """Costs of the cells of a family (`geography_level`, `breakdown`, `group_key`),
        then of the weighted figures of `weighted_cells` (their cell positions)."""
        level = cells["geography_level"].to_numpy()
        breakdown = cells["breakdown"].to_numpy(str)
        total = breakdown == "total"
        # A province's or the region's figures by survey round are the trend a manager reads
        # (docs/methodology.md §2): crossed with sex, they count as a single dimension.
        pair = ((np.char.find(breakdown.astype(str), ",") >= 0)
                & (np.char.find(breakdown.astype(str), SURVEY_ROUND) < 0))
        step = np.select(
            [(level == "province") & pair, (level == "region") & pair, level == "commune",
             level == "province"],
            [0, 1, np.where(total, 3, 2), 4], default=5)
        unknown = np.char.find(cells["group_key"].to_numpy(str).astype(str),
                               UNKNOWN_GROUP) >= 0
        cost = (np.maximum(np.asarray(counts, dtype=float), 1.0)
                * np.where(total, 2.0, 1.0) * np.where(unknown, 0.25, 1.0))
        if weighted_cells is None or not len(weighted_cells):
            return cls(step=step.astype(int), cost=cost)
        return cls(step=np.concatenate([step, step[weighted_cells]]).astype(int),
                   cost=np.concatenate([cost, 2.0 * cost[weighted_cells]]))

    def part(self, keep: np.ndarray | slice) -> FigureCosts:
        """The costs of some figures (a mask, positions or a slice)."""
        return FigureCosts(step=self.step[keep], cost=self.cost[keep])

    def ranking(self) -> np.ndarray:
        """One number per figure, smaller first: the step, then the cost within it."""
        return self.step * 1e12 + self.cost
