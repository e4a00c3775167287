"""The Excel workbook M&E officers open: `exports/citizen_metrics.xlsx`.

One sheet per theme (satisfaction, information and participation answers, equity gaps,
workshop participation, targets, files, quarantine, flags), each with every geography and
the total and each single dimension, and one sheet of the pairs of dimensions (sex × commune
type, sex × residence, age × sex…) of the satisfaction indicators for the provinces and the
region, each dimension in a column of its own. The commune pairs, the single breakdown by
commune type and the unweighted province and region estimates stay in the CSV and Parquet
files, whose rows are too many to read in Excel. French headers, codes replaced by their
French labels (read from the published `label_*` tables), shares as percentages, gaps
between shares in percentage points, counts as integers, a frozen header row, filters and
widths that fit what each column holds. A figure suppressed by disclosure control reads
"masqué", never 0 or an empty cell.

An officer answers a question with filters alone: every figure row carries its province
(code and name), its commune type and whether the commune is in the programme, taken from
`label_geographies` in the sheet's query; "satisfaction of women in rural communes of
Azilal" is three filters on the pairs sheet (Province, Sexe, Type de commune).

Cells are written one by one with xlsxwriter, each with the writer of its type: every
text through `write_string`, so a value starting with `=` stays text and never becomes a
formula, and codes keep their leading zeros; a text that a spreadsheet could still read as a
formula if someone edited the cell (`=`, `+`, `-`, `@`, tab, carriage return) also carries
Excel's quote prefix (`citizen_metrics.publish.spreadsheet`). The file's properties carry the
date of the data, not the time of the run, so that two runs on the same files write the same
bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from citizen_metrics.disclosure.precision import SHARE_DECIMALS
from citizen_metrics.publish.dictionary import TABLES_FR, describe
from citizen_metrics.publish.report.data import data_as_of
from citizen_metrics.publish.spreadsheet import (
    as_text_sql,
    runs_as_formula,
    write_csv_for_excel,
)
from citizen_metrics.settings import SURVEY_ROUND
from citizen_metrics.tables.marts import (
    MART_EQUITY_GAPS,
    MART_FIELDWORK,
    MART_PARTICIPATION,
    MART_SURVEY_INDICATORS,
    MART_SURVEY_OPTIONS,
    MART_TARGETS,
    QUALITY_DISCLOSURE,
    QUALITY_FILE_SUMMARY,
    QUALITY_FLAGS,
    QUALITY_QUARANTINE,
)
from citizen_metrics.tables.model import Table

WORKBOOK_NAME = "citizen_metrics.xlsx"
MAX_SHEET_ROWS = 50_000  # data rows per sheet: more is split over numbered sheets
SINGLE_BREAKDOWNS = ("total", "sex", "age_group", "disability", "residence")
WITHHELD = "masqué"
YES, NO = "oui", "non"
# The workbook's date when there is no data at all (any fixed date: the bytes must not
# depend on the clock).
FIXED_DATE = datetime(2022, 1, 1)
# Column widths, in characters: wide enough for the longest value written (or a word of the
# header, which wraps on up to three lines), plus room for the filter's button; never wider
# than MAX_WIDTH (a longer text shows whole in the cell's tooltip and the formula bar).
MIN_WIDTH, MAX_WIDTH, FILTER_BUTTON, HEADER_LINES = 6, 60, 2, 3

# Cell kinds: how a value is written and shown.
TEXT, CODE, COUNT, SHARE, GAP, DECIMAL, YES_NO, DATETIME = (
    "text", "code", "count", "share", "gap", "decimal", "yes_no", "datetime")

# A gap is a difference of two shares: shown in percentage points, not as a percentage (a
# gap of 0.05 between 45 % and 40 % is 5 points, not 5 %). The marts publish shares and gaps
# to SHARE_DECIMALS (a tenth of a point), so points keep SHARE_DECIMALS - 2 decimals.
POINT_DECIMALS = SHARE_DECIMALS - 2
POINTS_HEADER = " (points)"

NUMBER_FORMATS = {
    COUNT: "#,##0",
    SHARE: "0.0%",
    GAP: '+0.0" pts";-0.0" pts";0.0" pts"',
    DECIMAL: "0.00",
    DATETIME: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its French header, what it shows and where it comes from.

    `source` is the published column it shows (for the `colonnes` sheet); `withheld_by`
    names the query's boolean column that says the value is suppressed; `description`
    replaces the published column's description where the sheet shows it differently.
    """

    header: str
    kind: str
    source: str
    withheld_by: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.kind == GAP and not self.header.endswith(POINTS_HEADER):
            raise ValueError(f"{self.header!r}: a gap's header says it is in points")


@dataclass(frozen=True)
class Sheet:
    """One theme: the published table it shows (`table`, whose declaration names the sheet,
    or with `pairs` its sheet of pairs of dimensions; a column's `source` names another
    table's column as `table.column`), its query and its columns."""

    table: Table
    query: str
    columns: tuple[Column, ...]
    parameters: tuple[Any, ...] = field(default_factory=tuple)
    pairs: bool = False

    @property
    def name(self) -> str:
        name = self.table.pairs_sheet if self.pairs else self.table.sheet
        if name is None:
            raise ValueError(f"{self.table.name}: its declaration names no "
                             f"{'pairs ' if self.pairs else ''}sheet")
        return name

    def describe(self, column: Column) -> str:
        """The French description of what a sheet column shows."""
        if column.description is not None:
            return column.description
        table, _, name = column.source.rpartition(".")
        return describe(table or self.table.name, name)


# Where a figure is: the geography and its province (every figure row)…
AREA_COLUMNS = (
    Column("Niveau", TEXT, "geography_level"),
    Column("Code", CODE, "geography_code"),
    Column("Nom", TEXT, "geography_name"),
    Column("Nom (arabe)", TEXT, "label_geographies.name_ar"),
    Column("Code province", CODE, "label_geographies.province_code"),
    Column("Province", TEXT, "label_geographies.province_name_fr",
           description="Nom de la province de la commune, ou de la province elle-même ; "
           "« Région » pour la région."),
)
# … and, for a commune, its type and whether it is one of the programme's communes.
COMMUNE_TYPE = Column("Type de commune", TEXT, "label_geographies.commune_type",
                      description="Type officiel de la commune : commune urbaine "
                      "(municipalité) ou rurale ; vide pour une province ou la région.")
