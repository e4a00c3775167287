"""The indicator SQL against an independent implementation (pandas and numpy) on random data.

Random responses are written as `int_survey_responses`; the mart is built by the real SQL
and compared with plain pandas groupbys and `numpy.average` for the total, single-dimension
and pair breakdowns at every level: the sums behind every estimate exactly (in
`int_survey_rollup`, before anything is withheld), and the published estimates as rounded
at publication (`citizen_metrics.disclosure.precision`).

With a threshold of 1 no group is too small, so what is withheld is only what is withheld
by design: pairs of dimensions within a commune (`commune_pair`), and the weighted pair
figures of provinces and the region, which the public weights would turn back into those
communes' hidden figures (`weighted_pair`).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from citizen_metrics.build.runner import SqlContext, run_sql
from citizen_metrics.disclosure.precision import SCORE, SHARE
from citizen_metrics.ingest.reference_lists import Reference
from citizen_metrics.settings import Settings

RNG = np.random.default_rng(20221)
N = 3000


@pytest.fixture(scope="module")
def built() -> tuple[pd.DataFrame, duckdb.DuckDBPyConnection]:
    settings = Settings.from_env(suppression_threshold=1)
    context = SqlContext.build(settings)
    reference = Reference.load(settings)
    con = duckdb.connect()
    reference.write(con)
    run_sql(con, "ref_geography", context)
    communes = reference.communes.to_pandas().sample(12, random_state=1)
    picked = communes.iloc[RNG.integers(0, len(communes), N)]
    frame = pd.DataFrame({
        "province_code": picked["province_code"].to_numpy(),
        "commune_code": picked["commune_code"].to_numpy(),
        "commune_type": picked["commune_type"].to_numpy(),
        "sex": RNG.choice(["female", "male"], N),
        "age_group": RNG.choice(["youth", "adult", "senior", "unknown"], N, p=[.4, .4, .15, .05]),
        "disability": RNG.choice(["with_disability", "without_disability", "unknown"], N,
                                 p=[.07, .9, .03]),
        "residence": RNG.choice(["urban", "rural"], N),
        "survey_round": RNG.choice([r.code for r in settings.survey_rounds], N),
    })
    for question in context.form.likert_questions:
        frame[question] = pd.array(RNG.choice([1, 2, 3, 4, 5, 9, None], N), dtype="Int64")
    for service in context.form.services:
        frame[f"used_{service}"] = np.where(frame[f"sat_{service}"].isna(), "no", "yes")
    population = picked["population_2024"].to_numpy()
    frame["weight"] = population / frame.groupby("commune_code")["sex"].transform("size")
    con.register("frame", frame)
    con.execute("create table int_survey_responses as select * from frame")
    run_sql(con, "int_survey_rollup", context)
    run_sql(con, "mart_survey_indicators", context)
    return frame, con


LEVELS = {"commune": "commune_code", "province": "province_code", "region": None}
BREAKDOWNS = [(), ("sex",), ("age_group",), ("sex", "residence"), ("age_group", "disability"),
              ("survey_round",), ("sex", "survey_round")]


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("dimensions", BREAKDOWNS)
def test_grouping_sets_equal_pandas_groupby(built, level: str, dimensions: tuple) -> None:
    frame, con = built
    question = "sat_voirie"
    rated = frame[frame[question].between(1, 5)].copy()
    rated["satisfied"] = rated[question] >= 4
    rated["score"] = rated[question].astype(float)
    rated["weighted_score"] = rated["score"] * rated["weight"]
    keys = [k for k in (LEVELS[level], *dimensions) if k]
    if not keys:
        rated["all"] = "all"
        keys = ["all"]
    groups = rated.groupby(keys)
    expected = groups.agg(
        n_rated=(question, "size"), sum_score=("score", "sum"),
        n_satisfied=("satisfied", "sum"), mean_score=("score", "mean"),
        satisfied_share=("satisfied", "mean"), w_rated=("weight", "sum"),
        w_score=("weighted_score", "sum"),
    )
    expected["weighted_mean"] = groups.apply(
        lambda g: np.average(g["score"], weights=g["weight"]), include_groups=False,
    )
    breakdown = ",".join(dimensions) or "total"
    parameters = [level, breakdown, question]
    sums = con.execute(
        """
        select geography_code, group_key, n_rated, sum_score, n_satisfied, w_rated, w_score
        from int_survey_rollup
        where geography_level = ? and breakdown = ? and indicator = ?
        """, parameters).df().set_index(["geography_code", "group_key"])
    published = con.execute(
        """
        select geography_code, group_key, estimate_type, n_rated, mean_score, satisfied_share,
               suppressed, suppression
        from mart_survey_indicators
        where geography_level = ? and breakdown = ? and indicator = ?
        """, parameters).df()
    # Groups with respondents but no score are published too, with n_rated = 0.
    assert (published.n_rated > 0).sum() == 2 * len(expected)
    # A pair, or the survey round, is never published for a commune, nor weighted above it.
    by_design = len(dimensions) == 2 or "survey_round" in dimensions
    commune_pair = level == "commune" and by_design
    reasons = {  # what is withheld, by estimate type (see the module docstring)
        "unweighted": "commune_pair" if commune_pair else None,
        "weighted": "commune_pair" if commune_pair
        else "weighted_pair" if by_design else None,
    }
    for index, row in expected.iterrows():
        index = index if isinstance(index, tuple) else (index,)
        geography = index[0] if LEVELS[level] else "05"
        group = ",".join(index[1:] if LEVELS[level] else index) if dimensions else "all"
        # The sums, exactly (weights to floating-point rounding).
        cell = sums.loc[(geography, group)]
        assert (cell["n_rated"], cell["sum_score"], cell["n_satisfied"]) == (
            row["n_rated"], row["sum_score"], row["n_satisfied"])
        assert cell["w_rated"] == pytest.approx(row["w_rated"], rel=1e-12)
        assert cell["w_score"] / cell["w_rated"] == pytest.approx(row["weighted_mean"],
                                                                   rel=1e-12)
        # The published estimates, rounded, or withheld with the reason expected.
        match = published[(published.geography_code == geography)
                          & (published.group_key == group)].set_index("estimate_type")
        assert match.loc["unweighted", "n_rated"] == row["n_rated"]
        values = {
            "unweighted": (row["mean_score"], row["satisfied_share"]),
            "weighted": (row["weighted_mean"], None),
        }
        for estimate, (mean, share) in values.items():
            published_row = match.loc[estimate]
            reason = reasons[estimate]
            if reason is not None:
                assert published_row["suppressed"], (geography, group, estimate)
                assert published_row["suppression"] == reason
                assert pd.isna(published_row["mean_score"])
                continue
            assert not published_row["suppressed"], (geography, group, estimate)
            assert_rounded(published_row["mean_score"], mean,
                           SCORE.for_type(str(estimate)))
            if share is not None:
                assert_rounded(published_row["satisfied_share"], share,
                               SHARE.for_type(str(estimate)))


def assert_rounded(published: float, exact: float, decimals: int) -> None:
    """`published` is `exact` rounded to `decimals` (either way at a tie)."""
    assert round(published, decimals) == published
    assert published == pytest.approx(exact, abs=0.5 * 10**-decimals + 1e-12)
