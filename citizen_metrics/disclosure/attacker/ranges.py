"""What an attacker can work out about hidden figures: the range of each hidden value that
stays consistent with everything published, by linear programming (HiGHS).

The unknowns are the values of every cell (counts of satisfied respondents, of users, of
respondents citing an option…). A published cell's value is known (within the rounding of
its published estimate); a hidden cell's lies between 0 and its count. The identities of
`citizen_metrics.disclosure.cells` tie them together, and weighted figures add rows of their own.
For a hidden cell, the smallest and largest value it can take under all of this is what an
attacker learns; the pattern is safe when that range is wide enough.

Computing it exactly takes two linear programs per hidden cell. Most cells are wide by a
large margin, so a few programs with random objectives (each pushes every hidden cell up or
down at once) first give feasible solutions that already prove most ranges wide; only the
cells left unproven get their own two programs. The model is built once and re-solved from
the previous basis, which is what makes thousands of solves take seconds.

Counts are whole numbers: a range is rounded inwards to whole values before it is compared
with the width it must reach, so a range of 0.4 to 1.6 counts for one value (1), not 1.2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

# How many random-direction solves prove most ranges wide before exact ones.
RANDOM_DIRECTIONS = 6
# How many times the directions are tried again on the variables still unproven.
FOCUSED_ROUNDS = 4
_TOLERANCE = 1e-6


@dataclass
class Ranges:
    """Smallest and largest feasible value of each variable asked about."""

    variables: np.ndarray
    low: np.ndarray
    high: np.ndarray
    solves: int
    # For every variable found too narrow (by its position among those asked about): the
    # duals of the two programs that bound it (its smallest, then its largest value), rows
    # then variables. Loosening a row or a bound with a nonzero dual (suppressing a figure
    # in it) widens its range.
    binding: dict[int, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    # Whether each variable asked about is a whole number (a count of people); a weighted
    # numerator is not.
    integer: np.ndarray | None = None

    def widths(self) -> np.ndarray:
        """The feasible range, in whole units (rounded inwards) for whole numbers."""
        whole = np.maximum(
            np.floor(self.high + _TOLERANCE) - np.ceil(self.low - _TOLERANCE), 0.0
        )
        if self.integer is None:
            return whole
        return np.where(self.integer, whole, np.maximum(self.high - self.low, 0.0))


class Attacker:
    """One linear model: rows of coefficients between their bounds (an identity is a row
    equal to a constant), and bounds on every variable. Bounds of single variables can be
    changed between calls."""

    def __init__(
        self,
        rows: sp.csr_matrix,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        size = rows.shape[1]
        columns = sp.csc_matrix(rows)
        model = highspy.HighsLp()
        model.num_col_ = size
        model.num_row_ = columns.shape[0]
        model.col_cost_ = np.zeros(size)
        model.col_lower_ = np.asarray(lower, dtype=float)
        model.col_upper_ = np.asarray(upper, dtype=float)
        model.row_lower_ = np.asarray(row_lower, dtype=float)
        model.row_upper_ = np.asarray(row_upper, dtype=float)
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_ = columns.indptr
        model.a_matrix_.index_ = columns.indices
        model.a_matrix_.value_ = columns.data
        # The solver core without highspy's Python callbacks: `highspy.Highs()` enables them
        # in its constructor, which prints HiGHS's banner before `output_flag` can be turned
        # off (the night's summary must show no library output). No callback is used here.
        self._highs = highspy._Highs()  # type: ignore[attr-defined]  # public, not in the stubs
        self._highs.setOptionValue("output_flag", False)
        # Only the objective changes between solves, so the last basis stays feasible: the
        # primal simplex restarts from it (several times faster here than the dual).
        self._highs.setOptionValue("simplex_strategy", 4)
        # Families are already solved side by side: one thread each.
        self._highs.setOptionValue("threads", 1)
        self._highs.passModel(model)
        self._size = size
        self._all = np.arange(size, dtype=np.int32)
        # Which rows of the caller's program these rows are (`over_unknowns` drops some).
        self.row_index = np.arange(columns.shape[0])

    @classmethod
    def over_unknowns(
        cls,
        rows: sp.csr_matrix,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        integer: np.ndarray | None = None,
    ) -> tuple[Attacker, np.ndarray]:
        """The same model with every variable known to be one value (a published count
        whose rounding leaves a single whole number; a figure whose bounds meet) moved to
        the right-hand side: a much smaller program. Variables are whole numbers unless
        `integer` says otherwise. Returns it and the variables it keeps, in order."""
        lower = np.asarray(lower, dtype=float)
        upper = np.asarray(upper, dtype=float)
        whole = np.ones(len(lower), dtype=bool) if integer is None else integer
        low_whole = np.where(whole, np.ceil(lower - _TOLERANCE), lower)
        known = np.where(whole, np.floor(upper + _TOLERANCE) == low_whole, upper == lower)
        columns = sp.csc_matrix(rows)
        kept = np.nonzero(~known)[0]
        shift = columns[:, np.nonzero(known)[0]] @ low_whole[known]
        on_kept = columns[:, kept].tocsr()
        active = np.diff(on_kept.indptr) > 0
        attacker = cls(on_kept[active], (row_lower - shift)[active],
                       (row_upper - shift)[active], lower[kept], upper[kept])
        attacker.row_index = np.nonzero(active)[0]
        return attacker, kept

    def _solve(self, cost: np.ndarray) -> np.ndarray:
        return self._solve_with_duals(cost)[0]

    def _solve_with_duals(self, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._highs.changeColsCost(self._size, self._all, cost)
        self._highs.run()
        status = self._highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # Restarted from the previous basis, the simplex can stall on a badly scaled
            # program (weighted sums have coefficients in the hundreds): solve it afresh.
            self._highs.clearSolver()
            self._highs.run()
            status = self._highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # The published figures are consistent by construction; anything else is a bug
            # in how the model was written, never a data problem.
            raise RuntimeError(
                f"disclosure model not solved: {self._highs.modelStatusToString(status)}"
            )
        solution = self._highs.getSolution()
        return (np.asarray(solution.col_value), np.asarray(solution.row_dual),
                np.asarray(solution.col_dual))

    def ranges(
        self,
        variables: np.ndarray,
        required: np.ndarray,
        *,
        known_point: np.ndarray | None = None,
        seed: int = 0,
        directions: int = RANDOM_DIRECTIONS,
        integer: np.ndarray | None = None,
        exact: bool = False,
        defer: Callable[[int], bool] | None = None,
        narrowed: Callable[[int], None] | None = None,
    ) -> Ranges:
        """The feasible range of each of `variables`, exact wherever it is narrower than
        `required` (in units of the variable), proven at least `required` elsewhere.

        Before solving one exactly, `defer(position)` may say to leave it for later (its
        range then stays as the joint solves left it: unproven); `narrowed(position)` is
        told of each found narrower than required, as soon as it is.

        `known_point` (the true values, when the caller has them) is one more feasible
        solution to start from; the auditor of published tables has none and needs none.
        `integer` says which of `variables` are whole numbers (all by default). With
        `exact`, the range of every variable narrower than `required` is exact in raw
        units, not in whole ones (`widths` rounds a count's range inwards).
        """
        variables = np.asarray(variables, dtype=np.int64)
        required = np.asarray(required, dtype=float)
        if known_point is not None:
            low = known_point[variables].astype(float).copy()
            high = low.copy()
        else:
            low = np.full(len(variables), np.inf)
            high = np.full(len(variables), -np.inf)
        ranges = Ranges(variables, low, high, 0, integer=integer)
        if not len(variables):
            return ranges
        scale = 1.0 / np.maximum(required, 1.0)
        generator = np.random.default_rng(seed)
        unproven = np.arange(len(variables))
        # Push every unproven variable up at once, then down, then in random directions;
        # repeat on those still unproven while it pays. A few variables are cheaper to
        # settle one by one.
        for _ in range(FOCUSED_ROUNDS):
            if len(unproven) <= 2 * directions:
                break
            signs = [np.ones(len(unproven)), -np.ones(len(unproven))] + [
                generator.choice([-1.0, 1.0], size=len(unproven)) for _ in range(directions)
            ]
            for sign in signs:
                cost = np.zeros(self._size)
                cost[variables[unproven]] = sign * scale[unproven]
                values = self._solve(cost)
                ranges.solves += 1
                ranges.low = np.minimum(ranges.low, values[variables])
                ranges.high = np.maximum(ranges.high, values[variables])
            still = unproven[(np.maximum(ranges.high - ranges.low, 0.0) if exact
                              else ranges.widths())[unproven] < required[unproven] - _TOLERANCE]
            settled = len(unproven) - len(still)
            unproven = still
            if settled < len(signs):
                break
        measured = (lambda: np.maximum(ranges.high - ranges.low, 0.0)) if exact else (
            ranges.widths)
        for position in unproven[measured()[unproven] < required[unproven] - _TOLERANCE]:
            if defer is not None and defer(int(position)):
                continue
            variable = variables[position]
            duals = []
            for sign in (1.0, -1.0):
                cost = np.zeros(self._size)
                cost[variable] = sign
                values, row_duals, column_duals = self._solve_with_duals(cost)
                ranges.solves += 1
                if sign > 0:
                    ranges.low[position] = min(ranges.low[position], values[variable])
                else:
                    ranges.high[position] = max(ranges.high[position], values[variable])
                column_duals = column_duals.copy()
                column_duals[variable] = 0.0
                duals.append((row_duals, column_duals))
            if measured()[position] < required[position] - _TOLERANCE:
                ranges.binding[int(position)] = duals
                if narrowed is not None:
                    narrowed(int(position))
        return ranges
