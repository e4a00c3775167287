"""The data dictionary of the published tables, in French with the English beside it, derived
from the table declarations (`citizen_metrics.tables`): nothing here is written by hand, so it
cannot drift from the tables.

Two readers: M&E officers, in the `colonnes` sheet of the workbook (`describe`, French), and
analysts and maintainers, in `docs/data_dictionary.md` (`python -m
citizen_metrics.publish.dictionary`, or `make docs`; a test fails when the committed file differs
from what the declarations give).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from citizen_metrics.tables import ALL_TABLES, PUBLISHED, TABLES
from citizen_metrics.tables.model import Field, FieldFamily, FieldType, Table

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"

# What each published table is, in French, in publication order (the workbook's read-me and
# the analysts' tour notebook list them).
TABLES_FR: dict[str, str] = {table.name: table.description_fr for table in PUBLISHED}

TYPES: dict[FieldType, tuple[str, str]] = {
    "text": ("texte", "text"),
    "integer": ("entier", "integer"),
    "bigint": ("entier", "integer"),
    "hugeint": ("entier", "integer"),
    "number": ("nombre décimal", "decimal number"),
    "boolean": ("vrai/faux", "true/false"),
    "date": ("date", "date"),
    "timestamp": ("date et heure (UTC)", "date and time (UTC)"),
    "text_list": ("liste de textes", "list of texts"),
}

# Where allowed values come from when they are data (`Field.values_from`), said in words.
VALUE_SOURCES: dict[str, tuple[str, str]] = {
    "form:score_questions": ("questions notées de 1 à 5 du questionnaire",
                             "questions of the questionnaire scored 1 to 5"),
    "form:option_questions": ("questions à choix multiples et oui/non du questionnaire",
                              "multiple-choice and yes/no questions of the questionnaire"),
    "form:choices": ("noms de choix de ces questions dans le questionnaire",
                     "choice names of those questions in the questionnaire"),
    "rules": ("règles de quarantaine (docs/guide_field_clerks.md)",
              "quarantine rules (docs/guide_field_clerks.md)"),
}
PREFIXES: dict[str, tuple[str, str]] = {
    "form": ("liste de choix « {} » du questionnaire", "choice list \"{}\" of the questionnaire"),
    "template": ("colonne « {} » de la feuille valeurs du modèle de registre",
                 "column \"{}\" of the register template's valeurs sheet"),
    "vocabulary": ("vocabulaire « {} » de data/reference/vocabularies.yaml",
                   "vocabulary \"{}\" of data/reference/vocabularies.yaml"),
    "reference": ("liste de référence {}.csv", "reference list {}.csv"),
}


def _source_text(source: str, index: int) -> str:
    if source in VALUE_SOURCES:
        return VALUE_SOURCES[source][index]
    prefix, _, name = source.partition(":")
    return PREFIXES[prefix][index].format(name) if prefix in PREFIXES else source


def values_text(column: Field | FieldFamily, language: str) -> str:
    """The allowed values of a column, or where they come from, in French or English; for a
    family of generated columns, the list it has one column per member of."""
    index = 0 if language == "fr" else 1
    if isinstance(column, FieldFamily):
        members = _source_text(column.members, index)
        return (f"une colonne par valeur de la {members}" if index == 0
                else f"one column per value of the {members}")
    if column.values:
        return ", ".join(f"`{value}`" for value in column.values)
    return _source_text(column.values_from, index) if column.values_from else ""


def _family_match(family: FieldFamily, column: str) -> str | None:
    """The member whose column `column` is, if it is one of `family`'s."""
    pattern = re.escape(family.pattern).replace(re.escape("{member}"), "(.+)")
    found = re.fullmatch(pattern, column)
    return found.group(1) if found else None


def describe(table: str, column: str) -> str:
    """The French description of a column of a published (or any declared) table; a
    generated column (`share_<category>`) is described by its family."""
    declared = TABLES[table]
    for entry in declared.fields:
        if isinstance(entry, Field) and entry.name == column:
            return entry.description_fr
    for family in declared.families:
        member = _family_match(family, column)
        if member is not None:
            return family.member_fr.format(member=member, label=member)
    raise KeyError(f"{table} declares no column {column!r}")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table_section(table: Table) -> list[str]:
    key = ", ".join(f"`{name}`" for name in table.key) or "—"
    lines = [
        f"## `{table.name}`",
        "",
        table.description_fr,
        "",
        f"*{table.description_en}*",
        "",
        f"Clé (une ligne par) / key (one row per): {key}",
        "",
        "| colonne / column | type | vide possible / may be empty | valeurs / values "
        "| description (fr) | description (en) |",
        "|---|---|---|---|---|---|",
    ]
    for column in table.fields:
        french, english = TYPES[column.type]
        values_fr, values_en = values_text(column, "fr"), values_text(column, "en")
        values = values_fr if values_fr == values_en else f"{values_fr} / {values_en}"
        lines.append(
            f"| `{column.name}` | {french} / {english} | "
            f"{'oui / yes' if column.nullable else 'non / no'} | {_cell(values)} | "
            f"{_cell(column.description_fr)} | {_cell(column.description_en)} |"
        )
    return [*lines, ""]


def markdown() -> str:
    """`docs/data_dictionary.md`: every published table in full, then the private tables of
    the working warehouse in one line each."""
    lines = [
        "# Dictionnaire des données / Data dictionary",
        "",
        "Généré à partir des déclarations de tables (`citizen_metrics/tables/`) par "
        "`make docs` : ne pas modifier à la main. / Generated from the table declarations "
        "(`citizen_metrics/tables/`) by `make docs`: do not edit by hand.",
        "",
        "Les tables publiées sont dans `data/marts/citizen_metrics.duckdb` et, une par "
        "fichier, en Parquet et CSV dans `data/marts/exports/`. Une colonne notée "
        "`share_<category>` existe une fois par membre de la liste qui la définit (ici, par "
        "catégorie de participants du modèle de registre). / The published tables are in "
        "`data/marts/citizen_metrics.duckdb` and, one per file, as Parquet and CSV in "
        "`data/marts/exports/`. A column written `share_<category>` exists once per member of "
        "the list that defines it (here, per participant category of the register "
        "template).",
        "",
        "## Tables publiées / Published tables",
        "",
        "| table | contenu | content |",
        "|---|---|---|",
        *(f"| [`{t.name}`](#{t.name}) | {_cell(t.description_fr)} | {_cell(t.description_en)} |"
          for t in PUBLISHED),
        "",
    ]
    for table in PUBLISHED:
        lines += _table_section(table)
    lines += [
        "## Tables de travail, non publiées / Working tables, never published",
        "",
        "Dans l'entrepôt privé `data/work/warehouse.duckdb` (données pseudonymisées). / In "
        "the private warehouse `data/work/warehouse.duckdb` (pseudonymised data).",
        "",
        "| table | couche / layer | contenu | content |",
        "|---|---|---|---|",
        *(f"| `{t.name}` | {t.layer} | {_cell(t.description_fr)} | {_cell(t.description_en)} |"
          for t in ALL_TABLES if not t.published),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if the committed file differs from the declarations")
    parser.add_argument("--out", type=Path, default=DOCUMENT)
    args = parser.parse_args(argv)
    text = markdown()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
