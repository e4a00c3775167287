"""Seeded, deterministic generator of realistic demo input files for the pipeline.

Why it exists: the pipeline must be shown working end to end on files that look like the ones
field clerks drop into ``data/raw/`` (every shape of ``docs/file_formats.md``), with problems
planted in *known* numbers, so that tests can check quarantine, de-duplication, supersession and
quality flags exactly; and it must scale to a million responses for benchmarks (all per-response
work is vectorised with numpy; columns are held as integer codes into small arrays of distinct
values, so quoting, labelling and XML escaping run once per distinct value, not once per row).

Nothing here is real. Names, phone numbers, douars and comments are invented, but they are
present, as in the field, so that the pipeline can prove it never publishes them.

What is written (the 40 programme communes, two survey rounds: a baseline from January to
September 2022 and a follow-up on the same weekdays of 2024, 9 submissions in 20, with a change
planted between them: ``answers.ROUND_CHANGE_*``):

* Citizen survey (``citizen_survey.xlsx``; questions, groups, relevance and labels are read from
  the form at run time), ``n_responses`` valid submissions (the pipeline accepts exactly these)
  and, on top of them, refusals (~3 %) and invalid submissions (~1.5 %); a quota sample of
  about n/40 per commune, with plausible correlations (age pyramid, education, occupation,
  WG-SS disability ~6.5 %) and deliberate satisfaction gaps (women on roads and lighting,
  persons with a disability on reception and access to information, rural residents on water,
  youth on trust).
  Shapes (``DEFAULT_SHAPES``):

  - ``kobo_xml``: four cumulative Kobo CSV exports (2022-04-04, 07-04, 10-03 and, after the
    follow-up, 2024-10-07), XML headers with
    ``/`` group paths, HXL line, split select_multiple columns, ``;``, all quoted, CRLF, BOM.
  - ``kobo_labels_fr``: Khénifra exported with French labels on 2022-07-04 (same ``_uuid`` as
    the XML exports: the pipeline must de-duplicate across shapes).
  - ``kobo_xlsx``: Azilal as a Kobo XLSX export on 2022-10-03, real Excel datetimes, commune
    and province codes as numbers (leading zero lost).
  - ``odk_central``: Fquih Ben Salah moved to ODK Central in July; its later submissions are only
    there (``,``, ``-`` group paths, ``meta-instanceID``).
  - ``paper_fr``: two hand-typed paper-era files (an Azilal commune in Windows-1256 ``;`` CSV,
    a Béni Mellal commune as UTF-16 tab-separated "Unicode text"), label headers and answers,
    ``N° questionnaire`` ids, ages partly typed in Arabic-Indic digits, no consent column
    (one refused questionnaire in each, typed as its number alone). Windows-1256 cannot
    encode ``٠-٩``, ``É`` or ``Â``: as Excel does, they are written with their best-fit
    equivalents (ASCII digits, ``E``, ``A``), so ``Âge`` arrives as ``Age`` in that file.

* Workshop registers (``workshop_register.xlsx``): 8 experts, 5 communes each, ``n_workshops``
  workshops, ~19 attendances each, hand-typed values, each expert's workbook sent twice
  (``…_2022-06.xlsx``, then ``…_2022-09.xlsx`` with the earlier rows repeated, a few ages
  corrected).

Device times (``start``, ``end``, ``today``) are Moroccan local time, written with the offset of
the tz database (``+01:00``, ``+00:00`` during Ramadan) in CSV exports and without one in the
XLSX export; ``_submission_time`` is UTC.

Planted problems (exact counts in ``DemoSummary.injected``; see ``SURVEY_KINDS`` and
``REGISTER_KINDS``): invalid submissions of eight kinds (~1.5 %), edited submissions (~0.5 %,
same ``_uuid``, later ``_submission_time``, one answer changed, only in the exports made after
the edit), speeders, an enumerator with 30 interviews on one day, submissions dated before 2022
or in the future; unknown workshops, a participant typed twice, garbled ages, ages corrected
in a re-sent register. Every planted problem sits on its own submission, so each is counted
once whatever the order of checks.

This module is the entry point (``generate_demo_data``, ``main``) and the summary of what was
written; the work is done by the modules beside it, in the order of the random draws:

* ``population``: communes, fieldwork days, enumerators, channels, respondents' traits;
* ``answers``: the questionnaire's view of the form, and the answers to every question;
* ``planted``: invalid submissions, quality flags and edits planted in the survey;
* ``survey``: every version of every submission, with the servers' metadata;
* ``file_shapes``: the Kobo, ODK Central, XLSX and paper files written from it;
* ``registers``: the workshop registers, with their own planted problems;
* ``columns``: the column representation and vectorised rendering they all share.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citizen_metrics.ingest.reference_lists import Reference as ProjectReference
from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import Settings
from tools.demo_data.answers import form_view
from tools.demo_data.file_shapes import KOBO_SYSTEM, ODK_TRAILING, FileInfo, write_survey_files
from tools.demo_data.planted import SURVEY_FLAGS, SURVEY_INVALID, SURVEY_KINDS, FlagThresholds
from tools.demo_data.population import DEFAULT_SHAPES, reference_view
from tools.demo_data.registers import REGISTER_KINDS, Registers, build_registers, write_registers
from tools.demo_data.survey import Survey, build_survey

__all__ = [  # what `tools.demo_data` exports, importable from here as before the split
    "DEFAULT_SHAPES",
    "KOBO_SYSTEM",
    "ODK_TRAILING",
    "REGISTER_KINDS",
    "SURVEY_FLAGS",
    "SURVEY_INVALID",
    "DemoSummary",
    "generate_demo_data",
    "main",
]


@dataclass(frozen=True)
class DemoSummary:
    """What was written, with the exact number of every planted problem.

    ``submissions``: unique submissions over all survey files (an edited one counts once);
    ``no_consent``: those answered "no" to consent (or, on paper, typed as a number alone);
    ``accepted``: the others, less the invalid ones: what the pipeline must accept.
    ``files[i].problems`` gives the same kinds per file, counted in rows. ``injected`` counts
    unique submissions per kind:

    - quarantined (docs/methodology.md §6): ``age_out_of_range`` (7, 130, 12, 104),
      ``age_not_integer`` (``abc``, ``3O``, ``45.5``), ``sex_missing``, ``unknown_commune`` (a
      9-digit code of the named province that is no commune), ``commune_not_in_province`` (a
      programme commune of another province), ``sat_without_use`` (``used_<s>`` = no with a
      ``sat_<s>`` score), ``score_out_of_range`` (``sat_overall`` or ``trust_council`` = 6),
      ``missing_uuid``;
    - flagged: ``speeder`` (2-5 min), ``before_period`` (pilot interviews, December 2021, every
      timestamp), ``in_future`` (device clock eight years ahead: start, end, today and
      ``_submission_time`` in 2030), ``overloaded_day`` (the 30 interviews of one enumerator on
      Sunday 2022-05-22) and ``enumerator_overloaded_days`` (1);
    - ``edited``: submissions whose edited version (same ``_uuid``, later ``_submission_time``,
      one of EDITABLE changed) is in the last export; the original is in the earlier ones;
    - registers, in participant rows: ``unknown_workshop`` (an extra row naming an id that
      does not exist), ``duplicate_attendance`` (an extra row: a participant typed twice in the
      same workshop, phone in another format), ``bad_age`` (empty or garbled age),
      ``corrected_age`` (a wrong age in the June register, corrected in September's).
    """

    files: tuple[FileInfo, ...]
    submissions: int
    no_consent: int
    accepted: int
    workshops: int
    attendance_rows: int  # participant rows in the latest registers, planted ones included
    attendances: int  # rows that count (not an unknown workshop, not a second typing)
    unique_participants: int
    injected: dict[str, int]
    attendance_shares: dict[str, float]

    def lines(self) -> list[str]:
        planted = ", ".join(f"{k} {v}" for k, v in self.injected.items())
        return [f.line() for f in self.files] + [
            f"{len(self.files)} files: {self.submissions:,} unique submissions "
            f"({self.accepted:,} valid, {self.no_consent:,} without consent), "
            f"{self.workshops} workshops, "
            f"{self.attendances:,} attendances by {self.unique_participants:,} persons",
            f"planted: {planted}",
        ]


def _enumerator_days_over(survey: Survey, rows: np.ndarray, limit: int) -> int:
    rows = rows[~np.isnat(survey.start[rows])]
    day = survey.start[rows].astype("datetime64[D]").astype(np.int64)
    pairs = survey.enumerator[rows].astype(np.int64) * 1_000_000 + day
    _, counts = np.unique(pairs, return_counts=True)
    return int((counts > limit).sum())


def _summarise(survey: Survey | None, written: list[tuple[FileInfo, np.ndarray]],
               registers: Registers | None, register_files: list[FileInfo],
               flags: FlagThresholds) -> DemoSummary:
    injected: dict[str, int] = {}
    submissions = no_consent = accepted = 0
    if survey is not None and written:
        rows = np.unique(np.concatenate([r for _, r in written]))
        bases = np.unique(survey.base[rows])  # an original's row number is its submission's
        submissions = len(bases)
        counts = np.bincount(survey.kind[bases], minlength=len(SURVEY_KINDS))
        injected = {k: int(c) for k, c in zip(SURVEY_KINDS, counts, strict=True) if k != "clean"}
        injected["edited"] = len(np.unique(survey.base[rows[survey.is_edit[rows]]]))
        injected["enumerator_overloaded_days"] = _enumerator_days_over(
            survey, bases, flags.enumerator_daily_max)
        no_consent = int((survey.cols["consent"].values(bases) == "no").sum())
        accepted = submissions - no_consent - sum(injected[k] for k in SURVEY_INVALID)
    shares: dict[str, float] = {}
    n_workshops = rows_total = n_valid = persons = 0
    if registers is not None:
        injected.update({k: sum(a.kind == k for a in registers.rows) for k in REGISTER_KINDS})
        valid = registers.valid
        n_workshops, rows_total, n_valid = len(registers.workshops), len(registers.rows), len(valid)
        persons = len({a.person.pid for a in valid})
        if valid:
            shares = {name: round(sum(map(test, (a.person for a in valid))) / n_valid, 4)
                      for name, test in (("women", lambda p: p.female),
                                         ("youth", lambda p: p.youth),
                                         ("with_disability", lambda p: p.disability))}
    files = tuple([f for f, _ in written] + register_files)
    return DemoSummary(files, submissions, no_consent, accepted, n_workshops, rows_total,
                       n_valid, persons, injected, shares)


def generate_demo_data(out_dir: Path, *, seed: int = 2022, n_responses: int = 8350,
                       n_workshops: int = 277,
                       shapes: Sequence[str] = DEFAULT_SHAPES) -> DemoSummary:
    """Write the demo input files into ``out_dir`` (created if needed) and say what is in them.

    The same arguments always give byte-identical files.
    """
    unknown = set(shapes) - set(DEFAULT_SHAPES)
    if unknown:
        raise ValueError(f"unknown shapes {sorted(unknown)}; known: {DEFAULT_SHAPES}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env()
    form = form_view(load_form(settings.survey_form))
    ref = reference_view(ProjectReference.load(settings))
    flags = FlagThresholds.from_settings(settings)
    survey_seed, register_seed = np.random.SeedSequence(seed).spawn(2)
    survey, written = None, []
    if n_responses > 0 and shapes:
        survey = build_survey(np.random.default_rng(survey_seed), n_responses, form, ref, flags,
                              shapes)
        written = write_survey_files(survey, form, ref, out_dir, shapes)
    registers, register_files = None, []
    if n_workshops > 0:
        registers = build_registers(np.random.default_rng(register_seed), n_workshops, ref)
        register_files = write_registers(registers, out_dir, settings.register_template)
    return _summarise(survey, written, registers, register_files, flags)


def _holds_files(directory: Path) -> bool:
    return directory.exists() and any(
        p for p in directory.iterdir() if not p.name.startswith(".")
        and not p.name.upper().startswith("README"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo_data",
                                     description="Write seeded demo input files.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--responses", type=int, default=8350)
    parser.add_argument("--workshops", type=int, default=277)
    parser.add_argument("--shapes", nargs="+", default=list(DEFAULT_SHAPES),
                        choices=DEFAULT_SHAPES)
    parser.add_argument("--force", action="store_true",
                        help="write even if the folder already holds files (same names are "
                             "overwritten, nothing is deleted)")
    args = parser.parse_args(argv)
    if _holds_files(args.out) and not args.force:
        print(f"{args.out} already holds files; use --force to write there anyway",
              file=sys.stderr)
        return 2
    summary = generate_demo_data(args.out, seed=args.seed, n_responses=args.responses,
                                 n_workshops=args.workshops, shapes=args.shapes)
    print("\n".join(summary.lines()))
    return 0
