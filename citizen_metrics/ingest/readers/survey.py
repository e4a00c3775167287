"""Survey exports (Kobo CSV/XLSX, ODK Central CSV, paper-era files) to `stg_survey_rows`.

Whatever the shape, the output has one row per data row of the file and one text column per
closed question of the form (`SurveyForm.answer_fields`), answers as choice *names*
(`female`, `4`, `yes`, NULL when unanswered), plus the row's provenance, its pseudonymised
submission and enumerator keys, and its times as UTC instants
(`citizen_metrics.ingest.readers.values`). Headers and answer labels are mapped back through the
XLSForm, so French or Arabic label exports need no special code. The columns and types are those the
table declares (`citizen_metrics.tables.staging`).

Personal data (names, phones, douar, comments, device ids, raw submission ids) is dropped or
hashed here and never reaches the warehouse.
"""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from citizen_metrics.ingest.normalise import ascii_digits
from citizen_metrics.ingest.pseudonymise import Pseudonymiser
from citizen_metrics.ingest.readers.grids import (
    TextGrid,
    UnreadableFileError,
    duplicate_note,
    is_workbook,
    open_utf8_stream,
    open_workbook,
    read_delimited_file,
    read_sheet,
    repeated_header,
)
from citizen_metrics.ingest.readers.results import (
    NO_DATA_ROWS,
    Batch,
    FileOutcome,
    FileRead,
    ReadFailure,
    Reading,
    StreamBroken,
)
from citizen_metrics.ingest.readers.values import identifier, map_distinct, match_key, parse_cells
from citizen_metrics.ingest.xlsform import SurveyForm
from citizen_metrics.settings import LOCAL_TIME_ZONE
from citizen_metrics.tables.fields import SURVEY_KIND, UNKNOWN_KIND
from citizen_metrics.tables.staging import STG_SURVEY_ROWS

if TYPE_CHECKING:
    from citizen_metrics.ingest.sources import RawFile

# Columns outside the form that carry a submission's identity or timing, by export shape.
SUBMISSION_ID_HEADERS = {
    "_uuid": "kobo",
    "meta-instanceid": "odk_central",
    "meta/instanceid": "kobo",
    "instanceid": "kobo",
    "key": "odk_central",
    "n° questionnaire": "paper",
    "no questionnaire": "paper",
    "n questionnaire": "paper",
    "numero questionnaire": "paper",
    "رقم الاستمارة": "paper",
}
SUBMISSION_TIME_HEADERS = ("_submission_time", "submissiondate")
# System columns of Kobo and ODK Central that carry nothing the indicators need (and some
# personal data: submitter names, device ids). Ignored without being reported as unknown.
SYSTEM_HEADERS = {
    "_id", "_validation_status", "_notes", "_status", "_submitted_by", "_tags", "_index",
    "__version__", "_version_", "_attachments", "_geolocation", "_xform_id_string",
    "_media_count", "_total_media", "_media_all_received", "formhub/uuid",
    "submitterid", "submittername", "attachmentspresent", "attachmentsexpected", "status",
    "reviewstate", "deviceid", "edits", "formversion", "meta/rootuuid", "meta-rootuuid",
    "meta/deprecatedid", "meta-deprecatedid", "meta/instancename", "meta-instancename",
}
ENUMERATOR_FIELD = "enumerator_id"
# Questions outside the answers that the canonical table reads: device times, enumerator.
DEVICE_QUESTIONS = ("start", "end", "today", ENUMERATOR_FIELD)

# A file whose headers name fewer questions of the form than this is not a survey export.
# Any other question may be missing from a file (paper-era files leave many out): its rows
# are unanswered there. Only a file without a submission id column is rejected, since its
# rows could not be told apart from their re-exports.
MINIMUM_MAPPED_QUESTIONS = 3
CONSENT_FIELD = "consent"

# The zone a time without an offset is read in: Kobo's `_submission_time` is UTC, the
# device times (`start`, `end`) are local.
TIME_ZONES = {"submitted_at": "UTC", "started_at": LOCAL_TIME_ZONE, "ended_at": LOCAL_TIME_ZONE}


@dataclass(frozen=True)
class SurveyMapping:
    """What mapping an export needs besides the file: the questionnaire, the keyed hashing
    of identities, and what marks a selected option in a 1/0 column
    (`vocabularies.yaml`)."""

    form: SurveyForm
    pseudonymiser: Pseudonymiser
    selected_flags: tuple[str, ...]


