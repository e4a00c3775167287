"""The pattern search's own reasoning, on tiny families worked out by hand.

- A lone suppressed group beside its published total and siblings is protected by their
  roundings when they leave it room (no complement), and needs one when they pin it.
- A province's weighted figure is withheld where whole numbers would pin a suppressed
  commune under it and its unweighted twin, and published where they would not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from citizen_metrics.disclosure.cells import CellStructure
from citizen_metrics.disclosure.costs import FigureCosts
from citizen_metrics.disclosure.model import FamilyFigures, WeightedFigures
from citizen_metrics.disclosure.pattern import Measure, protect
from citizen_metrics.disclosure.protection import pinned_weighted

# --- a lone suppressed group and the roundings of its siblings ------------------------------

# One commune, 1,000 ratings: 100 with a disability (40 satisfied), 897 without (359), and 3
# whose disability is unknown (1 satisfied): a primary figure (3 < 10), which must keep a
# range of 0.2 × 3 = 0.6, that is two whole values.
GROUPS = pd.DataFrame({
    "geography_level": "commune", "geography_code": "c1",
    "breakdown": ["total", "disability", "disability", "disability"],
    "group_key": ["all", "with_disability", "without_disability", "unknown"],
})
COUNTS = np.array([1000.0, 100.0, 897.0, 3.0])
SATISFIED = np.array([400.0, 40.0, 359.0, 1.0])


def satisfied_measure(low: list[float], high: list[float]) -> Measure:
    """The satisfied counts, published within [low, high] (whole numbers)."""
    return Measure("satisfied", SATISFIED, COUNTS.copy(), np.array(low), np.array(high),
                   np.where(COUNTS < 10, 0.2 * COUNTS, 0.0))


def search(measure: Measure) -> np.ndarray:
    structure = CellStructure.build(GROUPS, {"c1": "p1"})
    figures = FamilyFigures(structure)
    costs = FigureCosts.of(structure.cells, COUNTS)
    return protect(figures, COUNTS, [measure], costs, threshold=10).hidden


def test_a_lone_group_is_protected_by_the_roundings_of_its_siblings() -> None:
    # To a whole point: the total 40 % of 1,000 is 395 to 405 satisfied; 40 % of 100 is 40
    # (39.5 to 40.5); 40 % of 897 is 354.4 to 363.3, so 355 to 363. The unknown group is
    # total − with − without: anything from 395 − 40 − 363 = −8 to 405 − 40 − 355 = 10, so
    # 0 to 3 (its own bounds): every value. Nothing else need be withheld.
    hidden = search(satisfied_measure([395, 40, 355, 0], [405, 40, 363, 3]))
    assert hidden.tolist() == [False, False, False, True]


def test_a_lone_group_pinned_by_exact_siblings_takes_a_complement() -> None:
    # To a tenth of a point: 400 (399.5 to 400.5), 40, and 40.0 % of 897 = 358.8 to 359.7,
    # so 359: the unknown group is 400 − 40 − 359 = 1, exactly. One more figure goes: the
    # cheapest, a group (with a disability, 100 ratings) before the commune's total.
    hidden = search(satisfied_measure([400, 40, 359, 0], [400, 40, 359, 3]))
    assert hidden.tolist() == [False, True, False, True]


# --- weighted figures and whole numbers ------------------------------------------------------

# Three communes of one province, each suppressed (8, 5 and 6 women rated, fewer than 10;
# 6, 1 and 2 satisfied). The province publishes its unweighted figure (9 satisfied of 19)
# and, unless withheld, its weighted one to a whole point.
RATED = np.array([8.0, 5.0, 6.0])
WOMEN_SATISFIED = np.array([6.0, 1.0, 2.0])


def province_of_three(weights: list[float]) -> tuple[FamilyFigures, Measure, np.ndarray]:
    cells = pd.DataFrame({
        "geography_level": ["province", "commune", "commune", "commune"],
        "geography_code": ["p1", "c1", "c2", "c3"],
        "breakdown": "sex", "group_key": "female",
    })
    provinces = {"c1": "p1", "c2": "p1", "c3": "p1"}
    structure = CellStructure.build(cells, provinces)
    counts = np.concatenate([[RATED.sum()], RATED])
    weighted = WeightedFigures.build(structure, counts, dict(zip(["c1", "c2", "c3"],
                                                                 weights, strict=True)))
    figures = FamilyFigures(structure, weighted)
    values = figures.values(np.concatenate([[WOMEN_SATISFIED.sum()], WOMEN_SATISFIED]))
    ceilings = figures.ceilings(counts)
    total_weight = float(weighted.totals[0])
    share = round(values[-1] / total_weight, 2)  # the weighted share, to a whole point
    low = np.concatenate([[9.0], np.zeros(3), [(share - 0.005) * total_weight]])
    high = np.concatenate([[9.0], RATED, [(share + 0.005) * total_weight]])
    required = np.concatenate([[0.0], 0.2 * RATED, [0.0]])
    measure = Measure("satisfied", values, ceilings, low, high, required)
    hidden = np.array([False, True, True, True, False])
    return figures, measure, hidden


def test_a_weighted_figure_that_pins_its_communes_in_whole_numbers_is_withheld() -> None:
    # Weights 3,209, 2,102 and 704 (population over respondents): the weighted share is
    # (6 × 3,209 + 1 × 2,102 + 2 × 704) / (8 × 3,209 + 5 × 2,102 + 6 × 704) = 22,764 /
    # 40,406 = 56 %. Of the whole-number triples of at most 8, 5 and 6 summing to 9, only
    # (6, 1, 2) gives a weighted share between 55.5 % and 56.5 % (the auditor's test
    # enumerates them): published, it would pin every commune.
    figures, measure, hidden = province_of_three([3209.0, 2102.0, 704.0])
    assert pinned_weighted(figures, [measure], hidden).tolist() == [
        False, False, False, False, True]


def test_a_weighted_figure_over_communes_of_like_weights_is_published() -> None:
    # Weights 1,000, 1,001 and 1,002: one more satisfied woman here and one fewer there
    # moves the weighted numerator by 1 or 2, far within what a whole point leaves
    # (±0.5 % of about 19,000): whole numbers pin nothing, the figure stays published.
    figures, measure, hidden = province_of_three([1000.0, 1001.0, 1002.0])
    assert not pinned_weighted(figures, [measure], hidden).any()


def test_a_family_without_any_sum_is_searched_too() -> None:
    # A single figure (a commune's total, 3 ratings, 2 satisfied) ties nothing: it is
    # withheld for itself and the search, which has no sum to look at, just says so.
    cells = GROUPS.iloc[:1]
    counts, satisfied = np.array([3.0]), np.array([2.0])
    measure = Measure("satisfied", satisfied, counts, np.array([2.0]), np.array([2.0]),
                      0.2 * counts)
    structure = CellStructure.build(cells, {"c1": "p1"})
    hidden = protect(FamilyFigures(structure), counts, [measure],
                     FigureCosts.of(structure.cells, counts), threshold=10).hidden
    assert hidden.tolist() == [True]
