"""The run-time lists that generated columns are made from: the questionnaire's questions
and the register template's workshop types and participant categories.

A `FieldFamily` names its list (`form:score_questions`, `template:categorie`); the run reads
the form and the template once and hands their lists to every table that needs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from citizen_metrics.ingest.xlsform import SurveyForm, label_in
from citizen_metrics.tables.model import Member, RunLists


def _question(form: SurveyForm, name: str) -> Member:
    question = form.question(name)
    return Member(name, label_in(question.labels, "fr"),
                  f"form:{question.list_name}" if question.list_name else None)


def form_lists(form: SurveyForm) -> dict[str, tuple[Member, ...]]:
    """The lists the questionnaire gives: the answers the pipeline keeps, the services
    (with the values of their `used_<service>` question), the score questions, the yes/no
    items and the multi-select questions."""
    return {
        "form:answers": tuple(_question(form, name) for name in form.answer_fields),
        "form:services": tuple(
            Member(service, label_in(form.question(f"sat_{service}").labels, "fr"),
                   _question(form, f"used_{service}").values_from)
            for service in form.services
        ),
        "form:score_questions": tuple(_question(form, q) for q in form.likert_questions),
        "form:yes_no_items": tuple(_question(form, q) for q in form.yes_no_items),
        "form:multi_select_questions": tuple(
            _question(form, q) for q in form.multi_select_questions),
    }


def build_run_lists(form: SurveyForm, template: Mapping[str, Sequence[str]]) -> RunLists:
    """The lists of a run: the form's, and each code list of the register template
    (`template:<column>`: `type_atelier`, `categorie`)."""
    lists = form_lists(form)
    lists |= {f"template:{column}": tuple(Member(code) for code in codes)
              for column, codes in template.items()}
    return RunLists(lists)


def run_lists(source: object) -> RunLists:
    """`source` as the run's lists: the lists themselves, or a parsed form (its lists
    only; enough for the tables whose generated columns all come from the form)."""
    if isinstance(source, RunLists):
        return source
    if isinstance(source, SurveyForm):
        return RunLists(form_lists(source))
    raise TypeError(f"expected the run's lists or the survey form, got {type(source).__name__}")
