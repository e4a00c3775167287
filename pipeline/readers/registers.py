"""Workshop registers (`workshop_register.xlsx`): workshops and their attendance lists.

Experts type these by hand and re-send the whole workbook each month with rows appended, so
values are normalised here (sex, yes/no in French or Arabic, dates as Excel dates or
`JJ/MM/AAAA`, phone formats) and duplicates are left for the disposition step to count.

A participant's name and phone never leave this module: they become a keyed `person_key`
(normalised name + phone, or name alone when there is no phone; INDICATORS.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pipeline.normalise import (
    CodeList,
    clean_text,
    map_series,
    normalise_name,
    normalise_phone,
    parse_date,
    parse_int,
)
from pipeline.privacy import Pseudonymiser
from pipeline.readers.tables import TextGrid, open_workbook, read_sheet
from pipeline.settings import Vocabularies
from pipeline.xlsform import header_key

WORKSHOP_SHEET = "ateliers"
PARTICIPANT_SHEET = "participants"

WORKSHOP_HEADERS = ("id_atelier", "code_commune", "date", "type_atelier", "theme", "lieu",
                    "code_expert")
PARTICIPANT_HEADERS = ("id_atelier", "nom_prenom", "sexe", "age", "categorie",
                       "situation_handicap", "milieu", "telephone")

WORKSHOP_COLUMNS = ("source_file", "sheet", "source_row", "workshop_id", "commune_code",
                    "workshop_date", "workshop_type", "expert_key", "date_text")
ATTENDANCE_COLUMNS = ("source_file", "sheet", "source_row", "workshop_id", "person_key",
                      "has_phone", "sex", "age", "category", "disability", "residence")


def is_register(sheet_names: list[str]) -> bool:
    names = {header_key(name) for name in sheet_names}
    return WORKSHOP_SHEET in names and PARTICIPANT_SHEET in names


def sheet_name(sheet_names: list[str], wanted: str) -> str:
    return next(name for name in sheet_names if header_key(name) == wanted)


def _grid_frame(grid: TextGrid, expected: tuple[str, ...]) -> pd.DataFrame:
    """The grid as a frame with the template's column names; missing columns are empty."""
    positions = {header_key(header): index for index, header in enumerate(grid.headers)}
    frame = pd.DataFrame(
        {
            name: (
                grid.column(positions[name]).to_pandas()
                if name in positions
                else pd.Series([""] * grid.num_rows, dtype="str")
            )
            for name in expected
        }
    )
    frame["source_row"] = grid.row_numbers.to_pandas()
    return frame


def missing_headers(grid: TextGrid, expected: tuple[str, ...]) -> list[str]:
    present = {header_key(header) for header in grid.headers}
    return [name for name in expected if name not in present]


def _code(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    parsed = parse_int(text)
    return str(parsed).zfill(9) if parsed is not None else text


def _lower_code(value: object) -> str | None:
    text = clean_text(value)
    return header_key(text).replace(" ", "_") if text else None


def workshops_frame(
    grid: TextGrid,
    *,
    source_file: str,
    sheet: str,
    pseudonymiser: Pseudonymiser,
    vocabularies: Vocabularies,
) -> pd.DataFrame:
    raw = _grid_frame(grid, WORKSHOP_HEADERS)
    dates = map_series(raw["date"], parse_date)
    experts = map_series(raw["code_expert"], lambda v: (clean_text(v) or "").upper() or None)
    return pd.DataFrame(
        {
            "source_file": source_file,
            "sheet": sheet,
            "source_row": raw["source_row"].astype("int64"),
            "workshop_id": map_series(raw["id_atelier"], lambda v: (clean_text(v) or "").upper()
                                      or None),
            "commune_code": map_series(raw["code_commune"], _code),
            "workshop_date": pd.to_datetime(dates, errors="coerce"),
            "workshop_type": map_series(raw["type_atelier"], _lower_code),
            "expert_key": pseudonymiser.keys("expert", experts.tolist()),
            "date_text": raw["date"],
        },
        columns=list(WORKSHOP_COLUMNS),
    )


def _category(aliases: dict[str, str]) -> Callable[[object], str | None]:
    """A participant category as the template's code, through the vocabularies' aliases."""

    def category(value: object) -> str | None:
        code = _lower_code(value)
        if code is None:
            return None
        return aliases.get(code.replace("_", " "), code)

    return category


def attendances_frame(
    grid: TextGrid,
    *,
    source_file: str,
    sheet: str,
    pseudonymiser: Pseudonymiser,
    vocabularies: Vocabularies,
) -> pd.DataFrame:
    raw = _grid_frame(grid, PARTICIPANT_HEADERS)
    names = map_series(raw["nom_prenom"], normalise_name)
    phones = map_series(raw["telephone"], normalise_phone)
    identities = [
        None if name is None and phone is None else f"{name or ''}|{phone or ''}"
        for name, phone in zip(names, phones, strict=True)
    ]
    ages = map_series(raw["age"], parse_int)
    return pd.DataFrame(
        {
            "source_file": source_file,
            "sheet": sheet,
            "source_row": raw["source_row"].astype("int64"),
            "workshop_id": map_series(raw["id_atelier"], lambda v: (clean_text(v) or "").upper()
                                      or None),
            "person_key": pseudonymiser.keys("participant", identities),
            "has_phone": phones.notna().to_numpy(),
            "sex": map_series(raw["sexe"], CodeList(vocabularies.sex).parse),
            "age": pd.array(ages.tolist(), dtype="Int64"),
            "category": map_series(raw["categorie"],
                                   _category(dict(vocabularies.category_aliases))),
            "disability": map_series(raw["situation_handicap"],
                                     CodeList(vocabularies.yes_no).parse),
            "residence": map_series(raw["milieu"], CodeList(vocabularies.residence).parse),
        },
        columns=list(ATTENDANCE_COLUMNS),
    )


def template_vocabulary(template: Path) -> dict[str, list[str]]:
    """The code lists of the register template's `valeurs` sheet (`a | b | c` per column).

    Workshop types and participant categories are read from the template, not from code, so
    that a new category added to the template reaches the marts without a code change.
    """
    grid = read_sheet(open_workbook(template.read_bytes()), "valeurs")
    vocabulary: dict[str, list[str]] = {}
    for name, values in zip(grid.column(0).to_pylist(), grid.column(1).to_pylist(),
                            strict=True):
        if name and "|" in values:
            vocabulary[name] = [value.strip() for value in values.split("|")]
    return vocabulary