COMMUNE_COLUMNS = (
    COMMUNE_TYPE,
    Column("Commune du programme", YES_NO, "label_geographies.in_programme",
           description="« oui » si la commune est l'une des 40 communes du programme, "
           "« non » sinon ; vide pour une province ou la région."),
)
GEOGRAPHY_COLUMNS = (*AREA_COLUMNS, *COMMUNE_COLUMNS)
BREAKDOWN_COLUMNS = (
    Column("Ventilation", TEXT, "breakdown"),
    Column("Groupe", TEXT, "group_key"),
)
# Why a figure is suppressed; empty when the row's figures are published.
STATUS = Column("Secret statistique", TEXT, "suppression")


def _area_select(alias: str = "m") -> str:
    """The values of AREA_COLUMNS; needs `_geography_joins`."""
    return (
        f"coalesce(lv.label_fr, {alias}.geography_level), {alias}.geography_code, "
        f"coalesce(g.name_fr, {alias}.geography_name), g.name_ar, g.province_code, "
        f"case when {alias}.geography_level = 'region' then lv.label_fr "
        f"else g.province_name_fr end"
    )


def _geography_select(alias: str = "m") -> str:
    """The values of GEOGRAPHY_COLUMNS; needs `_geography_joins`."""
    return (
        f"{_area_select(alias)}, "
        f"case when {alias}.geography_level = 'commune' "
        f"then coalesce(lt.label_fr, g.commune_type) end, "
        f"case when {alias}.geography_level = 'commune' then g.in_programme end"
    )


def _geography_joins(alias: str = "m") -> str:
    return (
        f"left join label_geographies g on g.geography_level = {alias}.geography_level "
        f"and g.geography_code = {alias}.geography_code "
        f"left join label_codes lv on lv.code_list = 'geography_level' "
        f"and lv.code = {alias}.geography_level "
        f"left join label_groups lt on lt.breakdown = 'commune_type' "
        f"and lt.group_key = g.commune_type "
    )


def _geography_order(alias: str = "m") -> str:
    return f"coalesce(g.sort_order, 1e9), {alias}.geography_code"


def _withheld_reason(alias: str = "m") -> str:
    """Why the row's figures are suppressed (label of its `suppression`), NULL if they are not;
    needs `_suppression_join`."""
    return f"case when {alias}.suppressed then coalesce(ls.label_fr, '{WITHHELD}') end"


def _breakdown_joins(alias: str = "m") -> str:
    return (
        f"left join label_groups lg on lg.breakdown = {alias}.breakdown "
        f"and lg.group_key = {alias}.group_key "
    )


def _singles(alias: str = "m") -> str:
    return f"{alias}.breakdown in ({', '.join(repr(b) for b in SINGLE_BREAKDOWNS)})"


def _suppression_join(alias: str = "m", column: str = "suppression") -> str:
    return (f"left join label_codes ls on ls.code_list = 'suppression' "
            f"and ls.code = {alias}.{column} ")


# The satisfaction figures of one row of `mart_survey_indicators`, in the satisfaction sheet
# and its sheet of pairs alike.
SATISFACTION_FIGURES = (
    Column("Indicateur", TEXT, "indicator"),
    Column("Répondants", COUNT, "n_respondents"),
    Column("Notes de 1 à 5", COUNT, "n_rated"),
    Column("Ne sait pas", COUNT, "n_dont_know"),
    Column("Taux d'utilisation", SHARE, "usage_rate", "usage_suppressed"),
    Column("Note moyenne (1 à 5)", DECIMAL, "mean_score", "suppressed"),
    Column("Part de satisfaits (4 ou 5)", SHARE, "satisfied_share", "suppressed"),
    Column("IC 95 % bas", SHARE, "ci_low", "suppressed"),
    Column("IC 95 % haut", SHARE, "ci_high", "suppressed"),
    STATUS,
)


def _satisfaction_figures_select(alias: str = "m") -> str:
    """The values of SATISFACTION_FIGURES, then their flags; needs `_suppression_join` and
    `label_indicators li`."""
    return (
        f"coalesce(li.label_fr, {alias}.indicator), "
        f"{alias}.n_respondents, {alias}.n_rated, {alias}.n_dont_know, "
        f"{alias}.usage_rate, {alias}.mean_score, {alias}.satisfied_share, "
        f"{alias}.ci_low, {alias}.ci_high, {_withheld_reason(alias)}, "
        f"{alias}.usage_suppressed, {alias}.suppressed"
    )


def satisfaction_sheet() -> Sheet:
    return Sheet(
        MART_SURVEY_INDICATORS,
        f"""
        select {_geography_select()},
               coalesce(lg.breakdown_fr, m.breakdown), coalesce(lg.label_fr, m.group_key),
               {_satisfaction_figures_select()}
        from {MART_SURVEY_INDICATORS.name} m
        {_geography_joins()} {_breakdown_joins()} {_suppression_join()}
        left join label_indicators li on li.indicator = m.indicator
        where m.estimate_type = 'weighted' and {_singles()}
        order by {_geography_order()}, lg.sort_order, li.sort_order
        """,
        (*GEOGRAPHY_COLUMNS, *BREAKDOWN_COLUMNS, *SATISFACTION_FIGURES),
    )


# The header of a dimension's column in the sheet of pairs, where it differs from the
# dimension's French name (`label_groups.breakdown_fr`): the commune type is the column
# the other sheets name so, with the same labels.
DIMENSION_HEADERS = {"commune_type": COMMUNE_TYPE.header}


