"""The questionnaire, read at run time from its XLSForm (`citizen_survey.xlsx`).

Everything the readers and the indicator SQL need to know about the survey comes from here:
field names, their group paths (Kobo `group/name`, ODK `group-name`), the French and Arabic
labels that clerks export with, and the choice lists used to map answer labels back to names.
A new version of the form therefore needs no code change, only a new file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from pyxform.xls2json import parse_file_to_json

SELECT_ONE = "select one"
SELECT_MULTIPLE = "select all that apply"
GROUP_TYPES = {"group", "repeat"}


def header_key(text: object) -> str:
    """A forgiving key for matching headers and answer labels typed or exported by people.

    Case, accents, apostrophe styles, punctuation spacing and runs of spaces do not matter;
    letters and digits do. Arabic letters are kept as they are.
    """
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("’", "'").replace("`", "'").casefold()
    value = re.sub(r"[\s\u00a0]+", " ", value)
    value = re.sub(r"\s*([?:;!/\-])\s*", r"\1", value)
    return value.strip(" ?:")


def label_in(labels: dict[str, str], language: str) -> str | None:
    """The label in one language (`fr`, `ar`) of a question or choice.

    XLSForms name languages `French (fr)` or just `fr`; both are accepted.
    """
    for key, text in labels.items():
        if key == language or key.endswith(f"({language})"):
            return text
    return None


@dataclass(frozen=True)
class Choice:
    name: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Question:
    """One question of the form: its name, type, choice list, where it sits and when it is
    asked (the `relevant` conditions of its groups, then its own, as XLSForm expressions)."""

    name: str
    type: str
    groups: tuple[str, ...]
    labels: dict[str, str]
    list_name: str | None = None
    relevant: tuple[str, ...] = ()

    @property
    def is_select_one(self) -> bool:
        return self.type == SELECT_ONE

    @property
    def is_select_multiple(self) -> bool:
        return self.type == SELECT_MULTIPLE

    @property
    def paths(self) -> tuple[str, ...]:
        """Every header under which an export may name this question."""
        if not self.groups:
            return (self.name,)
        return (
            "/".join((*self.groups, self.name)),
            "-".join((*self.groups, self.name)),
            self.name,
        )


@dataclass(frozen=True)
class SurveyForm:
    """The parsed XLSForm: questions in form order and choice lists by list name."""

    form_id: str
    version: str
    questions: tuple[Question, ...]
    choices: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    title: str = ""

    @classmethod
    def from_xlsform(cls, path: Path) -> SurveyForm:
        parsed = parse_file_to_json(str(path))
        questions: list[Question] = []

        def relevance(node: dict) -> tuple[str, ...]:
            condition = str((node.get("bind") or {}).get("relevant") or "").strip()
            return (condition,) if condition else ()

        def walk(node: dict, groups: tuple[str, ...], conditions: tuple[str, ...]) -> None:
            for child in node.get("children", []):
                child_type = child.get("type", "")
                if child_type in GROUP_TYPES:
                    if child.get("name") == "meta":
                        continue
                    walk(child, (*groups, child["name"]), conditions + relevance(child))
                    continue
                label = child.get("label") or {}
                if isinstance(label, str):
                    label = {"default": label}
                questions.append(
                    Question(
                        name=child["name"],
                        type=child_type,
                        groups=groups,
                        labels=dict(label),
                        list_name=child.get("itemset") or child.get("list_name"),
                        relevant=conditions + relevance(child),
                    )
                )

        walk(parsed, (), ())
        choices = {
            list_name: tuple(
                Choice(name=str(item["name"]), labels=dict(item.get("label") or {}))
                for item in items
            )
            for list_name, items in (parsed.get("choices") or {}).items()
        }
        return cls(
            form_id=str(parsed.get("id_string", "")),
            version=str(parsed.get("version", "")),
            questions=tuple(questions),
            choices=choices,
            title=str(parsed.get("title") or ""),
        )

    # --- lookups -------------------------------------------------------------------------

    @cached_property
    def by_name(self) -> dict[str, Question]:
        return {question.name: question for question in self.questions}

    def question(self, name: str) -> Question:
        return self.by_name[name]

    def choice_names(self, question_name: str) -> list[str]:
        question = self.question(question_name)
        return [choice.name for choice in self.choices.get(question.list_name or "", ())]

    @cached_property
    def _answer_lookups(self) -> dict[str, dict[str, str]]:
        return {}

    def answer_lookup(self, question_name: str) -> dict[str, str]:
        """Map of header_key(name or label in any language) -> choice name, for one question
        (built once per question: every file and batch asks again)."""
        lookups = self._answer_lookups
        if question_name not in lookups:
            lookups[question_name] = self._build_answer_lookup(question_name)
        return lookups[question_name]

    def _build_answer_lookup(self, question_name: str) -> dict[str, str]:
        question = self.question(question_name)
        lookup: dict[str, str] = {}
        for choice in self.choices.get(question.list_name or "", ()):
            for label in choice.labels.values():
                lookup.setdefault(header_key(label), choice.name)
        for choice in self.choices.get(question.list_name or "", ()):
            lookup[header_key(choice.name)] = choice.name
        return lookup

    def header_lookup(self) -> dict[str, tuple[str, str | None]]:
        """Map of header_key(header) -> (question name, option name or None), built once.

        Covers group paths with `/` or `-`, bare names, labels in every language, and the
        one-column-per-option headers of select_multiple questions (`path/option`, with the
        option as name or label).
        """
        return self._header_lookup

    @cached_property
    def _header_lookup(self) -> dict[str, tuple[str, str | None]]:
        lookup: dict[str, tuple[str, str | None]] = {}
        for question in self.questions:
            question_headers = [*question.paths, *question.labels.values()]
            for header in question_headers:
                lookup.setdefault(header_key(header), (question.name, None))
            if question.is_select_multiple:
                for choice in self.choices.get(question.list_name or "", ()):
                    option_names = [choice.name, *choice.labels.values()]
                    for header in question_headers:
                        for option in option_names:
                            for joiner in ("/", "-"):
                                key = header_key(f"{header}{joiner}{option}")
                                lookup.setdefault(key, (question.name, choice.name))
        return lookup

    # --- the parts of the form that indicators are built on --------------------------------

    @cached_property
    def likert_questions(self) -> tuple[str, ...]:
        """Satisfaction and trust items scored 1–5 with 9 = don't know (`sat_*`, `trust_*`)."""
        return tuple(
            q.name for q in self.questions if q.is_select_one and q.list_name == "likert"
        )

    @cached_property
    def services(self) -> tuple[str, ...]:
        """Services `s` that have both a `used_<s>` and a `sat_<s>` question."""
        names = set(self.by_name)
        return tuple(
            q.name.removeprefix("sat_")
            for q in self.questions
            if q.name.startswith("sat_") and f"used_{q.name.removeprefix('sat_')}" in names
        )

    @cached_property
    def washington_group_items(self) -> tuple[str, ...]:
        return tuple(q.name for q in self.questions if q.list_name == "wg")

    @cached_property
    def multi_select_questions(self) -> tuple[str, ...]:
        return tuple(q.name for q in self.questions if q.is_select_multiple)

    @cached_property
    def yes_no_items(self) -> tuple[str, ...]:
        """Yes/no questions that are indicators themselves (not consent, not service use)."""
        return tuple(
            q.name
            for q in self.questions
            if q.list_name == "yes_no" and q.name != "consent" and not q.name.startswith("used_")
        )

    @cached_property
    def answer_fields(self) -> tuple[str, ...]:
        """The questions the pipeline keeps: closed answers only.

        Free-text questions (names, phones, douar, comments) and device metadata are personal
        data or useless for indicators, so they are never read past the reader: keeping a
        whitelist of closed questions means a new free-text question is left out by default.
        """
        closed = {SELECT_ONE, SELECT_MULTIPLE, "integer", "decimal"}
        return tuple(q.name for q in self.questions if q.type in closed)


@lru_cache(maxsize=4)
def _load_form(path: Path, modified_ns: int) -> SurveyForm:
    return SurveyForm.from_xlsform(path)


def load_form(path: Path) -> SurveyForm:
    """The parsed XLSForm, cached per file version (pyxform takes a couple of seconds)."""
    return _load_form(path, path.stat().st_mtime_ns)
