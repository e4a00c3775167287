"""Where the pipeline reads and writes, and the few numbers the M&E plan lets us tune.

Everything comes from environment variables so that the same Dagster definitions run on
another folder (a test fixture, a benchmark, a production share) without editing a file.
Relative paths are resolved against the repository root, not the current directory, so that
`dagster dev` started from anywhere sees the same data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

MARTS_DATABASE_NAME = "citizen_metrics.duckdb"
# Where interviews and workshops happen: device times without an offset (Kobo XLSX `start`,
# `end`, `today`; hand-typed times) are this zone's local time, and the interview's day is
# the local day. A tz-database name, so that Morocco's changes (UTC+0 during Ramadan, UTC+1
# the rest of the year since 2018) are followed, not a fixed offset.
LOCAL_TIME_ZONE = "Africa/Casablanca"


def _path_from_env(variable: str, default: str) -> Path:
    path = Path(os.environ.get(variable) or default).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _int_from_env(variable: str, default: int) -> int:
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return default
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


@dataclass(frozen=True)
class Settings:
    """Paths and tunable rules of one pipeline run.

    - raw_dir: where field clerks drop exports (`PIPELINE_RAW_DIR`, default `data/raw`).
    - marts_dir: published marts and exports (`PIPELINE_MARTS_DIR`, default `data/marts`).
    - work_dir: the private working warehouse, holding staging tables with pseudonymised
      rows that must never be published (`PIPELINE_WORK_DIR`, default `data/work`).
    - reference_dir: communes, provinces, cohort, the XLSForm and the register template
      (`PIPELINE_REFERENCE_DIR`, default `data/reference`).
    - targets_file: participation targets (`PIPELINE_TARGETS_FILE`, default `config/targets.yaml`).
    - suppression_threshold: minimum group size for a published estimate (INDICATORS.md §5).
    - protection_width: how far, on its scale, a figure withheld for resting on too few
      people must stay uncertain given everything published (0.2: 20 points of a share).
    - youth_min_age / youth_max_age: the youth band (INDICATORS.md §2); the adult band starts
      the year after youth ends.
    """

    raw_dir: Path
    marts_dir: Path
    work_dir: Path
    reference_dir: Path
    targets_file: Path
    suppression_threshold: int = 10
    protection_width: float = 0.2
    youth_min_age: int = 15
    youth_max_age: int = 29
    senior_min_age: int = 60
    min_age: int = 15
    max_age: int = 100

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
    def from_env(cls) -> Settings:
        youth_max = _int_from_env("PIPELINE_YOUTH_MAX_AGE", 29)
        return cls(
            raw_dir=_path_from_env("PIPELINE_RAW_DIR", "data/raw"),
            marts_dir=_path_from_env("PIPELINE_MARTS_DIR", "data/marts"),
            work_dir=_path_from_env("PIPELINE_WORK_DIR", "data/work"),
            reference_dir=_path_from_env("PIPELINE_REFERENCE_DIR", "data/reference"),
            targets_file=_path_from_env("PIPELINE_TARGETS_FILE", "config/targets.yaml"),
            suppression_threshold=_int_from_env("PIPELINE_SUPPRESSION_THRESHOLD", 10),
            protection_width=_float_from_env("PIPELINE_PROTECTION_WIDTH", 0.2),
            youth_max_age=youth_max,
        )