@dataclass
class SurveyLayout:
    """Where each canonical field sits in a file's columns."""

    shape: str
    question_columns: dict[str, int] = field(default_factory=dict)
    option_columns: dict[str, dict[str, int]] = field(default_factory=dict)
    submission_id_column: int | None = None
    submission_time_column: int | None = None
    unmapped_headers: list[str] = field(default_factory=list)
    # Questions (or options) more than one column names: the first column is read.
    duplicates: list[str] = field(default_factory=list)

    def has(self, question: str) -> bool:
        """Whether the file has a column for `question` (for a select_multiple question,
        its space-separated column or at least one of its 1/0 option columns)."""
        return question in self.question_columns or question in self.option_columns

    def missing_questions(self, form: SurveyForm) -> list[str]:
        """The form's closed questions (the answers the pipeline uses) the file has no
        column for, in form order: unanswered for every row of the file."""
        return [name for name in form.answer_fields if not self.has(name)]

    def read_positions(self, form: SurveyForm) -> list[int]:
        """The columns the canonical table is made of (ids, times, answers; a multi-select
        question's 1/0 columns only when it has no joined column), in file order. Names,
        phones, comments and system columns are not even parsed."""
        used = {self.submission_id_column, self.submission_time_column}
        used |= {self.question_columns.get(name) for name in DEVICE_QUESTIONS}
        for name in form.answer_fields:
            if name in self.question_columns:
                used.add(self.question_columns[name])
            elif name in self.option_columns:
                used |= set(self.option_columns[name].values())
        return sorted(position for position in used if position is not None)

    def projected(self, positions: list[int]) -> SurveyLayout:
        """The layout over a grid of the columns at `positions` only."""
        where = {position: index for index, position in enumerate(positions)}
        options = {
            question: {option: where[i] for option, i in columns.items() if i in where}
            for question, columns in self.option_columns.items()
        }
        return replace(
            self,
            question_columns={q: where[i] for q, i in self.question_columns.items()
                              if i in where},
            option_columns={q: columns for q, columns in options.items() if columns},
            submission_id_column=_moved(self.submission_id_column, where),
            submission_time_column=_moved(self.submission_time_column, where),
        )


def _moved(position: int | None, where: dict[int, int]) -> int | None:
    return None if position is None else where.get(position)


def reads_header(form: SurveyForm) -> Callable[[str], bool]:
    """Whether a column of this header may be read (a workbook then loads only those): ids,
    times and the questions the pipeline keeps. A superset of `read_positions`."""
    lookup = form.header_lookup()
    kept = {*form.answer_fields, *DEVICE_QUESTIONS}

    def reads(header: str) -> bool:
        key = match_key(header)
        if key in SUBMISSION_ID_HEADERS or key.rsplit("/", 1)[-1] in SUBMISSION_ID_HEADERS:
            return True
        if key in SUBMISSION_TIME_HEADERS:
            return True
        match = lookup.get(key)
        return match is not None and match[0] in kept

    return reads


def survey_layout(headers: list[str], form: SurveyForm) -> SurveyLayout | None:
    """Recognise a survey export by its headers; None when it is not one."""
    lookup = form.header_lookup()
    layout = SurveyLayout(shape="unknown")
    id_shapes: list[str] = []
    earlier: set[str] = set()
    for index, header in enumerate(headers):
        repeated = repeated_header(header, earlier)
        earlier.add(header)
        key = match_key(header)
        bare = key.rsplit("/", 1)[-1]
        if key in SUBMISSION_ID_HEADERS or bare in SUBMISSION_ID_HEADERS:
            shape = SUBMISSION_ID_HEADERS.get(key) or SUBMISSION_ID_HEADERS[bare]
            # `_uuid` (Kobo) or `meta-instanceID` (ODK) win over `KEY`/`instanceID`.
            if layout.submission_id_column is None or key in ("_uuid", "meta-instanceid"):
                layout.submission_id_column = index
            id_shapes.append(shape)
            continue
        if key in SUBMISSION_TIME_HEADERS:
            layout.submission_time_column = index
            continue
        if key in SYSTEM_HEADERS:
            continue
        match = lookup.get(key)
        if match is None and repeated is not None and lookup.get(match_key(repeated)):
            layout.duplicates.append(repeated)  # a workbook's second `age`, read as `age_1`
            continue
        if match is None:
            layout.unmapped_headers.append(header)
            continue
        question, option = match
        if option is None:
            if question in layout.question_columns:
                layout.duplicates.append(question)
            else:
                layout.question_columns[question] = index
        elif option in layout.option_columns.get(question, {}):
            layout.duplicates.append(f"{question}/{option}")
        else:
            layout.option_columns.setdefault(question, {})[option] = index
    if len(layout.question_columns) + len(layout.option_columns) < MINIMUM_MAPPED_QUESTIONS:
        return None
    if "odk_central" in id_shapes:
        layout.shape = "odk_central"
    elif "kobo" in id_shapes:
        layout.shape = "kobo"
    elif "paper" in id_shapes:
        layout.shape = "paper"
    else:
        layout.shape = "kobo" if layout.submission_time_column is not None else "paper"
    return layout


