"""Where the pipeline reads and writes, and the numbers and spellings the M&E plan sets.

This is the only module that reads the environment. Paths come from environment variables so
that the same Dagster definitions run on another folder (a test fixture, a benchmark, a
production share) without editing a file; relative paths are resolved against the repository
root, not the current directory, so that `dagster dev` started from anywhere sees the same
data. The programme's numbers (age bands, quality-flag thresholds, the region, default
targets) and the hand-typed spellings of coded answers are reference data, read once from
`data/reference/programme.yaml` and `vocabularies.yaml` into the typed `Settings`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]

MARTS_DATABASE_NAME = "citizen_metrics.duckdb"
DEFAULT_SALT_FILE = "data/work/pseudonymisation.salt"  # in the default work folder
SALT_FILE_NAME = "pseudonymisation.salt"
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"
# Disclosure control in full (the default, and the only choice in production), or primary
# suppression only: for measuring the rest of the pipeline at a scale where the search for
# complementary figures would not finish (`make bench` at national scale, docs/scaling.md).
FULL_DISCLOSURE, PRIMARY_ONLY_DISCLOSURE = "full", "primary_only"
PROGRAMME_FILE = "programme.yaml"
VOCABULARIES_FILE = "vocabularies.yaml"
# Where interviews and workshops happen: device times without an offset (Kobo XLSX `start`,
# `end`, `today`; hand-typed times) are this zone's local time, and the interview's day is
# the local day. A tz-database name, so that Morocco's changes (UTC+0 during Ramadan, UTC+1
# the rest of the year since 2018) are followed, not a fixed offset.
LOCAL_TIME_ZONE = "Africa/Casablanca"


def _path_from_env(variable: str, default: str) -> Path:
    path = Path(os.environ.get(variable) or default).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _int_from_env(variable: str) -> int | None:
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"{variable} must be an integer, got {raw!r}") from error


def _float_from_env(variable: str, default: float) -> float:
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ValueError(f"{variable} must be a number, got {raw!r}") from error


def _bool_from_env(variable: str) -> bool:
    """A yes/no switch: `1`, `true`, `yes` or `oui` (any case) mean yes; unset means no."""
    return os.environ.get(variable, "").strip().lower() in ("1", "true", "yes", "oui")


def failpoint() -> str | None:
    """`PIPELINE_FAILPOINT`: where a test makes the run die or pause on purpose
    (`citizen_metrics.operations.failpoints`); unset in every real run."""
    return os.environ.get("PIPELINE_FAILPOINT") or None


def force_rebuild() -> bool:
    """`PIPELINE_FORCE_REBUILD=1` (`make run FORCE_REBUILD=1`): rebuild and publish even
    when nothing is new since the last publication (`citizen_metrics.operations.quiet`)."""
    return _bool_from_env("PIPELINE_FORCE_REBUILD")


def _yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FileNotFoundError(f"reference file missing: {path}") from error
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return loaded


@dataclass(frozen=True)
class Vocabularies:
    """The spellings of coded answers typed by hand (`vocabularies.yaml`): for each code list,
    code -> spellings; participant category aliases; the marks of a selected option."""

    sex: Mapping[str, tuple[str, ...]]
    yes_no: Mapping[str, tuple[str, ...]]
    residence: Mapping[str, tuple[str, ...]]
    category_aliases: Mapping[str, str]
    selected_flags: tuple[str, ...]

    @classmethod
    def load(cls, path: Path) -> Vocabularies:
        data = _yaml(path)

        def code_list(name: str) -> dict[str, tuple[str, ...]]:
            return {str(code): tuple(str(s) for s in spellings)
                    for code, spellings in data[name].items()}

        return cls(
            sex=code_list("sex"),
            yes_no=code_list("yes_no"),
            residence=code_list("residence"),
            category_aliases={str(k): str(v) for k, v in data["category_aliases"].items()},
            selected_flags=tuple(str(flag) for flag in data["selected_flags"]),
        )


# The breakdown dimension of the survey's rounds (`sex,survey_round`…).
SURVEY_ROUND = "survey_round"


@dataclass(frozen=True)
class SurveyRound:
    """One round of the survey (a baseline, a follow-up): the interviews whose local day
    falls between `first_day` and `last_day` (both included). The period is one more
    breakdown of the survey's figures (`survey_round`), published for provinces and the
    region (docs/methodology.md §2)."""

    code: str
    label_fr: str
    label_ar: str
    first_day: dt.date
    last_day: dt.date


def survey_rounds(programme: Mapping[str, Any], earliest: dt.date,
                  today: dt.date) -> tuple[SurveyRound, ...]:
    """The rounds `programme.yaml` defines (`survey_rounds`), checked: each with French and
    Arabic labels, in order, not overlapping. Without any, each calendar year from the
    earliest valid interview date to `today` is a round of its own."""
    declared = programme.get("survey_rounds") or {}
    if not declared:
        return tuple(
            SurveyRound(str(year), str(year), str(year), dt.date(year, 1, 1),
                        dt.date(year, 12, 31))
            for year in range(earliest.year, today.year + 1)
        )
    rounds = []
    for code, entry in declared.items():
        where = f"{PROGRAMME_FILE}: survey_rounds.{code}"
        try:
            rounds.append(SurveyRound(
                code=str(code), label_fr=str(entry["fr"]), label_ar=str(entry["ar"]),
                first_day=dt.date.fromisoformat(str(entry["from"])),
                last_day=dt.date.fromisoformat(str(entry["to"])),
            ))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{where}: needs fr, ar, from and to (dates YYYY-MM-DD): {error}")\
                from error
    for survey_round in rounds:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", survey_round.code) \
                or survey_round.code == "unknown":
            raise ValueError(f"{PROGRAMME_FILE}: survey_rounds.{survey_round.code}: a round's "
                             "code is 1–20 letters, digits, - or _ (and not `unknown`)")
    for before, after in itertools.pairwise(rounds):
        if before.first_day > before.last_day or after.first_day <= before.last_day:
            raise ValueError(f"{PROGRAMME_FILE}: survey_rounds {before.code} and {after.code} "
                             "must be in order and must not overlap")
    if rounds[-1].first_day > rounds[-1].last_day:
        raise ValueError(f"{PROGRAMME_FILE}: survey_rounds.{rounds[-1].code} ends before it "
                         "starts")
    return tuple(rounds)


def undated_round(programme: Mapping[str, Any], rounds: tuple[SurveyRound, ...]) -> str:
    """The round a response without any date belongs to (`programme.yaml`,
    `undated_survey_round`: the programme's paper questionnaires, typed without their date,
    are the baseline's); the first round when the file does not say."""
    code = programme.get("undated_survey_round")
    if code is None:
        return rounds[0].code
    if str(code) not in {r.code for r in rounds}:
        raise ValueError(f"{PROGRAMME_FILE}: undated_survey_round {code!r} is not one of "
                         f"survey_rounds ({', '.join(r.code for r in rounds)})")
    return str(code)


def load_targets(path: Path, defaults: Mapping[str, float]) -> dict[str, float]:
    """Participation targets from YAML (`share_women: 0.30`…) over the programme's defaults;
    a target the defaults do not know is an error (it would silently compare nothing)."""
    if not path.exists():
        return dict(defaults)
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    targets = loaded.get("targets", loaded) if isinstance(loaded, dict) else None
    if not isinstance(targets, dict):
        raise ValueError(f"{path}: expected `targets:` with one share per line")
    unknown = set(targets) - set(defaults)
    if unknown:
        raise ValueError(f"{path}: unknown targets {sorted(unknown)}; known: {dict(defaults)}")
    values = {**defaults, **{k: float(v) for k, v in targets.items()}}
    bad = {k: v for k, v in values.items() if not 0 <= v <= 1}
    if bad:
        raise ValueError(f"{path}: targets are shares between 0 and 1, got {bad}")
    return values


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost to read, checked before it is parsed (`programme.yaml`,
    `read_limits`), so that whatever is dropped in the raw folder, the run's memory stays
    bounded.

    - workbook_max_bytes: the size of a workbook's parts once uncompressed, all together
      (an `.xlsx` is a zip archive: 1 MB on disk may inflate to gigabytes);
    - workbook_max_ratio: uncompressed over compressed size of any part above 1 MiB
      (ordinary sheets compress 5 to 10 times; a "zip bomb" a thousand times);
    - text_whole_max_bytes: a text file read whole rather than streamed (not plain UTF-8, or
      broken partway), which costs several times its size in memory.
    """

    workbook_max_bytes: int
    workbook_max_ratio: float
    text_whole_max_bytes: int

    @classmethod
    def from_programme(cls, limits: Mapping[str, Any]) -> ReadLimits:
        mebibyte = 1 << 20
        return cls(
            workbook_max_bytes=int(limits["workbook_max_uncompressed_mb"]) * mebibyte,
            workbook_max_ratio=float(limits["workbook_max_compression_ratio"]),
            text_whole_max_bytes=int(limits["text_read_whole_max_mb"]) * mebibyte,
        )


@dataclass(frozen=True)
class AlertSettings:
    """Where a failed night is reported (`citizen_metrics.operations.alerts`): always a line in
    `log_file`; an e-mail when `smtp_host` and `mail_to` are set; a JSON post when `webhook_url`
    is."""

    log_file: Path
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "citizen-metrics@localhost"
    mail_to: tuple[str, ...] = ()
    webhook_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, work_dir: Path) -> AlertSettings:
        recipients = os.environ.get("PIPELINE_ALERT_MAIL_TO", "")
        return cls(
            log_file=_path_from_env("PIPELINE_ALERT_LOG", str(work_dir / "alerts.log")),
            smtp_host=os.environ.get("PIPELINE_ALERT_SMTP_HOST") or None,
            smtp_port=_int_from_env("PIPELINE_ALERT_SMTP_PORT") or 25,
            smtp_user=os.environ.get("PIPELINE_ALERT_SMTP_USER") or None,
            smtp_password=os.environ.get("PIPELINE_ALERT_SMTP_PASSWORD") or None,
            smtp_starttls=_bool_from_env("PIPELINE_ALERT_SMTP_STARTTLS"),
            mail_from=os.environ.get("PIPELINE_ALERT_MAIL_FROM") or "citizen-metrics@localhost",
            mail_to=tuple(address.strip() for address in recipients.split(",")
                          if address.strip()),
            webhook_url=os.environ.get("PIPELINE_ALERT_WEBHOOK_URL") or None,
        )


@dataclass(frozen=True)
class Settings:
    """Paths and rules of one pipeline run.

    - raw_dir: where field clerks drop exports (`PIPELINE_RAW_DIR`, default `data/raw`).
    - marts_dir: published marts and exports (`PIPELINE_MARTS_DIR`, default `data/marts`).
    - work_dir: the private working warehouse, holding staging tables with pseudonymised
      rows that must never be published (`PIPELINE_WORK_DIR`, default `data/work`).
    - reference_dir: communes, provinces, cohort, the XLSForm, the register template, the
      programme's numbers and the vocabularies (`PIPELINE_REFERENCE_DIR`, `data/reference`).
    - targets_file: participation targets (`PIPELINE_TARGETS_FILE`, `config/targets.yaml`).
    - suppression_threshold: minimum group size for a published estimate (docs/methodology.md §5,
      `PIPELINE_SUPPRESSION_THRESHOLD`).
    - protection_width: how far, on its scale, a figure suppressed for resting on too few
      people must stay uncertain given everything published (0.2: 20 points of a share;
      `PIPELINE_PROTECTION_WIDTH`).
    - min_age / max_age: valid survey ages; youth_min_age / youth_max_age: the youth band
      (`PIPELINE_YOUTH_MAX_AGE` moves its end); senior_min_age: the senior band's start. The
      adult band runs between youth and senior (docs/methodology.md §2).
    - short_interview_minutes, earliest_interview_date, enumerator_daily_max: the
      quality-flag thresholds (docs/methodology.md §6).
    - survey_rounds: the survey's rounds (`programme.yaml`, `survey_rounds`; each calendar
      year when it defines none), one more breakdown of the survey's figures;
      undated_survey_round: the round of a response without any date.
    - region_code / region_name, targets (defaults of the programme file under the targets
      file), vocabularies (hand-typed spellings).
    - disclosure_control: `full`, or `primary_only` (`PIPELINE_DISCLOSURE_CONTROL`): only
      figures resting on too few people suppressed, no complementary ones; for benchmarks, its
      output fails the disclosure audit, and production refuses it.
    - duckdb_memory_limit: DuckDB's cap on the warehouse connections
      (`PIPELINE_DUCKDB_MEMORY_LIMIT`, 2GB): past it, DuckDB spills to disk.
    - salt / salt_file / production: the pseudonymisation secret (`PIPELINE_SALT`), the file
      it is kept in otherwise (`PIPELINE_SALT_FILE`), and whether this is production
      (`PIPELINE_ENV=production`, where a missing salt is an error; see
      `citizen_metrics.ingest.pseudonymise`).
    - read_limits: what one file may cost to read (`programme.yaml`, `read_limits`).
    - max_drop: the share by which accepted responses or attendances may fall from the last
      publication before the night is refused (`programme.yaml`, `guard`;
      `PIPELINE_GUARD_MAX_DROP`); rebaseline: accept a smaller night on purpose, once
      (`PIPELINE_REBASELINE=1`; see `citizen_metrics.operations.guard`).
    - run_lock_wait_seconds: how long a run waits for another run on the same folders before
      it stops (`PIPELINE_RUN_LOCK_WAIT_SECONDS`, 0: at once; see
      `citizen_metrics.operations.runlock`).
    - alerts: where a failed night is reported (`PIPELINE_ALERT_*`, see
    `citizen_metrics.operations.alerts`).
    """

    raw_dir: Path
    marts_dir: Path
    work_dir: Path
    reference_dir: Path
    targets_file: Path
    suppression_threshold: int
    min_age: int
    max_age: int
    youth_min_age: int
    youth_max_age: int
    senior_min_age: int
    short_interview_minutes: int
    earliest_interview_date: dt.date
    enumerator_daily_max: int
    region_code: str
    region_name: str
    targets: Mapping[str, float]
    vocabularies: Vocabularies = field(repr=False)
    survey_rounds: tuple[SurveyRound, ...] = ()
    undated_survey_round: str = ""
    protection_width: float = 0.2
    disclosure_control: str = FULL_DISCLOSURE
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    salt: str | None = field(default=None, repr=False)
    salt_file: Path = REPO_ROOT / DEFAULT_SALT_FILE
    production: bool = False
    read_limits: ReadLimits = ReadLimits(
        workbook_max_bytes=1 << 30, workbook_max_ratio=100.0, text_whole_max_bytes=256 << 20)
    max_drop: float = 0.2
    rebaseline: bool = False
    run_lock_wait_seconds: float = 0.0
    alerts: AlertSettings = field(
        default_factory=lambda: AlertSettings(log_file=REPO_ROOT / "data/work/alerts.log"))

    @property
    def marts_database(self) -> Path:
        return self.marts_dir / MARTS_DATABASE_NAME

    @property
    def warehouse_database(self) -> Path:
        return self.work_dir / "warehouse.duckdb"

    @property
    def survey_form(self) -> Path:
        return self.reference_dir / "forms" / "citizen_survey.xlsx"

    @property
    def register_template(self) -> Path:
        return self.reference_dir / "forms" / "workshop_register.xlsx"

    @classmethod
    def from_env(
        cls,
        *,
        raw_dir: Path | None = None,
        marts_dir: Path | None = None,
        work_dir: Path | None = None,
        reference_dir: Path | None = None,
        suppression_threshold: int | None = None,
        rebaseline: bool | None = None,
    ) -> Settings:
        """The settings of the environment, with the arguments given instead of their
        variables (a test or a Dagster resource pointing the run at other folders)."""
        reference = reference_dir or _path_from_env("PIPELINE_REFERENCE_DIR", "data/reference")
        programme = _yaml(reference / PROGRAMME_FILE)
        ages, flags = programme["ages"], programme["quality_flags"]
        youth_min, youth_max = (int(age) for age in ages["youth"])
        targets_file = _path_from_env("PIPELINE_TARGETS_FILE", "config/targets.yaml")
        defaults = {str(k): float(v) for k, v in programme["default_targets"].items()}
        threshold = suppression_threshold
        if threshold is None:
            threshold = _int_from_env("PIPELINE_SUPPRESSION_THRESHOLD")
        if threshold is None:
            threshold = int(programme["suppression_threshold"])
        youth_max_env = _int_from_env("PIPELINE_YOUTH_MAX_AGE")
        production = os.environ.get("PIPELINE_ENV", "").lower() == "production"
        disclosure = (os.environ.get("PIPELINE_DISCLOSURE_CONTROL") or FULL_DISCLOSURE).strip()
        if disclosure not in (FULL_DISCLOSURE, PRIMARY_ONLY_DISCLOSURE):
            raise ValueError(f"PIPELINE_DISCLOSURE_CONTROL must be {FULL_DISCLOSURE} or "
                             f"{PRIMARY_ONLY_DISCLOSURE}, got {disclosure!r}")
        if production and disclosure != FULL_DISCLOSURE:
            raise ValueError("PIPELINE_DISCLOSURE_CONTROL=primary_only is for benchmarks: "
                             "production always publishes with disclosure control in full")
        work = work_dir or _path_from_env("PIPELINE_WORK_DIR", "data/work")
        rounds = survey_rounds(
            programme, dt.date.fromisoformat(str(flags["earliest_interview_date"])),
            dt.date.today())
        return cls(
            raw_dir=raw_dir or _path_from_env("PIPELINE_RAW_DIR", "data/raw"),
            marts_dir=marts_dir or _path_from_env("PIPELINE_MARTS_DIR", "data/marts"),
            work_dir=work,
            reference_dir=reference,
            targets_file=targets_file,
            suppression_threshold=threshold,
            protection_width=_float_from_env(
                "PIPELINE_PROTECTION_WIDTH",
                float(programme["disclosure"]["protection_width"]),
            ),
            min_age=int(ages["minimum"]),
            max_age=int(ages["maximum"]),
            youth_min_age=youth_min,
            youth_max_age=youth_max if youth_max_env is None else youth_max_env,
            senior_min_age=int(ages["senior_from"]),
            short_interview_minutes=int(flags["short_interview_minutes"]),
            earliest_interview_date=dt.date.fromisoformat(
                str(flags["earliest_interview_date"])
            ),
            enumerator_daily_max=int(flags["enumerator_daily_maximum"]),
            survey_rounds=rounds,
            undated_survey_round=undated_round(programme, rounds),
            region_code=str(programme["region"]["code"]),
            region_name=str(programme["region"]["name"]),
            targets=load_targets(targets_file, defaults),
            vocabularies=Vocabularies.load(reference / VOCABULARIES_FILE),
            duckdb_memory_limit=(os.environ.get("PIPELINE_DUCKDB_MEMORY_LIMIT")
                                 or DEFAULT_DUCKDB_MEMORY_LIMIT),
            salt=os.environ.get("PIPELINE_SALT", "").strip() or None,
            # The salt follows the work folder it keys, unless a file is named.
            salt_file=_path_from_env("PIPELINE_SALT_FILE", str(work / SALT_FILE_NAME)),
            production=production,
            disclosure_control=disclosure,
            read_limits=ReadLimits.from_programme(programme["read_limits"]),
            max_drop=_float_from_env("PIPELINE_GUARD_MAX_DROP",
                                     float(programme["guard"]["max_drop"])),
            rebaseline=_bool_from_env("PIPELINE_REBASELINE") if rebaseline is None
            else rebaseline,
            run_lock_wait_seconds=_float_from_env("PIPELINE_RUN_LOCK_WAIT_SECONDS", 0.0),
            alerts=AlertSettings.from_env(work),
        )

