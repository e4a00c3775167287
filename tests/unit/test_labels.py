"""Labels: the labels file follows the settings and a broken one is refused. (Every code
of the marts has a French and an Arabic label: integration/test_labels_of_the_marts.py.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from citizen_metrics.build.code_labels import LabelFile, labels_file
from citizen_metrics.settings import Settings


def test_age_bands_and_threshold_follow_the_settings(tmp_path: Path) -> None:
    settings = replace(Settings.from_env(), youth_max_age=24, suppression_threshold=5)
    rows = LabelFile.load(labels_file(settings), settings).rows
    label = rows.set_index(["code_list", "code"])["label_fr"]
    assert label[("group", "youth")] == "Jeunes (15–24 ans)"
    assert label[("group", "adult")] == "Adultes (25–59 ans)"
    assert label[("suppression", "primary")] == "masqué (n < 5)"


@pytest.mark.parametrize(("text", "error"), [
    ("region: {code: '05', fr: X}\n", "missing sections"),
    ("region: {code: '06', fr: X, ar: Y}\ndimensions: {}\nunknown: {fr: a, ar: b}\n"
     "indicators: {}\nparticipation_indicators: {}\nlists: {}\n", "region code"),
    ("region: {code: '05', fr: X, ar: Y}\ndimensions: {}\nunknown: {fr: a, ar: b}\n"
     "indicators: {}\nparticipation_indicators: {}\nlists: {rule: {r1: {fr: a}}}\n",
     "Arabic"),
    ("region: {code: '05', fr: X, ar: Y}\ndimensions: {}\nunknown: {fr: a, ar: b}\n"
     "indicators: {}\nparticipation_indicators: {}\nlists: {rule: {r1: {fr: '{oops}', ar: b}}}"
     "\n", "unknown placeholder"),
])
def test_a_broken_labels_file_is_refused(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        LabelFile.load(path, Settings.from_env())
