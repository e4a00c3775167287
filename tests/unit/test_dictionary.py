"""The data dictionary is generated from the table declarations and never drifts."""

from __future__ import annotations

import pytest

from citizen_metrics.publish.dictionary import DOCUMENT, describe, main, markdown, values_text
from citizen_metrics.tables import FIELDS, PUBLISHED, TABLES


def test_the_committed_dictionary_is_what_the_declarations_give() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == markdown(), "run `make docs`"
    assert main(["--check"]) == 0


def test_check_fails_on_a_stale_file(tmp_path) -> None:
    stale = tmp_path / "data_dictionary.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", "--out", str(stale)]) == 1


def test_every_published_column_is_in_the_dictionary_in_both_languages() -> None:
    text = markdown()
    for table in PUBLISHED:
        section = text.split(f"## `{table.name}`", 1)[1].split("\n## ", 1)[0]
        assert table.description_fr in section and table.description_en in section
        for column in table.fields:
            row = next(line for line in section.splitlines()
                       if line.startswith(f"| `{column.name}` |"))
            assert column.description_fr in row and column.description_en in row
    assert "`share_<category>`" in text and "`workshops_<type>`" in text


def test_generated_columns_are_described_by_their_family() -> None:
    assert describe("mart_participation", "workshops_restitution") == (
        "Ateliers du type « restitution » (ligne total seulement).")
    # A fixed column wins over a family whose pattern it also matches.
    assert describe("mart_participation", "share_women") == (
        FIELDS["share_women"].description_fr)
    with pytest.raises(KeyError):
        describe("mart_participation", "no_such_column")


def test_where_values_come_from_is_said_in_words() -> None:
    assert values_text(TABLES["mart_survey_indicators"].column("estimate_type"), "fr") == (
        "`unweighted`, `weighted`")
    assert "modèle de registre" in values_text(FIELDS["workshop_type"], "fr")
    assert "register template" in values_text(FIELDS["workshop_type"], "en")
