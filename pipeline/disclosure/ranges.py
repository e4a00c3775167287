"""What an attacker can work out about hidden figures: the range of each hidden value that
stays consistent with everything published, by linear programming (HiGHS).

The unknowns are the values of every cell (counts of satisfied respondents, of users, of
respondents citing an option…). A published cell's value is known (within the rounding of
its published estimate); a hidden cell's lies between 0 and its count. The identities of
`pipeline.disclosure.cells` tie them together, and weighted figures add rows of their own.
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
    binding: dict[int, np.ndarray] = field(default_factory=dict)

    def widths(self) -> np.ndarray:
        """The feasible range in whole units (rounded inwards)."""
        return np.maximum(
            np.floor(self.high + _TOLERANCE) - np.ceil(self.low - _TOLERANCE), 0.0
        )


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

    @classmethod
    def with_identities(
        cls,
        identities: sp.csr_matrix,
        lower: np.ndarray,
        upper: np.ndarray,
        extra_rows: sp.csr_matrix | None = None,
        extra_lower: np.ndarray | None = None,
        extra_upper: np.ndarray | None = None,
    ) -> Attacker:
        """Identities equal to zero over every variable, plus extra bounded rows."""
        rows = identities
        row_lower = np.zeros(identities.shape[0])
        row_upper = np.zeros(identities.shape[0])
        if extra_rows is not None and extra_rows.shape[0]:
            assert extra_lower is not None and extra_upper is not None
            rows = sp.vstack([identities, extra_rows]).tocsr()
            row_lower = np.concatenate([row_lower, extra_lower])
            row_upper = np.concatenate([row_upper, extra_upper])
        return cls(rows, row_lower, row_upper, lower, upper)

    @classmethod
    def over_unknowns(
        cls,
        rows: sp.csr_matrix,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> tuple[Attacker, np.ndarray]:
        """The same model with every variable known to be one whole number (a published
        figure whose rounding leaves a single possible count) moved to the right-hand side:
        a much smaller program. Returns it and the variables it keeps, in order."""
        lower = np.asarray(lower, dtype=float)
        upper = np.asarray(upper, dtype=float)
        low_whole = np.ceil(lower - _TOLERANCE)
        known = (np.floor(upper + _TOLERANCE) == low_whole)
        columns = sp.csc_matrix(rows)
        kept = np.nonzero(~known)[0]
        shift = columns[:, np.nonzero(known)[0]] @ low_whole[known]
        on_kept = columns[:, kept].tocsr()
        active = np.diff(on_kept.indptr) > 0
        attacker = cls(on_kept[active], (row_lower - shift)[active],
                       (row_upper - shift)[active], lower[kept], upper[kept])
        return attacker, kept

    def _solve(self, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._highs.changeColsCost(self._size, self._all, cost)
        self._highs.run()
        status = self._highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # The published figures are consistent by construction; anything else is a bug
            # in how the model was written, never a data problem.
            raise RuntimeError(
                f"disclosure model not solved: {self._highs.modelStatusToString(status)}"
            )
        solution = self._highs.getSolution()
        return np.asarray(solution.col_value), np.asarray(solution.row_dual)

    def ranges(
        self,
        variables: np.ndarray,
        required: np.ndarray,
        *,
        known_point: np.ndarray | None = None,
        seed: int = 0,
        directions: int = RANDOM_DIRECTIONS,
    ) -> Ranges:
        """The feasible range of each of `variables`, exact wherever it is narrower than
        `required` (in units of the variable), proven at least `required` elsewhere.

        `known_point` (the true values, when the caller has them) is one more feasible
        solution to start from; the auditor of published tables has none and needs none.
        For every variable found too narrow, `Ranges.binding` lists the rows whose bounds
        limit it: loosening one of them (withholding a figure in it) widens its range.
        """
        variables = np.asarray(variables, dtype=np.int64)
        required = np.asarray(required, dtype=float)
        if known_point is not None:
            low = known_point[variables].astype(float).copy()
            high = low.copy()
        else:
            low = np.full(len(variables), np.inf)
            high = np.full(len(variables), -np.inf)
        ranges = Ranges(variables, low, high, 0)
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
                values, _ = self._solve(cost)
                ranges.solves += 1
                ranges.low = np.minimum(ranges.low, values[variables])
                ranges.high = np.maximum(ranges.high, values[variables])
            still = unproven[ranges.widths()[unproven] < required[unproven] - _TOLERANCE]
            settled = len(unproven) - len(still)
            unproven = still
            if settled < len(signs):
                break
        for position in unproven[ranges.widths()[unproven] < required[unproven] - _TOLERANCE]:
            variable = variables[position]
            limits: set[int] = set()
            for sign in (1.0, -1.0):
                cost = np.zeros(self._size)
                cost[variable] = sign
                values, duals = self._solve(cost)
                ranges.solves += 1
                if sign > 0:
                    ranges.low[position] = values[variable]
                else:
                    ranges.high[position] = values[variable]
                limits.update(np.nonzero(np.abs(duals) > _TOLERANCE)[0].tolist())
            if ranges.widths()[position] < required[position] - _TOLERANCE:
                ranges.binding[int(variable)] = np.array(sorted(limits), dtype=np.int64)
        return ranges
