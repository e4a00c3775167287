"""The assembled survey: every version of every submission, with the servers' metadata.

Part of the demo generator (`tools.demo_data`). `build_survey` runs the survey simulation in
its fixed order of random draws (`population`, `answers`, then the problems of `planted`), adds
the edited versions after the originals, and the columns no respondent answers: device times
(Moroccan local time), Kobo's system columns (`_id`, `_uuid`, `_submission_time`, …,
`__version__`), ODK's review state, paper questionnaire numbers and ages typed in
Arabic-Indic digits. The result, `Survey`, is what `file_shapes` writes in every shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tools.demo_data.answers import Form, simulate_answers
from tools.demo_data.columns import Col, Column, TextCol, iso, iso_local, random_token
from tools.demo_data.planted import (
    SURVEY_INVALID,
    FlagThresholds,
    choose_edits,
    inject_flags,
    inject_invalid,
    planted_counts,
)
from tools.demo_data.population import (
    DEFAULT_SHAPES,
    KOBO,
    PAPER_FILES,
    PROVINCE_ABBR,
    Core,
    Reference,
    simulate_core,
    simulate_people,
)

ARABIC_DIGIT_SHARE = 0.4  # paper ages typed in Arabic-Indic digits
FORM_REDEPLOYED = np.datetime64("2022-05-16")  # second ``__version__`` from this day


@dataclass
class Survey:
    """Every version of every submission (originals, then edited versions), ready to write."""

    cols: dict[str, Column]  # form names and system columns, one entry per version
    base: np.ndarray  # the submission each version belongs to
    received: np.ndarray  # true UTC receipt of the version (decides which exports hold it)
    channel: np.ndarray
    paper_file: np.ndarray
    province: np.ndarray  # province code of the commune actually visited
    kobo_id: np.ndarray
    start: np.ndarray  # written (device) times, local, and server time, UTC
    end: np.ndarray
    submitted: np.ndarray
    kind: np.ndarray  # per submission (not per version): index into SURVEY_KINDS
    paper_number: np.ndarray
    arabic_digits: np.ndarray  # a paper questionnaire whose age was typed ٣٤, not 34
    enumerator: np.ndarray
    enumerators: list[str]
    devices: list[str]

    @property
    def is_edit(self) -> np.ndarray:
        return np.arange(len(self.base)) >= len(self.kind)


def _kobo_ids(rng: np.random.Generator, received: np.ndarray, channel: np.ndarray) -> np.ndarray:
    ids = np.zeros(len(received), np.int64)
    kobo = np.flatnonzero(channel == KOBO)
    order = kobo[np.argsort(received[kobo], kind="stable")]
    ids[order] = 187_340_000 + np.cumsum(rng.integers(1, 4, len(order)))
    return ids


def _paper_numbers(core: Core, ref: Reference) -> np.ndarray:
    out = np.full(len(core.commune), "", dtype=object)
    for k, (code, _) in enumerate(PAPER_FILES):
        rows = np.flatnonzero(core.paper_file == k)
        abbr = PROVINCE_ABBR.get(code[:5], code[:5])
        out[rows] = [f"{abbr}-{i + 1:04d}" for i in range(len(rows))]
    return out


def build_survey(rng: np.random.Generator, n: int, form: Form, ref: Reference,
                 flags: FlagThresholds, shapes: Sequence[str] = DEFAULT_SHAPES) -> Survey:
    """Simulate ``n`` valid submissions and, on top of them, refusals and invalid ones; plant
    the problems, and add the edited versions."""
    per_kind, refusals = planted_counts(n)
    n += per_kind * len(SURVEY_INVALID) + refusals
    core = simulate_core(rng, n, ref, shapes, refusals)
    people = simulate_people(rng, core, ref)
    cols = simulate_answers(rng, form, core, people, ref)
    kind = np.zeros(n, np.int8)
    inject_invalid(rng, form, ref, core, cols, kind, per_kind)
    shift = inject_flags(rng, core, kind, flags)
    edits = choose_edits(rng, form, core, cols, kind)
    src = np.concatenate([np.arange(n), edits.src])
    all_cols = {name: c.take(src) for name, c in cols.items()}
    for j, (name, value) in enumerate(zip(edits.field, edits.value, strict=True)):
        all_cols[name].put(np.array([n + j]), value)
    received = np.concatenate([core.received, edits.at])
    written = received + shift[src]
    start, end = core.start[src] + shift[src], core.end[src] + shift[src]
    kobo_id = _kobo_ids(rng, core.received, core.channel)[src]
    _add_meta(rng, form, all_cols, core, src, start, end, written, kobo_id)
    province = ref.province[core.commune][src]
    return Survey(all_cols, src, received, core.channel[src], core.paper_file[src], province,
                  kobo_id, start, end, written, kind, _paper_numbers(core, ref)[src],
                  (rng.random(n) < ARABIC_DIGIT_SHARE)[src],
                  core.enumerator[src], core.enumerators, core.devices)


def _add_meta(rng: np.random.Generator, form: Form, cols: dict[str, Column], core: Core,
              src: np.ndarray, start: np.ndarray, end: np.ndarray, submitted: np.ndarray,
              kobo_id: np.ndarray) -> None:
    """Metadata, Kobo system columns (``_id`` … ``__version__``) and ODK's review state."""
    m = len(src)
    cols["start"] = TextCol(iso_local(start))
    cols["end"] = TextCol(iso_local(end))
    days, inverse = np.unique(start.astype("datetime64[D]"), return_inverse=True)
    cols["today"] = Col(inverse, iso(days, "D").astype(str))
    cols["deviceid"] = Col(core.enumerator[src], core.devices)
    cols["_id"] = TextCol(np.where(kobo_id > 0, kobo_id.astype("S"), b""))
    cols["_uuid"] = TextCol(core.uuid[src])
    cols["_submission_time"] = TextCol(iso(submitted, "s"))
    status = rng.choice(3, size=m, p=[0.7, 0.25, 0.05])
    cols["_validation_status"] = Col(status, ["", "Approved", "On Hold"])
    cols["_notes"] = Col.const(m, "")
    cols["_status"] = Col.const(m, "submitted_via_web")
    users = [e.lower().replace("-", "_") for e in core.enumerators]
    cols["_submitted_by"] = Col(core.enumerator[src], users)
    cols["_tags"] = Col.const(m, "")
    versions = [f"v{random_token(rng, 21)}" for _ in range(2)]
    redeployed = submitted >= FORM_REDEPLOYED.astype("datetime64[ms]")
    cols["__version__"] = Col(redeployed.astype(np.int8), versions)
    review = rng.choice(3, size=m, p=[0.65, 0.3, 0.05])
    cols["ReviewState"] = Col(review, ["", "approved", "hasIssues"])
    for f in form.fields:
        if f.name not in cols:
            cols[f.name] = Col.const(m, "")
