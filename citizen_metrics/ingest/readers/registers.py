"""Workshop registers (`workshop_register.xlsx`) to `stg_workshops` and `stg_attendances`.

Experts type these by hand and re-send the whole workbook each month with rows appended, so
values are normalised here (sex, yes/no in French or Arabic through `vocabularies.yaml`,
dates as Excel dates or `JJ/MM/AAAA` through the one date parser, phone formats) and
duplicates are left for the disposition step to count. Every mapping runs once per distinct
value of a column, on Arrow.

A participant's name and phone never leave this module: they become a keyed `person_key`
(normalised name + phone, or name alone when there is no phone; docs/methodology.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from citizen_metrics.ingest.normalise import (
    CodeList,
    clean_text,
    normalise_name,
    normalise_phone,
    parse_int,
)
from citizen_metrics.ingest.pseudonymise import Pseudonymiser
from citizen_metrics.ingest.readers.grids import (
    TextGrid,
    UnreadableFileError,
    duplicate_note,
    open_workbook,
    read_sheet,
    repeated_header,
)
from citizen_metrics.ingest.readers.results import (
    NO_DATA_ROWS,
    Batch,
    FileOutcome,
    FileRead,
    Reading,
)
from citizen_metrics.ingest.readers.values import identifier, map_distinct, match_key, parse_cells
from citizen_metrics.settings import Vocabularies
from citizen_metrics.tables.fields import REGISTER_KIND
from citizen_metrics.tables.staging import STG_ATTENDANCES, STG_WORKSHOPS

if TYPE_CHECKING:
    from citizen_metrics.ingest.sources import RawFile

WORKSHOP_SHEET = "ateliers"
PARTICIPANT_SHEET = "participants"

WORKSHOP_HEADERS = ("id_atelier", "code_commune", "date", "type_atelier", "theme", "lieu",
                    "code_expert")
PARTICIPANT_HEADERS = ("id_atelier", "nom_prenom", "sexe", "age", "categorie",
                       "situation_handicap", "milieu", "telephone")


def is_register(sheet_names: list[str]) -> bool:
    names = {match_key(name) for name in sheet_names}
    return WORKSHOP_SHEET in names and PARTICIPANT_SHEET in names


def sheet_name(sheet_names: list[str], wanted: str) -> str:
    return next(name for name in sheet_names if match_key(name) == wanted)


@dataclass(frozen=True)
class RegisterMapping:
    """What mapping a register needs besides the file: keyed hashing of identities and the
    vocabularies of hand-typed answers."""

    pseudonymiser: Pseudonymiser
    vocabularies: Vocabularies


def _positions(grid: TextGrid) -> tuple[dict[str, int], list[str]]:
    """Where each header's column is (the first, when a header is repeated), and the
    headers found more than once (a workbook reader renames a repeat `sexe_1`)."""
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    earlier: set[str] = set()
    for index, header in enumerate(grid.headers):
        key = match_key(header)
        repeated = repeated_header(key, earlier)
        earlier.add(key)
        if key in positions or repeated is not None:
            duplicates.append(repeated or key)
            continue
        positions[key] = index
    return positions, duplicates


def _columns(grid: TextGrid, expected: tuple[str, ...]) -> dict[str, pa.Array]:
    """The grid's columns under the template's names (the first of a repeated header); a
    missing column is empty text."""
    positions, _ = _positions(grid)
    empty = pa.array([""] * grid.num_rows, pa.string())
    return {name: grid.column(positions[name]) if name in positions else empty
            for name in expected}


def missing_headers(grid: TextGrid, expected: tuple[str, ...]) -> list[str]:
    present = {match_key(header) for header in grid.headers}
    return [name for name in expected if name not in present]


def _commune_code(value: str) -> str | None:
    """A commune code: digits with the leading zeros Excel drops restored; else as typed."""
    text = clean_text(value)
    if text is None:
        return None
    parsed = parse_int(text)
    return str(parsed).zfill(9) if parsed is not None else text


def _lower_code(value: str) -> str | None:
    """A code of the template's `valeurs` sheet typed by hand (`Diagnostic`, `société
    civile`): lower case, accents and spacing removed, words joined by `_`."""
    text = clean_text(value)
    return match_key(text).replace(" ", "_") if text else None


def _category(aliases: dict[str, str]) -> Callable[[str], str | None]:
    """A participant category as the template's code, through the vocabularies' aliases."""

    def category(value: str) -> str | None:
        code = _lower_code(value)
        if code is None:
            return None
        return aliases.get(code.replace("_", " "), code)

    return category


def _age(value: str) -> int | None:
    """Age in whole years as typed (`34`, `34.0`, `٣٤`); not a whole number, or a number no
    age can be, is None."""
    years = parse_int(value)
    return years if years is not None and abs(years) < 2**31 else None


def _constant(value: str, rows: int) -> pa.Array:
    return pa.array([value] * rows, pa.string())


def workshops_table(
    grid: TextGrid, mapping: RegisterMapping, *, source_file: str, sheet: str
) -> pa.Table:
    """The `stg_workshops` rows of one `ateliers` sheet."""
    raw = _columns(grid, WORKSHOP_HEADERS)
    experts = map_distinct(raw["code_expert"], identifier)
    return STG_WORKSHOPS.conform(pa.table({
        "source_file": _constant(source_file, grid.num_rows),
        "sheet": _constant(sheet, grid.num_rows),
        "source_row": grid.row_numbers,
        "workshop_id": map_distinct(raw["id_atelier"], identifier),
        "commune_code": map_distinct(raw["code_commune"], _commune_code),
        "workshop_date": parse_cells({"date": (raw["date"], None)})["date"],
        "workshop_type": map_distinct(raw["type_atelier"], _lower_code),
        "expert_key": mapping.pseudonymiser.key_array("expert", experts),
        "date_text": raw["date"],
    }))


def attendances_table(
    grid: TextGrid, mapping: RegisterMapping, *, source_file: str, sheet: str
) -> pa.Table:
    """The `stg_attendances` rows of one `participants` sheet."""
    raw = _columns(grid, PARTICIPANT_HEADERS)
    vocabularies = mapping.vocabularies
    names = map_distinct(raw["nom_prenom"], normalise_name)
    phones = map_distinct(raw["telephone"], normalise_phone)
    # Name and phone as one identity (`name|phone`); neither: no identity at all.
    identities = pc.if_else(
        pc.or_(pc.is_valid(names), pc.is_valid(phones)),
        pc.binary_join_element_wise(pc.fill_null(names, ""), pc.fill_null(phones, ""), "|"),
        pa.nulls(grid.num_rows, pa.string()),
    )
    return STG_ATTENDANCES.conform(pa.table({
        "source_file": _constant(source_file, grid.num_rows),
        "sheet": _constant(sheet, grid.num_rows),
        "source_row": grid.row_numbers,
        "workshop_id": map_distinct(raw["id_atelier"], identifier),
        "person_key": mapping.pseudonymiser.key_array("participant", identities),
        "has_phone": pc.is_valid(phones),
        "sex": map_distinct(raw["sexe"], CodeList(vocabularies.sex).parse),
        "age": map_distinct(raw["age"], _age, pa.int32()),
        "category": map_distinct(raw["categorie"], _category(dict(vocabularies.category_aliases))),
        "disability": map_distinct(raw["situation_handicap"], CodeList(vocabularies.yes_no).parse),
        "residence": map_distinct(raw["milieu"], CodeList(vocabularies.residence).parse),
    }))


SHEETS = (
    (WORKSHOP_SHEET, WORKSHOP_HEADERS, STG_WORKSHOPS, workshops_table),
    (PARTICIPANT_SHEET, PARTICIPANT_HEADERS, STG_ATTENDANCES, attendances_table),
)


def read_register(raw: RawFile, mapping: RegisterMapping) -> Reading:
    """Read one register workbook: yields its workshops and attendances, returns one
    outcome per sheet (a sheet without `id_atelier` is rejected, the other may load)."""
    try:
        workbook = open_workbook(raw.read())
        names = workbook.sheet_names
        grids = {sheet: read_sheet(workbook, sheet_name(names, sheet))
                 for sheet, *_ in SHEETS}
    except (UnreadableFileError, StopIteration) as error:
        return FileRead(outcomes=[FileOutcome.rejected(raw.name, REGISTER_KIND, str(error))])
    result = FileRead()
    for sheet, expected, table, build in SHEETS:
        grid = grids[sheet]
        missing = missing_headers(grid, expected)
        if "id_atelier" in missing:
            result.outcomes.append(FileOutcome.rejected(
                raw.name, REGISTER_KIND, "la feuille n'a pas de colonne id_atelier", sheet))
            continue
        yield Batch(table, build(grid, mapping, source_file=raw.name, sheet=sheet))
        result.outcomes.append(FileOutcome(
            source_file=raw.name,
            sheet=sheet,
            file_kind=REGISTER_KIND,
            file_shape="register_xlsx",
            status="loaded",
            reason="; ".join(note for note in (
                None if grid.rows_read else NO_DATA_ROWS,
                duplicate_note([name for name in _positions(grid)[1] if name in expected]))
                if note) or None,
            rows_read=grid.rows_read,
            missing_questions=", ".join(missing) or None,
        ))
    return result


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