def _sql_text(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _pair_part(part: int, alias: str = "m") -> str:
    return f"split_part({alias}.breakdown, ',', {part})"


def satisfaction_pairs_sheet(con: duckdb.DuckDBPyConnection) -> Sheet:
    """The satisfaction indicators of the provinces and the region by pairs of dimensions
    (`breakdown` = `sex,commune_type`…), one column per dimension holding the row's group in
    it, empty when the pair does not cross that dimension: filtering Sexe = Femme and Type de
    commune = Commune rurale leaves the rows of women in rural communes, whatever the other
    pairs. The dimensions are those the published pairs cross, in the order of their labels.

    One row per figure, as published: the weighted ones where the marts publish the pair
    weighted (pairs with the commune type), else their unweighted twins (a weighted pair is
    otherwise never published, `weighted_pair`: docs/methodology.md), the column Estimation
    saying which; one kind per pair, so that a pair's rows add up alike. The rows
    have no commune type or programme flag of their own (they are provinces and the region):
    the column Type de commune is the dimension. The communes' pairs, never published, stay
    out."""
    dimensions = con.execute(
        f"""
        select d.dimension, coalesce(any_value(l.breakdown_fr), d.dimension)
        from (select distinct unnest(string_split(breakdown, ',')) as dimension
              from {MART_SURVEY_INDICATORS.name} where contains(breakdown, ',')) d
        left join label_groups l on l.breakdown = d.dimension
        group by d.dimension
        order by min(l.sort_order) nulls last, d.dimension
        """).fetchall()
    group_of = [
        f"case {_sql_text(dimension)} "
        f"when {_pair_part(1)} then coalesce(l1.label_fr, split_part(m.group_key, ',', 1)) "
        f"when {_pair_part(2)} then coalesce(l2.label_fr, split_part(m.group_key, ',', 2)) end"
        for dimension, _ in dimensions
    ]
    dimension_columns = tuple(
        Column(DIMENSION_HEADERS.get(dimension, label), TEXT, "group_key",
               description=f"Groupe de la dimension « {label} » du croisement ; vide si le "
               "croisement ne porte pas sur cette dimension.")
        for dimension, label in dimensions
    )
    return Sheet(
        MART_SURVEY_INDICATORS,
        f"""
        select {_area_select()}, coalesce(lg.breakdown_fr, m.breakdown),
               {", ".join(group_of) or "null"}, coalesce(le.label_fr, m.estimate_type),
               {_satisfaction_figures_select()}
        from {MART_SURVEY_INDICATORS.name} m
        {_geography_joins()} {_breakdown_joins()} {_suppression_join()}
        left join label_groups l1 on l1.breakdown = {_pair_part(1)}
              and l1.group_key = split_part(m.group_key, ',', 1)
        left join label_groups l2 on l2.breakdown = {_pair_part(2)}
              and l2.group_key = split_part(m.group_key, ',', 2)
        left join label_indicators li on li.indicator = m.indicator
        left join label_codes le on le.code_list = 'estimate_type' and le.code = m.estimate_type
        where m.geography_level <> 'commune' and contains(m.breakdown, ',')
        qualify m.estimate_type = case
            when bool_or(m.suppression = 'weighted_pair') over (partition by m.breakdown)
            then 'unweighted' else 'weighted' end
        order by {_geography_order()}, lg.sort_order, li.sort_order
        """,
        (*AREA_COLUMNS, Column("Ventilation", TEXT, "breakdown"), *dimension_columns,
         Column("Estimation", TEXT, "estimate_type"), *SATISFACTION_FIGURES),
        pairs=True,
    )


def options_sheet() -> Sheet:
    return Sheet(
        MART_SURVEY_OPTIONS,
        f"""
        select {_geography_select()},
               coalesce(lg.breakdown_fr, m.breakdown), coalesce(lg.label_fr, m.group_key),
               coalesce(lq.label_fr, m.question), coalesce(lo.label_fr, m.option),
               m.n_respondents, m.n_citing, m.share, m.ci_low, m.ci_high, m.rank,
               {_withheld_reason()},
               m.suppressed
        from {MART_SURVEY_OPTIONS.name} m
        {_geography_joins()} {_breakdown_joins()} {_suppression_join()}
        left join label_questions lq on lq.question = m.question
        left join label_options lo on lo.question = m.question and lo.option = m.option
        where m.estimate_type = 'weighted' and {_singles()}
        order by {_geography_order()}, lg.sort_order, lq.sort_order, lo.sort_order
        """,
        (
            *GEOGRAPHY_COLUMNS, *BREAKDOWN_COLUMNS,
            Column("Question", TEXT, "question"),
            Column("Réponse", TEXT, "option"),
            Column("Répondants", COUNT, "n_respondents"),
            Column("Citant la réponse", COUNT, "n_citing", "suppressed"),
            Column("Part", SHARE, "share", "suppressed"),
            Column("IC 95 % bas", SHARE, "ci_low", "suppressed"),
            Column("IC 95 % haut", SHARE, "ci_high", "suppressed"),
            Column("Rang", COUNT, "rank", "suppressed"),
            STATUS,
        ),
    )


def equity_sheet() -> Sheet:
    return Sheet(
        MART_EQUITY_GAPS,
        f"""
        select {_geography_select()},
               coalesce(li.label_fr, m.indicator), coalesce(ld.breakdown_fr, m.dimension),
               coalesce(la.label_fr, m.group_a), coalesce(lb.label_fr, m.group_b),
               m.n_a, m.n_b, m.share_a, m.share_b, m.gap, m.ci_low, m.ci_high,
               m.significant,
               case when m.suppressed then '{WITHHELD}' end,
               m.suppressed
        from {MART_EQUITY_GAPS.name} m
        {_geography_joins()}
        left join label_indicators li on li.indicator = m.indicator
        left join label_groups la on la.breakdown = m.dimension and la.group_key = m.group_a
        left join label_groups lb on lb.breakdown = m.dimension and lb.group_key = m.group_b
        left join (select distinct breakdown, breakdown_fr from label_groups) ld
               on ld.breakdown = m.dimension
        order by {_geography_order()}, li.sort_order, la.sort_order
        """,
        (
            *GEOGRAPHY_COLUMNS,
            Column("Indicateur", TEXT, "indicator"),
            Column("Dimension", TEXT, "dimension"),
            Column("Groupe A", TEXT, "group_a"),
            Column("Groupe B (référence)", TEXT, "group_b"),
            Column("Notes du groupe A", COUNT, "n_a"),
            Column("Notes du groupe B", COUNT, "n_b"),
            Column("Satisfaits A", SHARE, "share_a", "suppressed"),
            Column("Satisfaits B", SHARE, "share_b", "suppressed"),
            Column("Écart A − B (points)", GAP, "gap", "suppressed"),
            Column("IC 95 % bas (points)", GAP, "ci_low", "suppressed"),
            Column("IC 95 % haut (points)", GAP, "ci_high", "suppressed"),
            Column("Écart significatif", YES_NO, "significant", "suppressed"),
            Column("Secret statistique", TEXT, "suppressed"),
        ),
    )


def participation_sheet(con: duckdb.DuckDBPyConnection) -> Sheet:
    """Workshop participation; one column per participant category and workshop type, as
    many as the register template lists (their names from `label_codes`).

    A participation row suppresses its figures in three ways: the four dimension shares
    (`suppressed`, or one by one in `withheld_shares` on an otherwise published row), the
    category shares (`categories_suppressed`), and its counts (NULL where they would give a
    hidden share away)."""
    present = [name for (name,) in con.execute(
        "select column_name from information_schema.columns "
        f"where table_name = '{MART_PARTICIPATION.name}' order by ordinal_position").fetchall()]
    labels = dict(con.execute(
        "select code_list || ':' || code, label_fr from label_codes "
        "where code_list in ('participant_category', 'workshop_type')").fetchall())
    indicator_labels = dict(con.execute(
        "select indicator, label_fr from label_indicators where family = 'participation'"
    ).fetchall())
    fixed = ("share_women", "share_youth", "share_with_disability", "share_rural")
    categories = [c for c in present if c.startswith("share_") and c not in fixed]
    types = [c for c in present if c.startswith("workshops_")]
    share_columns = [
        *(Column(indicator_labels.get(c, c), SHARE, c, f"{c}_withheld") for c in fixed),
        *(Column("Part : " + labels.get(f"participant_category:{c[6:]}", c[6:]), SHARE,
                 c, "categories_suppressed") for c in categories),
    ]
    type_columns = [
        Column("Ateliers : " + labels.get(f"workshop_type:{c[10:]}", c[10:]), COUNT, c)
        for c in types
    ]
    selected = ", ".join(f"m.{c.source}" for c in (*share_columns, *type_columns))
    withheld_shares = "string_split(coalesce(m.withheld_shares, ''), ',')"
    # The flags, in the order the columns first name them (see `_write_sheet`).
    flags = ", ".join([
        "m.attendances is null",
        *(f"m.suppressed or list_contains({withheld_shares}, '{c}')" for c in fixed),
        "m.categories_suppressed",
    ])
    return Sheet(
        MART_PARTICIPATION,
        f"""
        select {_geography_select()},
               coalesce(lg.breakdown_fr, m.breakdown), coalesce(lg.label_fr, m.group_key),
               m.workshops, m.attendances, m.unique_participants, {selected},
               case when m.suppressed then coalesce(ls.label_fr, '{WITHHELD}')
                    when m.withheld_shares is not null or m.categories_suppressed
                    then coalesce(lc.label_fr, '{WITHHELD}') end,
               {flags}
        from {MART_PARTICIPATION.name} m
        {_geography_joins()} {_breakdown_joins()} {_suppression_join()}
        left join label_codes lc on lc.code_list = 'suppression' and lc.code = 'complementary'
        where {_singles()}
        order by {_geography_order()}, lg.sort_order
        """,
        (
            *GEOGRAPHY_COLUMNS, *BREAKDOWN_COLUMNS,
            Column("Ateliers", COUNT, "workshops", "counts_withheld"),
            Column("Présences", COUNT, "attendances", "counts_withheld"),
            Column("Participants uniques", COUNT, "unique_participants",
                   "counts_withheld"),
            *share_columns, *type_columns, STATUS,
        ),
    )


def targets_sheet() -> Sheet:
    # A share is NULL when suppressed, or when nobody attended (nothing to suppress).
    withheld = "m.actual is null and coalesce(m.attendances, 1) > 0"
    return Sheet(
        MART_TARGETS,
        f"""
        select {_geography_select()},
               coalesce(li.label_fr, m.indicator), m.target, m.actual, m.attendances,
               m.met, case when {withheld} then '{WITHHELD}' end,
               {withheld}, m.attendances is null
        from {MART_TARGETS.name} m
        {_geography_joins()}
        left join label_indicators li on li.indicator = m.indicator
        order by {_geography_order()}, li.sort_order
        """,
        (
            *GEOGRAPHY_COLUMNS,
            Column("Indicateur", TEXT, "indicator"),
            Column("Cible (part minimale)", SHARE, "target"),
            Column("Réalisé", SHARE, "actual", "withheld"),
            Column("Présences", COUNT, "attendances", "counts_withheld"),
            Column("Cible atteinte", YES_NO, "met", "withheld"),
            Column("Secret statistique", TEXT, f"{MART_PARTICIPATION.name}.suppressed"),
        ),
    )


def fieldwork_sheet() -> Sheet:
    """When the survey ran: each geography over the whole period, and the provinces and the
    region round by round (days written as French dates, as the read-me says them)."""
    return Sheet(
        MART_FIELDWORK,
        f"""
        select {_geography_select()},
               case when m.survey_round = 'all' then 'Toute la période'
                    else coalesce(lr.label_fr, m.survey_round) end,
               strftime(m.first_interview_day, '%d/%m/%Y'),
               strftime(m.last_interview_day, '%d/%m/%Y'), m.n_respondents
        from {MART_FIELDWORK.name} m
        {_geography_joins()}
        left join label_groups lr on lr.breakdown = '{SURVEY_ROUND}'
             and lr.group_key = m.survey_round
        order by {_geography_order()}, m.survey_round <> 'all', m.survey_round
        """,
        (
            *GEOGRAPHY_COLUMNS,
            Column("Vague d'enquête", TEXT, "survey_round"),
            Column("Premier entretien", TEXT, "first_interview_day"),
            Column("Dernier entretien", TEXT, "last_interview_day"),
            Column("Réponses", COUNT, "n_respondents"),
        ),
    )


def _code_label(column: str, code_list: str, alias: str) -> str:
    return (f"left join label_codes {alias} on {alias}.code_list = '{code_list}' "
            f"and {alias}.code = m.{column} ")


def files_sheet() -> Sheet:
    return Sheet(
        QUALITY_FILE_SUMMARY,
        f"""
        select m.source_file, m.sheet, coalesce(k.label_fr, m.file_kind),
               coalesce(sh.label_fr, m.file_shape), coalesce(st.label_fr, m.status), m.reason,
               m.rows_read, m.accepted, m.duplicate, m.superseded, m.excluded_no_consent,
               m.quarantined, m.rows_accounted, m.encoding, m.unmapped_headers,
               m.size_bytes, m.modified_at, m.sha256
        from {QUALITY_FILE_SUMMARY.name} m
        {_code_label("file_kind", "file_kind", "k")}
        {_code_label("file_shape", "file_shape", "sh")}
        {_code_label("status", "file_status", "st")}
        order by m.source_file, m.sheet
        """,
        (
            Column("Fichier", TEXT, "source_file"),
            Column("Feuille", TEXT, "sheet"),
            Column("Type de fichier", TEXT, "file_kind"),
            Column("Forme", TEXT, "file_shape"),
            Column("Statut", TEXT, "status"),
            Column("Raison du rejet", TEXT, "reason"),
            Column("Lignes lues", COUNT, "rows_read"),
            Column("Retenues", COUNT, "accepted"),
            Column("Doublons", COUNT, "duplicate"),
            Column("Remplacées", COUNT, "superseded"),
            Column("Sans consentement", COUNT, "excluded_no_consent"),
            Column("En quarantaine", COUNT, "quarantined"),
            Column("Toutes les lignes comptées", YES_NO, "rows_accounted"),
            Column("Encodage", TEXT, "encoding"),
            Column("En-têtes non reconnus", TEXT, "unmapped_headers"),
            Column("Taille (octets)", COUNT, "size_bytes"),
            Column("Modifié le (UTC)", DATETIME, "modified_at"),
            Column("Empreinte SHA-256", TEXT, "sha256"),
        ),
    )


def quarantine_sheet() -> Sheet:
    return Sheet(
        QUALITY_QUARANTINE,
        f"""
        select m.source_file, m.sheet, m.source_row, coalesce(r.label_fr, m.rule), m.rule,
               m.column, m.value, m.message
        from {QUALITY_QUARANTINE.name} m
        {_code_label("rule", "quarantine_rule", "r")}
        order by m.source_file, m.sheet, m.source_row, m.rule
        """,
        (
            Column("Fichier", TEXT, "source_file"),
            Column("Feuille", TEXT, "sheet"),
            Column("Ligne", COUNT, "source_row"),
            Column("Règle enfreinte", TEXT, "rule"),
            Column("Code de la règle", TEXT, "rule"),
            Column("Colonne", TEXT, "column"),
            Column("Valeur", TEXT, "value"),
            Column("Explication", TEXT, "message"),
        ),
    )


def flags_sheet() -> Sheet:
    return Sheet(
        QUALITY_FLAGS,
        f"""
        select m.source_file, m.source_row, coalesce(f.label_fr, m.flag), m.flag,
               m.commune_code, g.name_fr
        from {QUALITY_FLAGS.name} m
        {_code_label("flag", "quality_flag", "f")}
        left join label_geographies g on g.geography_level = 'commune'
              and g.geography_code = m.commune_code
        order by m.source_file, m.source_row, m.flag
        """,
        (
            Column("Fichier", TEXT, "source_file"),
            Column("Ligne", COUNT, "source_row"),
            Column("Signalement", TEXT, "flag"),
            Column("Code du signalement", TEXT, "flag"),
            Column("Code commune", CODE, "commune_code"),
            Column("Commune", TEXT, "label_geographies.name_fr"),
        ),
    )


def disclosure_sheet() -> Sheet:
    return Sheet(
        QUALITY_DISCLOSURE,
        f"""
        select m.figure, coalesce(l.label_fr, m.geography_level), m.breakdown,
               coalesce(e.label_fr, m.estimate_type),
               case when m.fate = 'published' then 'publié'
                    else coalesce(s.label_fr, m.fate) end,
               m.figures, m.figures_enough, m.withheld
        from {QUALITY_DISCLOSURE.name} m
        {_code_label("geography_level", "geography_level", "l")}
        {_code_label("estimate_type", "estimate_type", "e")}
        {_code_label("fate", "suppression", "s")}
        order by m.figure, case m.geography_level when 'region' then 1
                                when 'province' then 2 else 3 end, m.breakdown,
                 m.estimate_type, m.fate
        """,
        (
            Column("Chiffres", TEXT, "figure"),
            Column("Niveau", TEXT, "geography_level"),
            Column("Ventilation", TEXT, "breakdown"),
            Column("Estimation", TEXT, "estimate_type"),
            Column("Sort", TEXT, "fate"),
            Column("Nombre", COUNT, "figures"),
            Column("Dont 10 personnes ou plus", COUNT, "figures_enough"),
            Column("Dont masqués", COUNT, "withheld"),
        ),
    )


def workbook_sheets(con: duckdb.DuckDBPyConnection) -> list[Sheet]:
    return [satisfaction_sheet(), satisfaction_pairs_sheet(con), options_sheet(),
            equity_sheet(), participation_sheet(con), targets_sheet(), fieldwork_sheet(),
            files_sheet(),
            quarantine_sheet(), flags_sheet(), disclosure_sheet()]


READ_ME = (
    "Indicateurs citoyens — Béni Mellal-Khénifra",
    "",
    "Une feuille par thème ; chaque feuille donne chaque commune, province et la région, "
    "pour l'ensemble et pour chaque dimension seule (sexe, tranche d'âge, handicap, milieu) ; "
    "la feuille « satisfaction_croisements » donne les provinces et la région pour chaque "
    "croisement de deux dimensions (sexe × type de commune, sexe × milieu, âge × sexe…), "
    "chaque dimension dans sa colonne.",
    "Filtres : dans les feuilles de chiffres, chaque ligne porte sa province (code et nom) "
    "et, pour une commune, son type et si elle est l'une des 40 communes du programme "
    "(oui/non). Exemple : la satisfaction "
    "des femmes des communes rurales d'Azilal, dans « satisfaction_croisements », filtres "
    "Province = Azilal, Sexe = Femme, Type de commune = Commune rurale.",
    "Estimations pondérées par la population communale (RGPH 2024) ; pour une commune, "
    "elles sont égales aux non pondérées. Dans « satisfaction_croisements », la colonne "
    "« Estimation » dit si le chiffre est pondéré (croisements avec le type de commune) ou "
    "non pondéré (les autres croisements, dont le chiffre pondéré n'est jamais publié). Les "
    "écarts entre deux parts sont en points de pourcentage (pts).",
    "« masqué » : chiffre non publié (secret statistique : groupe trop petit, ou chiffre qui "
    "permettrait de recalculer un chiffre masqué ; la feuille « secret_statistique » dit "
    "combien, et pourquoi). Les effectifs restent publiés, sauf ceux qui donneraient un "
    "chiffre masqué (nombre de répondants citant une réponse masquée, présences de "
    "certains groupes). La colonne "
    "« Secret statistique » dit pourquoi ; vide, rien n'est masqué.",
    "Les tables complètes (croisements de deux dimensions pour chaque commune, ventilation "
    "par type officiel de commune, estimations non pondérées) sont dans les fichiers CSV et "
    "Parquet du même dossier.",
    "La feuille « colonnes » explique chaque colonne.",
    "",
)


def write_workbook(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """Write the workbook from the published marts; returns the data rows of each sheet."""
    # Not constant-memory: the sheets' many repeated texts (names, labels) go to
    # the shared-string table instead of being written inline in every cell, which is
    # faster (1.5 s instead of 1.8 s on the demo data) and the file smaller; the sheets are
    # capped at MAX_SHEET_ROWS rows, so the cells held in memory stay bounded.
    workbook = xlsxwriter.Workbook(str(path))
    # Without it, xlsxwriter stamps the time of writing into the file.
    workbook.set_properties({"created": (data_as_of(con) or FIXED_DATE).replace(tzinfo=None)})
    formats = _Formats(workbook)
    written: dict[str, int] = {}
    dictionary: list[tuple[str, str, str, str]] = []
    sheets = workbook_sheets(con)
    try:
        _write_read_me(workbook, formats, sheets, fieldwork_lines(con))
        for sheet in sheets:
            written |= _write_sheet(workbook, formats, con, sheet)
            dictionary += [(sheet.name, column.header, column.source, sheet.describe(column))
                           for column in sheet.columns]
        _write_listing(
            workbook, formats, "colonnes",
            (Column("Feuille", TEXT, ""), Column("Colonne", TEXT, ""),
             Column("Colonne source", TEXT, ""), Column("Description", TEXT, "")),
            dictionary,
        )
    finally:
        workbook.close()
    return written


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top",
             "border": 1, "border_color": "#9BC2E6"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.withheld = workbook.add_format(
            {"italic": True, "font_color": "#7F7F7F", "align": "right"})
        self.by_kind = {kind: workbook.add_format({"num_format": number_format})
                        for kind, number_format in NUMBER_FORMATS.items()}
        self.text = workbook.add_format({})
        self.quoted = workbook.add_format({"quote_prefix": True})


def _text_writer(sheet: Worksheet, formats: _Formats) -> Callable[..., Any]:
    """`write_string`, with the quote prefix on a text that could run as a formula."""
    write_string = sheet.write_string
    quoted = formats.quoted

    def write(row: int, col: int, value: str, cell_format: Any = None) -> Any:
        if runs_as_formula(value):
            return write_string(row, col, value, quoted)
        return write_string(row, col, value, cell_format)

    return write


def _cell_writer(sheet: Worksheet, column: Column, formats: _Formats) -> Callable[..., Any]:
    """The xlsxwriter call that writes one value of this column."""
    if column.kind in (TEXT, CODE):
        return _text_writer(sheet, formats)
    if column.kind == YES_NO:
        write_string = sheet.write_string
        return lambda row, col, value, _format=None: write_string(
            row, col, YES if value else NO)
    if column.kind == DATETIME:
        return lambda row, col, value, cell_format: sheet.write_datetime(
            row, col, value, cell_format)
    return sheet.write_number


# --- the values a sheet shows, in SQL ---------------------------------------------------------


@dataclass(frozen=True)
class _ShownQuery:
    """A sheet's query with its columns named `c0…` (the values as the sheet shows them: a
    gap in points) and `f0…` (the flags that suppress them, in the order the columns first
    name them), which the workbook, its widths and the French-Excel CSV all read."""

    sql: str
    values: tuple[str, ...]
    flags: tuple[str, ...]
    flag_of: tuple[str | None, ...]  # the flag column of each value, if it can be suppressed

    def position(self, flag: str | None) -> int | None:
        """Where a flag is in a row of the query (after the values), if any."""
        return None if flag is None else len(self.values) + self.flags.index(flag)


def _shown_query(spec: Sheet) -> _ShownQuery:
    flags = list(dict.fromkeys(c.withheld_by for c in spec.columns if c.withheld_by))
    values = tuple(f"c{n}" for n in range(len(spec.columns)))
    flag_names = {flag: f"f{n}" for n, flag in enumerate(flags)}
    shown = [
        f"round({name} * 100, {POINT_DECIMALS}) as {name}" if column.kind == GAP else name
        for column, name in zip(spec.columns, values, strict=True)
    ]
    named = ", ".join([*values, *flag_names.values()])
    sql = (f"select {', '.join([*shown, *flag_names.values()])} "
           f"from ({spec.query}) as sheet({named})")
    return _ShownQuery(sql, values, tuple(flag_names.values()),
                       tuple(flag_names.get(c.withheld_by or "") for c in spec.columns))


def _display_sql(column: Column, value: str, flag: str | None) -> str:
    """The SQL of the text a cell of `column` shows in Excel (its number format applied), to
    measure it."""
    points = f"{{:+.{POINT_DECIMALS}f}} pts"
    display = {
        COUNT: f"format('{{:,}}', {value}::bigint)",
        SHARE: f"format('{{:.1f}}%', {value} * 100)",
        GAP: f"format('{points}', {value})",
        DECIMAL: f"format('{{:.2f}}', {value})",
        YES_NO: f"case when {value} then '{YES}' when not {value} then '{NO}' end",
        DATETIME: f"strftime({value}, '%Y-%m-%d %H:%M')",
    }.get(column.kind, f"{value}::varchar")
    return display if flag is None else f"case when {flag} then '{WITHHELD}' else {display} end"


def column_width(header: str, longest_value: int) -> int:
    """A column's width in characters: its longest value or the longest word of its header
    (or a third of the header, which wraps on up to three lines), with room for the filter's
    button, within MIN_WIDTH and MAX_WIDTH."""
    header_needs = max(max(map(len, header.split()), default=0),
                       math.ceil(len(header) / HEADER_LINES))
    return min(MAX_WIDTH, max(MIN_WIDTH, longest_value, header_needs) + FILTER_BUTTON)


def _widths(con: duckdb.DuckDBPyConnection, spec: Sheet, shown: _ShownQuery) -> list[int]:
    """The width of each column of the sheet, from the longest text its cells will show,
    measured in SQL over every row written."""
    lengths = ", ".join(
        f"coalesce(max(length({_display_sql(column, value, flag)})), 0)"
        for column, value, flag in zip(spec.columns, shown.values, shown.flag_of, strict=True))
    longest = con.execute(f"select {lengths} from ({shown.sql})", list(spec.parameters))
    found = longest.fetchone() or (0,) * len(spec.columns)
    return [column_width(column.header, length)
            for column, length in zip(spec.columns, found, strict=True)]


def _start_sheet(workbook: xlsxwriter.Workbook, formats: _Formats, name: str,
                 columns: Sequence[Column], widths: Sequence[int]) -> Worksheet:
    sheet = workbook.add_worksheet(name[:31])
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.set_row(0, 45)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, formats.header)
    sheet.freeze_panes(1, 0)
    return sheet


def _write_sheet(workbook: xlsxwriter.Workbook, formats: _Formats,
                 con: duckdb.DuckDBPyConnection, spec: Sheet) -> dict[str, int]:
    """Stream the sheet's query into one sheet, or several of at most MAX_SHEET_ROWS rows.

    The query returns the columns of `spec.columns` in order, then the boolean columns that
    suppress them (`withheld_by`), in the order they first appear.
    """
    shown_query = _shown_query(spec)
    widths = _widths(con, spec, shown_query)
    cursor = con.execute(shown_query.sql, list(spec.parameters))
    shown = len(spec.columns)
    plan = [
        (index, column.kind, shown_query.position(flag), formats.by_kind.get(column.kind))
        for index, (column, flag) in enumerate(zip(spec.columns, shown_query.flag_of,
                                                   strict=True))
    ]
    written: dict[str, int] = {}
    part, row_number, sheet, name = 0, 0, None, spec.name
    while batch := cursor.fetchmany(20_000):
        for values in batch:
            if sheet is None or row_number == MAX_SHEET_ROWS:
                if sheet is not None:
                    written[name] = row_number
                    _close_sheet(sheet, row_number, shown)
                part += 1
                name = spec.name if part == 1 else f"{spec.name} ({part})"
                sheet = _start_sheet(workbook, formats, name, spec.columns, widths)
                writers = [_cell_writer(sheet, column, formats) for column in spec.columns]
                write_string = sheet.write_string
                row_number = 0
            row_number += 1
            for (index, _kind, flag_at, cell_format), write in zip(plan, writers,
                                                                    strict=True):
                if flag_at is not None and values[flag_at]:
                    write_string(row_number, index, WITHHELD, formats.withheld)
                    continue
                value = values[index]
                if value is None:
                    continue
                if cell_format is None:
                    write(row_number, index, value)
                else:
                    write(row_number, index, value, cell_format)
        written[name] = row_number
    if sheet is None:
        sheet = _start_sheet(workbook, formats, spec.name, spec.columns, widths)
        written[spec.name] = 0
    _close_sheet(sheet, row_number, shown)
    return written


def _close_sheet(sheet: Worksheet, rows: int, columns: int) -> None:
    sheet.autofilter(0, 0, max(rows, 1), columns - 1)


def fieldwork_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """When the survey ran, for the read-me: the region over the whole period and by round,
    then each province (the `periode` sheet has every commune)."""
    rows = con.execute(f"""
        select m.geography_level, coalesce(g.name_fr, m.geography_name),
               case when m.survey_round = 'all' then null
                    else coalesce(lr.label_fr, m.survey_round) end,
               strftime(m.first_interview_day, '%d/%m/%Y'),
               strftime(m.last_interview_day, '%d/%m/%Y'), m.n_respondents
        from {MART_FIELDWORK.name} m
        {_geography_joins()}
        left join label_groups lr on lr.breakdown = '{SURVEY_ROUND}'
             and lr.group_key = m.survey_round
        where m.geography_level = 'region'
           or (m.geography_level = 'province' and m.survey_round = 'all')
        order by m.geography_level = 'province', {_geography_order()},
                 m.survey_round <> 'all', m.survey_round
    """).fetchall()
    lines = []
    for level, name, survey_round, first, last, responses in rows:
        if first is None:
            continue
        what = (f"{survey_round}" if survey_round
                else ("Enquête" if level == "region" else f"Province {name}"))
        lines.append(f"{what} : du {first} au {last} ({responses:,} réponses)"
                     .replace(",", "\u202f"))
    return lines


def _write_read_me(workbook: xlsxwriter.Workbook, formats: _Formats,
                   sheets: list[Sheet], period: list[str]) -> None:
    sheet = workbook.add_worksheet("lisez-moi")
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 110)
    sheet.write_string(0, 0, READ_ME[0], formats.title)
    for number, line in enumerate(READ_ME[1:], start=1):
        if line:
            sheet.write_string(number, 0, line)
    row = len(READ_ME)
    if period:
        sheet.write_string(row, 0, "Période de l'enquête (feuille « periode »)",
                           formats.header)
        for offset, line in enumerate(period, start=1):
            sheet.write_string(row + offset, 0, line)
        row += len(period) + 2
    sheet.write_string(row, 0, "Feuille", formats.header)
    sheet.write_string(row, 1, "Contenu", formats.header)
    listed = [(name, content) for name, content in SHEET_CONTENTS.items()
              if name in {s.name for s in sheets} | {"colonnes"}]
    for offset, (name, content) in enumerate(listed, start=1):
        sheet.write_string(row + offset, 0, name)
        sheet.write_string(row + offset, 1, content)
    row += len(listed) + 2
    sheet.write_string(row, 0, "Fichier CSV / Parquet", formats.header)
    sheet.write_string(row, 1, "Contenu (table complète)", formats.header)
    for offset, (table, content) in enumerate(TABLES_FR.items(), start=1):
        sheet.write_string(row + offset, 0, table)
        sheet.write_string(row + offset, 1, content)


