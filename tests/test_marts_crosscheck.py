"""The indicator SQL against an independent implementation (pandas and numpy) on random data.

Random responses are written as `int_survey_responses`; the mart is built by the real SQL
(threshold 1, so nothing is suppressed) and compared with plain pandas groupbys and
`numpy.average` for the total, single-dimension and pair breakdowns at every level.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.marts import SqlContext, run_sql
from pipeline.reference import Reference
from pipeline.settings import Settings

RNG = np.random.default_rng(20221)
N = 3000


@pytest.fixture(scope="module")
def built() -> tuple[pd.DataFrame, duckdb.DuckDBPyConnection]:
    settings = Settings.from_env(suppression_threshold=1)
    context = SqlContext.build(settings)
    reference = Reference.load(settings)
    con = duckdb.connect()
    reference.write(con)
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
    })
    for question in context.form.likert_questions:
        frame[question] = pd.array(RNG.choice([1, 2, 3, 4, 5, 9, None], N), dtype="Int64")
    for service in context.form.services:
        frame[f"used_{service}"] = np.where(frame[f"sat_{service}"].isna(), "no", "yes")
    population = picked["population_2024"].to_numpy()
    frame["weight"] = population / frame.groupby("commune_code")["sex"].transform("size")
    con.register("frame", frame)
    con.execute("create table int_survey_responses as select * from frame")
    run_sql(con, "mart_survey_indicators", context)
    return frame, con


LEVELS = {"commune": "commune_code", "province": "province_code", "region": None}
BREAKDOWNS = [(), ("sex",), ("age_group",), ("sex", "residence"), ("age_group", "disability")]


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("dimensions", BREAKDOWNS)
def test_grouping_sets_equal_pandas_groupby(built, level: str, dimensions: tuple) -> None:
    frame, con = built
    question = "sat_voirie"
    rated = frame[frame[question].between(1, 5)].copy()
    rated["satisfied"] = rated[question] >= 4
    keys = [k for k in (LEVELS[level], *dimensions) if k]
    if not keys:
        rated["all"] = "all"
        keys = ["all"]
    expected = rated.groupby(keys).agg(
        n_rated=(question, "size"), mean_score=(question, "mean"),
        satisfied_share=("satisfied", "mean"),
    )
    expected["weighted_mean"] = rated.groupby(keys).apply(
        lambda g: np.average(g[question].astype(float), weights=g["weight"]),
        include_groups=False,
    )
    breakdown = ",".join(dimensions) or "total"
    published = con.execute(
        """
        select geography_code, group_key, estimate_type, n_rated, mean_score, satisfied_share
        from mart_survey_indicators
        where geography_level = ? and breakdown = ? and indicator = ?
        """,
        [level, breakdown, question],
    ).df()
    # Groups with respondents but no score are published too, with n_rated = 0.
    assert (published.n_rated > 0).sum() == 2 * len(expected)
    for index, row in expected.iterrows():
        index = index if isinstance(index, tuple) else (index,)
        geography = index[0] if LEVELS[level] else "05"
        group = ",".join(index[1:] if LEVELS[level] else index) if dimensions else "all"
        match = published[(published.geography_code == geography)
                          & (published.group_key == group)].set_index("estimate_type")
        assert match.loc["unweighted", "n_rated"] == row["n_rated"]
        assert match.loc["unweighted", "mean_score"] == pytest.approx(row["mean_score"])
        assert match.loc["unweighted", "satisfied_share"] == pytest.approx(
            row["satisfied_share"])
        assert match.loc["weighted", "mean_score"] == pytest.approx(row["weighted_mean"])