def _answers(column: pa.Array, mapper: Callable[[str], str]) -> pa.Array:
    """Map every distinct answer once; an empty answer is NULL (unanswered)."""
    return map_distinct(column, lambda value: mapper(value) or None, encoded=True)


def _answer_mapper(form: SurveyForm, question: str) -> Callable[[str], str]:
    """Label or name (any language, any case) -> choice name; unknown answers pass unchanged
    so that validation can report them as they were written."""
    lookup = form.answer_lookup(question)

    def mapper(value: str) -> str:
        text = ascii_digits(value).strip()
        if text == "":
            return ""
        return lookup.get(match_key(text), text)

    return mapper


def _multi_mapper(form: SurveyForm, question: str) -> Callable[[str], str]:
    """Space-separated selections back to option names, in the form's order.

    Kobo joins the selected options with spaces, also in label exports, where labels hold
    spaces themselves (`Annonce publique (souk, mosquée, crieur)`): the longest run of words
    that is a known name or label is taken first. Unknown words pass unchanged.
    """
    lookup = form.answer_lookup(question)
    longest = max((key.count(" ") + 1 for key in lookup), default=1)
    order = {name: position for position, name in enumerate(form.choice_names(question))}

    def mapper(value: str) -> str:
        words = value.split()
        selected: list[str] = []
        start = 0
        while start < len(words):
            for stop in range(min(len(words), start + longest), start, -1):
                name = lookup.get(match_key(" ".join(words[start:stop])))
                if name is not None:
                    selected.append(name)
                    start = stop
                    break
            else:
                selected.append(words[start])
                start += 1
        # One canonical order (the form's), so that the same answer exported as a joined
        # column or as 1/0 columns is the same text, and repeats of a submission match.
        ordered = sorted(dict.fromkeys(selected), key=lambda name: order.get(name, len(order)))
        return " ".join(ordered)

    return mapper


def _number_mapper(value: str) -> str:
    """Arabic-Indic digits to ASCII and `34.0` (Excel) to `34`; anything else unchanged."""
    text = ascii_digits(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def _code_mapper(width: int, lookup: dict[str, str]) -> Callable[[str], str]:
    """Geographic codes: labels back to codes, and leading zeros that Excel dropped restored."""

    def mapper(value: str) -> str:
        text = _number_mapper(value)
        if text.isdigit() and len(text) < width:
            return text.zfill(width)
        if text == "":
            return ""
        return lookup.get(match_key(text), text)

    return mapper


def _selected_options(
    option_columns: dict[str, int], grid: TextGrid, flags: tuple[str, ...]
) -> pa.Array:
    """Rebuild a space-separated select_multiple answer from its 1/0 columns (vectorised:
    each option's name where its column is set, joined; the extra spaces are harmless)."""
    if not option_columns:
        return pa.array([""] * grid.num_rows, pa.string())
    pieces = [
        pc.if_else(
            pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(grid.column(index))),
                     value_set=pa.array(flags, pa.string())),
            option,
            "",
        )
        for option, index in option_columns.items()
    ]
    return pc.utf8_trim_whitespace(pc.binary_join_element_wise(*pieces, " "))


def _submission_ids(column: pa.Array, shape: str) -> pa.Array:
    """Kobo `_uuid` and ODK `meta-instanceID` (`uuid:` prefix) name a submission alike;
    a paper questionnaire number is its own namespace (`paper:AZL-0042`)."""
    if shape == "paper":
        return map_distinct(column, lambda value: "paper:" + (identifier(value) or "")
                            if value.strip() else None)
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.replace_substring_regex(trimmed, pattern="^(?i:uuid:)", replacement="")