SHEET_CONTENTS = {
    "satisfaction": "Satisfaction avec les 12 services, satisfaction globale et confiance "
    "dans le conseil : note moyenne, part de satisfaits (4 ou 5) et intervalle à 95 %.",
    "satisfaction_croisements": "Les mêmes chiffres pour les provinces et la région, par "
    "croisement de deux dimensions (sexe × type de commune, sexe × milieu, âge × sexe…) : "
    "une colonne par dimension, à filtrer.",
    "information_participation": "Canaux d'information, priorités de développement et "
    "questions oui/non (connaissance du PAC, consultation, demande d'information).",
    "ecarts": "Écarts de part de satisfaits entre femmes et hommes, jeunes et autres, "
    "personnes avec et sans handicap, ruraux et urbains, en points de pourcentage, avec "
    "intervalle de Newcombe.",
    "participation": "Ateliers, présences, participants uniques et parts de femmes, jeunes, "
    "personnes en situation de handicap, ruraux et de chaque catégorie.",
    "cibles": "Cibles de participation comparées aux parts réalisées.",
    "periode": "Période de l'enquête : premier et dernier jour d'entretien et réponses, par "
    "commune, province et région, et par vague d'enquête pour les provinces et la région.",
    "fichiers": "Chaque fichier reçu : chargé ou rejeté, et le devenir de chacune de ses "
    "lignes.",
    "quarantaine": "Chaque ligne mise en quarantaine et la règle enfreinte, pour corriger "
    "les fichiers sources.",
    "signalements": "Réponses retenues mais signalées comme douteuses.",
    "colonnes": "Explication de chaque colonne de chaque feuille.",
}


