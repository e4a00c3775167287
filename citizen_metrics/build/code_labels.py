"""Labels of the codes, read at run time: `data/reference/labels.yaml` for what the
questionnaire does not carry (age bands, breakdown names, dispositions, quarantine rules…).

The questionnaire's own labels (questions, choices) and the reference lists (communes,
provinces) are already in the warehouse (`ref_survey_questions`, `ref_survey_choices`,
`ref_communes`, `ref_provinces`); this module adds `ref_labels`, one row per labelled code,
and the SQL of `citizen_metrics/build/sql/label_*.sql` joins the three sources into the published
`label_*` tables. No label is written in code: a wording changes in the YAML file or in the
form, and the next run publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pandera.pandas as pa
import yaml

from citizen_metrics.settings import SURVEY_ROUND, Settings
from citizen_metrics.tables.labels import LABEL_TABLES_DECLARED

LABELS_FILE_NAME = "labels.yaml"

# Tables published from the labels, in the order the workbook and the docs list them.
LABEL_TABLES = tuple(table.name for table in LABEL_TABLES_DECLARED)


class LabelRows(pa.DataFrameModel):
    """`ref_labels`: every code has a French and an Arabic label, or names the question of
    the form its labels come from."""

    code_list: str
    parent: str | None = pa.Field(nullable=True)
    code: str
    question: str | None = pa.Field(nullable=True)
    label_fr: str | None = pa.Field(nullable=True)
    label_ar: str | None = pa.Field(nullable=True)
    sort_order: int

    @pa.dataframe_check
    @classmethod
    def labelled_or_from_the_form(cls, frame: pd.DataFrame) -> pd.Series:
        french = frame["label_fr"].fillna("").str.strip().ne("")
        arabic = frame["label_ar"].fillna("").str.strip().ne("")
        return (french & arabic) | frame["question"].notna()

    class Config:
        unique: ClassVar[list[str]] = ["code_list", "parent", "code"]


@dataclass(frozen=True)
class LabelFile:
    """The parsed labels file, placeholders filled in from the run's settings."""

    rows: pd.DataFrame

    @classmethod
    def load(cls, path: Path, settings: Settings) -> LabelFile:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        placeholders = {
            "youth_min_age": settings.youth_min_age,
            "youth_max_age": settings.youth_max_age,
            "adult_min_age": settings.youth_max_age + 1,
            "adult_max_age": settings.senior_min_age - 1,
            "senior_min_age": settings.senior_min_age,
            "threshold": settings.suppression_threshold,
        }
        # The survey rounds' labels are the programme's (programme.yaml, survey_rounds).
        survey_round = (loaded.get("dimensions") or {}).get(SURVEY_ROUND)
        if isinstance(survey_round, dict):
            survey_round["groups"] = {r.code: {"fr": r.label_fr, "ar": r.label_ar}
                                      for r in settings.survey_rounds}
        rows = _rows(loaded, placeholders, path, settings.region_code)
        frame = pd.DataFrame(rows, columns=list(LabelRows.to_schema().columns))
        return cls(rows=LabelRows.validate(frame))


def _label(entry: Any, placeholders: dict[str, int], where: str) -> tuple[str, str]:
    if not isinstance(entry, dict) or not entry.get("fr") or not entry.get("ar"):
        raise ValueError(f"{where}: needs a French (fr) and an Arabic (ar) label, got {entry!r}")
    try:
        return (str(entry["fr"]).format(**placeholders), str(entry["ar"]).format(**placeholders))
    except KeyError as error:
        raise ValueError(f"{where}: unknown placeholder {error}; known: {sorted(placeholders)}")\
            from error


def _rows(loaded: dict[str, Any], placeholders: dict[str, int], path: Path,
          region_code: str) -> list[tuple]:
    """One row per code: (code_list, parent, code, question, label_fr, label_ar, order)."""
    required = {"region", "dimensions", "unknown", "indicators", "participation_indicators",
                "lists"}
    missing = required - set(loaded)
    if missing:
        raise ValueError(f"{path}: missing sections {sorted(missing)}")
    region = loaded["region"]
    if str(region.get("code")) != region_code:
        raise ValueError(f"{path}: region code {region.get('code')!r} is not {region_code!r}")
    rows: list[tuple] = [
        ("region", None, region_code, None, *_label(region, placeholders, f"{path}: region"), 0)
    ]
    for order, (dimension, entry) in enumerate(loaded["dimensions"].items()):
        where = f"{path}: dimensions.{dimension}"
        if entry.get("question"):
            rows.append(("dimension", None, dimension, entry["question"], None, None, order))
        else:
            rows.append(("dimension", None, dimension, None,
                         *_label(entry, placeholders, where), order))
        for group_order, (group, label) in enumerate((entry.get("groups") or {}).items()):
            rows.append(("group", dimension, str(group), None,
                         *_label(label, placeholders, f"{where}.groups.{group}"), group_order))
    rows.append(("unknown", None, "unknown", None,
                 *_label(loaded["unknown"], placeholders, f"{path}: unknown"), 0))
    for dimension, groups in (loaded.get("comparison_groups") or {}).items():
        for order, (group, label) in enumerate(groups.items()):
            where = f"{path}: comparison_groups.{dimension}.{group}"
            rows.append(("comparison_group", dimension, str(group), None,
                         *_label(label, placeholders, where), order))
    for section, code_list in (("indicators", "indicator"),
                               ("participation_indicators", "participation_indicator")):
        for order, (code, label) in enumerate(loaded[section].items()):
            rows.append((code_list, None, str(code), None,
                         *_label(label, placeholders, f"{path}: {section}.{code}"), order))
    for code_list, codes in loaded["lists"].items():
        for order, (code, label) in enumerate(codes.items()):
            rows.append((code_list, None, str(code), None,
                         *_label(label, placeholders, f"{path}: lists.{code_list}.{code}"),
                         order))
    return rows


def labels_file(settings: Settings) -> Path:
    return settings.reference_dir / LABELS_FILE_NAME