def canonical_survey_table(
    grid: TextGrid, layout: SurveyLayout, mapping: SurveyMapping, *, source_file: str
) -> pa.Table:
    """The `stg_survey_rows` rows of one survey export (see module docstring)."""
    form, keys = mapping.form, mapping.pseudonymiser
    rows = grid.num_rows
    empty = pa.array([""] * rows, pa.string())

    def text_column(index: int | None) -> pa.Array:
        return empty if index is None else grid.column(index)

    columns: dict[str, pa.Array] = {
        "source_file": pa.array([source_file] * rows, pa.string()),
        "source_row": grid.row_numbers,
        "file_shape": pa.array([layout.shape] * rows, pa.string()),
    }
    raw_ids = _submission_ids(text_column(layout.submission_id_column), layout.shape)
    columns["submission_key"] = keys.key_array("submission", raw_ids)
    enumerators = map_distinct(
        text_column(layout.question_columns.get(ENUMERATOR_FIELD)), identifier
    )
    columns["enumerator_key"] = keys.key_array("enumerator", enumerators)
    times = {
        "submitted_at": text_column(layout.submission_time_column),
        "started_at": text_column(layout.question_columns.get("start")),
        "ended_at": text_column(layout.question_columns.get("end")),
    }
    columns |= parse_cells({
        **{name: (column, TIME_ZONES[name]) for name, column in times.items()},
        "interview_date": (text_column(layout.question_columns.get("today")), None),
    })

    province_lookup = form.answer_lookup("province")
    commune_lookup = form.answer_lookup("commune")
    unanswered = pa.nulls(rows, pa.string())
    for name in form.answer_fields:
        question = form.question(name)
        index = layout.question_columns.get(name)
        if question.is_select_multiple:
            if index is not None:
                values = _answers(grid.column(index), _multi_mapper(form, name))
            elif name in layout.option_columns:
                values = _answers(
                    _selected_options(layout.option_columns[name], grid,
                                      mapping.selected_flags),
                    _multi_mapper(form, name),
                )
            else:
                values = unanswered
        elif index is None:
            values = unanswered
        elif name == "province":
            values = _answers(grid.column(index), _code_mapper(5, province_lookup))
        elif name == "commune":
            values = _answers(grid.column(index), _code_mapper(9, commune_lookup))
        elif question.is_select_one:
            values = _answers(grid.column(index), _answer_mapper(form, name))
        else:
            values = _answers(grid.column(index), _number_mapper)
        columns[name] = values
    if not layout.has(CONSENT_FIELD):
        columns[CONSENT_FIELD] = _implied_consent(columns, form)
    return STG_SURVEY_ROWS.conform(pa.table(columns), form)


def _implied_consent(columns: dict[str, pa.Array], form: SurveyForm) -> pa.Array:
    """Consent of a file without a consent column (paper-era files, docs/file_formats.md): a
    refusal ended the interview, so a row with any answer was consented (`yes`) and a row
    whose answers are all blank is a refusal (`no`)."""
    answers = [columns[name] for name in form.answer_fields if name != CONSENT_FIELD]
    answered = functools.reduce(pc.or_, (pc.is_valid(column) for column in answers))
    return pc.if_else(answered, "yes", "no")


# --- reading a file ----------------------------------------------------------------------


# Rows per batch of a streamed export, and pyarrow's block size: a batch, not a file, is in
# memory.
STREAM_ROWS = 200_000
STREAM_BLOCK = 1 << 24


def _whole_grid(raw: RawFile, form: SurveyForm) -> tuple[TextGrid, str | None]:
    """The file read whole: a workbook's first sheet (only the columns the pipeline may read
    are loaded), or delimited text in any encoding, every column."""
    data = raw.read()
    if is_workbook(data):
        workbook = open_workbook(data)
        if not workbook.sheet_names:
            raise UnreadableFileError("le classeur n'a aucune feuille")
        return read_sheet(workbook, workbook.sheet_names[0], reads_header(form)), None
    return read_delimited_file(data)


def _is_hashtag(first_row: list[str]) -> bool:
    """Kobo's HXL line: the first data row holds only `#tags` and empty strings."""
    tagged = [value for value in first_row if value.strip()]
    return bool(tagged) and all(value.strip().startswith("#") for value in tagged)


def _first_row(grid: TextGrid) -> list[str]:
    if grid.num_rows == 0 or 1 in grid.malformed_rows:
        return []
    return [column[0].as_py() for column in grid.columns]


