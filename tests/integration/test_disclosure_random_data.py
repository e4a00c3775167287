"""Disclosure control, the whole chain (real mart SQL, pattern search, auditor) on random
data (hypothesis): whatever the data, no withheld figure can be narrowed below the protection
width. (The auditor on tables written by hand: unit/test_disclosure.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import build_marts, communes_of, run_auditor


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), size=st.integers(40, 160))
def test_no_withheld_figure_can_be_narrowed_below_the_width(reference, seed, size) -> None:
    generator = np.random.default_rng(seed)
    communes = communes_of(reference).sort_values("commune_code")
    provinces = communes["province_code"].unique()[:2]
    chosen = communes[communes["province_code"].isin(provinces)].groupby(
        "province_code").head(3)["commune_code"].to_numpy()
    responses = pd.DataFrame({
        "commune_code": generator.choice(chosen, size),
        "sex": generator.choice(["female", "male"], size),
        "age_group": generator.choice(["youth", "adult", "senior"], size, p=[.4, .45, .15]),
        "disability": generator.choice(["with_disability", "without_disability", "unknown"],
                                       size, p=[.1, .85, .05]),
        "residence": generator.choice(["urban", "rural"], size, p=[.3, .7]),
        "sat_overall": pd.array(generator.choice([1, 2, 3, 4, 5, 9], size), dtype="Int64"),
    })
    con = build_marts(reference, responses, 10, "mart_survey_indicators", "mart_equity_gaps")
    report = run_auditor(con, reference)
    assert report.passed, report.failures[:5]
    assert report.narrowest_primary >= 0.2 - 1e-9
    hidden = con.execute("select count(*) from mart_survey_indicators where suppressed "
                         "and satisfied_share is not null").fetchone()[0]
    assert hidden == 0
    assert math.isfinite(report.seconds)
