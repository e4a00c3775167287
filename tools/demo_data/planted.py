"""Problems planted in the survey on purpose, in known numbers.

Part of the demo generator (`tools.demo_data`). The pipeline's tests check quarantine, quality
flags and supersession exactly, so every problem sits on its own submission and is counted
(`SURVEY_KINDS`): invalid submissions of eight kinds (`SURVEY_INVALID`, what
docs/methodology.md §6 quarantines), quality flags kept but flagged (`SURVEY_FLAGS`: speeders,
pilot interviews before the period, a device clock eight years ahead, an enumerator's
overloaded day), set against the programme's own thresholds (`FlagThresholds`), and edits (a
later version of a submission with one answer changed, `choose_edits`). How many refusals are
planted on top of the valid submissions is decided here (`planted_counts`); who declined is
drawn with the fieldwork (`population`). The register problems live on typed rows and are
planted in `registers`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np

from citizen_metrics.settings import Settings
from tools.demo_data.answers import Form, service_names
from tools.demo_data.columns import Col, Column, to_utc
from tools.demo_data.population import KOBO, KOBO_EXPORT_DATES, PAPER, Core, Reference, pick

SURVEY_INVALID = (
    "age_out_of_range", "age_not_integer", "sex_missing", "unknown_commune",
    "commune_not_in_province", "sat_without_use", "score_out_of_range", "missing_uuid",
)
SURVEY_FLAGS = ("speeder", "before_period", "in_future", "overloaded_day")
SURVEY_KINDS = ("clean", *SURVEY_INVALID, *SURVEY_FLAGS)
INVALID_SHARE, EDIT_SHARE, SPEEDER_SHARE = 0.015, 0.005, 0.001
OVERLOAD_EXTRA, OUT_OF_PERIOD_EACH, NO_CONSENT_SHARE = 5, 2, 0.03
PILOT_DAYS_BEFORE = 19  # pilot interviews: from this many days before the fieldwork began
OVERLOAD_DAY = np.datetime64("2022-05-22T08:00", "ms")  # a Sunday
FUTURE_SHIFT = np.timedelta64(2922, "D")  # a device clock eight years ahead
EDITABLE = ("sat_overall", "trust_council", "knows_pac", "requested_info", "education")  # edits


def planted_counts(n: int) -> tuple[int, int]:
    """Invalid submissions of each kind and refusals, planted on top of ``n`` valid ones."""
    return max(1, round(n * INVALID_SHARE / len(SURVEY_INVALID))), round(n * NO_CONSENT_SHARE)


def inject_invalid(rng: np.random.Generator, form: Form, ref: Reference, core: Core,
                   cols: dict[str, Column], kind: np.ndarray, per_kind: int) -> None:
    """Break ``per_kind`` Kobo submissions in each way that docs/methodology.md §6 quarantines."""
    pool = np.flatnonzero((core.channel == KOBO) & core.consent)
    picked = pick(rng, pool, per_kind * len(SURVEY_INVALID))
    picked = picked[rng.permutation(len(picked))]
    for k, name in enumerate(SURVEY_INVALID):
        rows = np.sort(picked[k * per_kind:(k + 1) * per_kind])
        kind[rows] = SURVEY_KINDS.index(name)
        BREAKERS[name](_Survey0(rng, form, ref, core, cols), rows)


@dataclass
class _Survey0:
    """The simulated submissions before edits, as the problem planters see them."""

    rng: np.random.Generator
    form: Form
    ref: Reference
    core: Core
    cols: dict[str, Column]


def _cycle(col: Column, rows: np.ndarray, values: Sequence[str]) -> None:
    for j, value in enumerate(values):
        col.put(rows[j::len(values)], value)


def _break_age_range(x: _Survey0, rows: np.ndarray) -> None:
    _cycle(x.cols["age"], rows, ("7", "130", "12", "104"))


def _break_age_integer(x: _Survey0, rows: np.ndarray) -> None:
    _cycle(x.cols["age"], rows, ("abc", "3O", "45.5"))


def _break_sex(x: _Survey0, rows: np.ndarray) -> None:
    x.cols["sex"].put(rows, "")


def _break_unknown_commune(x: _Survey0, rows: np.ndarray) -> None:
    """A 9-digit code of the right province that is no commune of the region."""
    known = x.ref.known_communes
    province = x.ref.province[x.core.commune[rows]]
    for p in np.unique(province):
        fakes = [c for c in (f"{p}{i:04d}" for i in range(9901, 9999)) if c not in known][:3]
        _cycle(x.cols["commune"], rows[province == p], fakes)


def _break_commune_province(x: _Survey0, rows: np.ndarray) -> None:
    """A programme commune of another province than the one named."""
    provinces = x.ref.province
    other = x.rng.integers(0, len(provinces), len(rows))
    while (same := provinces[other] == provinces[x.core.commune[rows]]).any():
        other[same] = x.rng.integers(0, len(provinces), int(same.sum()))
    commune = cast(Col, x.cols["commune"])  # categorical: see answers._respondent
    commune.codes[rows] = other  # the first categories are the programme communes


def _break_sat_without_use(x: _Survey0, rows: np.ndarray) -> None:
    services = service_names(x.form)
    which = x.rng.integers(0, len(services), len(rows))
    scores = x.rng.integers(1, 6, len(rows))
    for j, s in enumerate(services):
        mine = rows[which == j]
        x.cols[f"used_{s}"].put(mine, "no")
        blank = x.cols[f"sat_{s}"].equals("")[mine]
        for score in range(1, 6):
            x.cols[f"sat_{s}"].put(mine[blank & (scores[which == j] == score)], str(score))


def _break_score(x: _Survey0, rows: np.ndarray) -> None:
    x.cols["sat_overall"].put(rows[0::2], "6")
    x.cols["trust_council"].put(rows[1::2], "6")


def _break_uuid(x: _Survey0, rows: np.ndarray) -> None:
    x.core.uuid[rows] = b""


BREAKERS: dict[str, Callable[[_Survey0, np.ndarray], None]] = {
    "age_out_of_range": _break_age_range, "age_not_integer": _break_age_integer,
    "sex_missing": _break_sex, "unknown_commune": _break_unknown_commune,
    "commune_not_in_province": _break_commune_province,
    "sat_without_use": _break_sat_without_use, "score_out_of_range": _break_score,
    "missing_uuid": _break_uuid,
}


@dataclass(frozen=True)
class FlagThresholds:
    """The quality-flag thresholds of the programme (`data/reference/programme.yaml`), so
    that planted speeders, pilot interviews and overloaded days fall on the right side."""

    short_interview_minutes: int
    earliest_interview_date: date
    enumerator_daily_max: int

    @classmethod
    def from_settings(cls, settings: Settings) -> FlagThresholds:
        return cls(settings.short_interview_minutes, settings.earliest_interview_date,
                   settings.enumerator_daily_max)


def inject_flags(rng: np.random.Generator, core: Core, kind: np.ndarray,
                 flags: FlagThresholds) -> np.ndarray:
    """Quality flags (kept, not quarantined). Returns the shift of written times per submission
    (a device clock eight years ahead for the ``in_future`` ones)."""
    n = len(kind)
    shift = np.zeros(n, "timedelta64[ms]")
    clean = (core.channel != PAPER) & core.consent & (kind == 0)
    speeders = pick(rng, np.flatnonzero(clean), max(3, round(n * SPEEDER_SHARE)))
    kind[speeders] = SURVEY_KINDS.index("speeder")
    # From 2 minutes to 10 seconds under the threshold.
    core.end[speeders] = core.start[speeders] + rng.integers(
        120_000, flags.short_interview_minutes * 60_000 - 10_000, len(speeders)
    ).astype("timedelta64[ms]")
    clean_kobo = np.flatnonzero((kind == 0) & clean & (core.channel == KOBO))
    dated = pick(rng, clean_kobo, 2 * OUT_OF_PERIOD_EACH)
    before, future = dated[:OUT_OF_PERIOD_EACH], dated[OUT_OF_PERIOD_EACH:]
    kind[before] = SURVEY_KINDS.index("before_period")
    kind[future] = SURVEY_KINDS.index("in_future")
    first_pilot_day = np.datetime64(flags.earliest_interview_date, "D") - PILOT_DAYS_BEFORE
    pilot = (first_pilot_day + np.timedelta64(10, "h")).astype("datetime64[ms]") \
        + rng.integers(0, 14, len(before)).astype("timedelta64[D]")
    _move(rng, core, before, pilot, np.timedelta64(40, "m"))  # pilot interviews
    shift[future] = FUTURE_SHIFT
    _overload(rng, core, kind, flags.enumerator_daily_max)
    return shift


def _move(rng: np.random.Generator, core: Core, rows: np.ndarray, first_start: np.ndarray,
          step: np.timedelta64) -> None:
    """Re-time ``rows`` to start at ``first_start`` + k·``step`` (plus jitter), 12-18 min long."""
    jitter = rng.integers(0, 120_000, len(rows)).astype("timedelta64[ms]")
    start = first_start + np.arange(len(rows)) * step + jitter
    duration = rng.integers(12 * 60_000, 18 * 60_000, len(rows)).astype("timedelta64[ms]")
    core.start[rows], core.end[rows] = start, start + duration
    delay = rng.integers(5 * 60_000, 180 * 60_000, len(rows)).astype("timedelta64[ms]")
    core.received[rows] = to_utc(core.end[rows]) + delay


def _overload(rng: np.random.Generator, core: Core, kind: np.ndarray, daily_max: int) -> None:
    """One enumerator logs more interviews than `daily_max` (five more) on a Sunday (no other
    fieldwork happens on Sundays)."""
    clean = (kind == 0) & core.consent & (core.channel == KOBO)
    counts = np.bincount(core.enumerator[clean], minlength=len(core.enumerators))
    who = int(np.argmax(counts))
    pool = np.flatnonzero(clean & (core.enumerator == who))
    if len(pool) <= daily_max:
        return
    rows = pick(rng, pool, daily_max + OVERLOAD_EXTRA)
    kind[rows] = SURVEY_KINDS.index("overloaded_day")
    _move(rng, core, rows, np.full(len(rows), OVERLOAD_DAY), np.timedelta64(21, "m"))


@dataclass
class Edits:
    src: np.ndarray  # submission edited
    at: np.ndarray  # UTC time of the edit
    field: list[str]
    value: list[str]


def choose_edits(rng: np.random.Generator, form: Form, core: Core,
                 cols: dict[str, Column], kind: np.ndarray) -> Edits:
    """~0.5 % of Kobo submissions edited after the 2nd export, so only the 3rd shows the edit."""
    n = len(kind)
    d2, d3 = (np.datetime64(d, "ms") for d in KOBO_EXPORT_DATES[1:3])
    pool = np.flatnonzero((kind == 0) & core.consent & (core.channel == KOBO)
                          & (core.received < d2))
    src = pick(rng, pool, max(1, round(n * EDIT_SHARE)))
    span = int((d3 - d2) / np.timedelta64(1, "ms")) - 4 * 3600_000
    at = d2 + np.timedelta64(1, "h") + rng.integers(0, span, len(src)).astype("timedelta64[ms]")
    editable = [f for f in EDITABLE if f in form and f in cols]
    fields, values = [], []
    for r in src:
        name = editable[int(rng.integers(len(editable)))]
        old = cols[name].values(np.array([r]))[0]
        options = [c for c in form.names(name) if c != old]
        fields.append(name)
        values.append(options[int(rng.integers(len(options)))])
    return Edits(src, at, fields, values)