def read_survey_export(raw: RawFile, mapping: SurveyMapping, *, streaming: bool = True) -> Reading:
    """Read one survey export: yields its `stg_survey_rows` batches, returns its outcome and
    the rows that could not be parsed.

    Only the columns the canonical table is made of are converted (`read_positions`). Large
    UTF-8 CSV exports stream in batches of rows (`streaming`); should such a file turn out
    broken partway, `StreamBroken` is raised and the caller reads it again with
    `streaming=False`: anything else (workbooks, other encodings, files with broken rows) is
    read whole, exactly.
    """
    form = mapping.form
    stream = open_utf8_stream(raw.path) if streaming and not is_workbook(raw.head()) else None
    if stream is not None:
        layout = survey_layout(stream.headers, form)
        if layout is None or layout.submission_id_column is None:
            return _rejected(raw, layout)
        encoding = "utf-8-sig" if raw.head(3) == codecs.BOM_UTF8 else "utf-8"
        positions = layout.read_positions(form)
        try:
            return (yield from _read_grids(
                raw, layout, stream.grids(positions, STREAM_ROWS, STREAM_BLOCK),
                hashtag_line=_is_hashtag(stream.first_row), encoding=encoding,
                mapping=mapping,
            ))
        except (pa.ArrowInvalid, UnicodeDecodeError, csv.Error) as error:
            raise StreamBroken(str(error)) from error
    whole_encoding: str | None
    try:
        grid, whole_encoding = _whole_grid(raw, form)
    except UnreadableFileError as error:
        return FileRead(outcomes=[FileOutcome.rejected(raw.name, SURVEY_KIND, str(error))])
    layout = survey_layout(grid.all_headers, form)
    if layout is None or layout.submission_id_column is None:
        return _rejected(raw, layout)
    hashtag_line = _is_hashtag(_first_row(grid))
    grid = grid.select(layout.read_positions(form))
    return (yield from _read_grids(raw, layout, iter([grid]), hashtag_line=hashtag_line,
                                   encoding=whole_encoding, mapping=mapping))


def _rejected(raw: RawFile, layout: SurveyLayout | None) -> FileRead:
    if layout is None:
        reason = ("ni un export de l'enquête citizen_survey.xlsx, ni un registre d'ateliers : "
                  "ses en-têtes ne nomment (presque) aucune question du formulaire")
        return FileRead(outcomes=[FileOutcome.rejected(raw.name, UNKNOWN_KIND, reason)])
    reason = ("export d'enquête sans colonne d'identifiant de soumission (_uuid, "
              "meta-instanceID ou N° questionnaire) : ses lignes ne pourraient pas être "
              "distinguées de leurs réexportations")
    return FileRead(outcomes=[FileOutcome.rejected(raw.name, SURVEY_KIND, reason)])


def _read_grids(
    raw: RawFile,
    layout: SurveyLayout,
    grids: Iterator[TextGrid],
    *,
    hashtag_line: bool,
    encoding: str | None,
    mapping: SurveyMapping,
) -> Reading:
    """The canonical batches of grids holding the columns `layout.read_positions` names."""
    first = next(grids)
    read = layout.projected(first.positions or list(range(len(first.headers))))
    shift = 0
    if hashtag_line:
        first, shift = first.drop_first_row(), -1
    result = FileRead()
    rows_read = 0
    for batch in itertools.chain([first], (g.shifted(shift) for g in grids)):
        grid = batch.without_blank_rows()
        yield Batch(STG_SURVEY_ROWS,
                    canonical_survey_table(grid, read, mapping, source_file=raw.name))
        rows_read += grid.rows_read
        result.failures += [
            ReadFailure(raw.name, "", row, message)
            for row, message in sorted(grid.malformed_rows.items())
        ]
    result.outcomes.append(
        FileOutcome(
            source_file=raw.name,
            sheet="",
            file_kind=SURVEY_KIND,
            file_shape=layout.shape,
            status="loaded",
            reason="; ".join(note for note in (
                None if rows_read else NO_DATA_ROWS, duplicate_note(layout.duplicates))
                if note) or None,
            rows_read=rows_read,
            encoding=encoding,
            unmapped_headers=", ".join(layout.unmapped_headers) or None,
            missing_questions=", ".join(layout.missing_questions(mapping.form)) or None,
        )
    )
    return result