def _write_listing(workbook: xlsxwriter.Workbook, formats: _Formats, name: str,
                   columns: tuple[Column, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A sheet of texts held in memory (the `colonnes` sheet), its widths from them."""
    widths = [column_width(column.header, max((len(row[index]) for row in rows), default=0))
              for index, column in enumerate(columns)]
    sheet = _start_sheet(workbook, formats, name, columns, widths)
    write = _text_writer(sheet, formats)
    count = 0
    for count, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            write(count, index, value)
    _close_sheet(sheet, count, len(columns))


# The French-Excel CSV files, one per sheet, beside the machine-readable ones.
FRENCH_CSV_FOLDER = "excel_fr"


def _french_cell(column: Column, value: str, flag: str | None) -> str:
    """The SQL of one cell of a French-Excel CSV, from the value the workbook shows: a number
    with a decimal comma (a share in percent, a gap in points as in the workbook), a code as
    a text Excel keeps (`="050910101"`, leading zero and all), `oui`/`non`, a French date,
    "masqué" where the figure is suppressed."""
    kind = column.kind
    if kind == CODE:
        cell = (f"case when regexp_full_match({value}::varchar, '[0-9]+') "
                f"then '=\"' || {value} || '\"' else {as_text_sql(f'{value}::varchar')} end")
    elif kind == SHARE:
        cell = f"replace(round({value} * 100, 1)::varchar, '.', ',')"
    elif kind == GAP:  # already in points
        cell = f"replace(round({value}, {POINT_DECIMALS})::varchar, '.', ',')"
    elif kind == DECIMAL:
        cell = f"replace({value}::varchar, '.', ',')"
    elif kind == COUNT:
        cell = f"{value}::bigint::varchar"
    elif kind == YES_NO:
        cell = f"case when {value} then '{YES}' when not {value} then '{NO}' end"
    elif kind == DATETIME:
        cell = f"strftime({value}, '%d/%m/%Y %H:%M')"
    else:
        cell = as_text_sql(f"{value}::varchar")
    return cell if flag is None else f"case when {flag} then '{WITHHELD}' else {cell} end"


def _french_header(column: Column) -> str:
    """The workbook's header; a share's says it is in percent (the CSV has no % format). A
    gap's header says "(points)" in both."""
    unit = " (%)" if column.kind == SHARE else ""
    return (column.header + unit).replace('"', "'")


def write_french_csv(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """One CSV per sheet of the workbook, for a French-locale Excel: UTF-8 with a byte-order
    mark, `;` between cells, a decimal comma, codes kept as text, the sheet's French
    headers and labels. Written from the same sheet declarations and shown values as the
    workbook, in SQL."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in workbook_sheets(con):
        shown = _shown_query(spec)
        cells = ", ".join(
            f'{_french_cell(column, value, flag)} as "{_french_header(column)}"'
            for column, value, flag in zip(spec.columns, shown.values, shown.flag_of,
                                           strict=True))
        path = folder / f"{spec.name}.csv"
        write_csv_for_excel(con, f"select {cells} from ({shown.sql}) as shown", path,
                            delimiter=";", parameters=spec.parameters)
        written.append(path)
    return written
