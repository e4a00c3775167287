"""Seeded, deterministic generator of realistic demo input files for the pipeline.

Why it exists: the pipeline must be shown working end to end on files that look like the ones
field clerks drop into ``data/raw/`` (every shape of ``docs/file_formats.md``), with problems
planted in *known* numbers, so that tests can check quarantine, de-duplication, supersession and
quality flags exactly; and it must scale to a million responses for benchmarks
(all per-response work is vectorised with numpy; columns are held as integer codes into small
arrays of distinct values, so quoting, labelling and XML escaping run once per distinct value,
not once per row).

Nothing here is real. Names, phone numbers, douars and comments are invented, but they are
present, as in the field, so that the pipeline can prove it never publishes them.

What is written (period January-September 2022, the 40 programme communes):

* Citizen survey (``citizen_survey.xlsx``; questions, groups, relevance and labels are read from
  the form at run time), ``n_responses`` valid submissions (the pipeline accepts exactly these)
  and, on top of them, refusals (~3 %) and invalid submissions (~1.5 %); a quota sample of
  about n/40 per commune, with plausible correlations (age pyramid, education, occupation,
  WG-SS disability ~6.5 %) and deliberate satisfaction gaps (women on roads and lighting,
  persons with a disability on reception and access to information, rural residents on water,
  youth on trust).
  Shapes (``DEFAULT_SHAPES``):

  - ``kobo_xml``: three cumulative Kobo CSV exports (04-04, 07-04, 10-03), XML headers with
    ``/`` group paths, HXL line, split select_multiple columns, ``;``, all quoted, CRLF, BOM.
  - ``kobo_labels_fr``: Khénifra exported with French labels on 2022-07-04 (same ``_uuid`` as
    the XML exports: the pipeline must de-duplicate across shapes).
  - ``kobo_xlsx``: Azilal as a Kobo XLSX export on 2022-10-03, real Excel datetimes, commune
    and province codes as numbers (leading zero lost).
  - ``odk_central``: Fquih Ben Salah moved to ODK Central in July; its later submissions are only
    there (``,``, ``-`` group paths, ``meta-instanceID``).
  - ``paper_fr``: two hand-typed paper-era files (an Azilal commune in Windows-1256 ``;`` CSV,
    a Béni Mellal commune as UTF-16 tab-separated "Unicode text"), label headers and answers,
    ``N° questionnaire`` ids, ages partly typed in Arabic-Indic digits, no consent column
    (one refused questionnaire in each, typed as its number alone). Windows-1256 cannot
    encode ``٠-٩``, ``É`` or ``Â``: as Excel does, they are written with their best-fit
    equivalents (ASCII digits, ``E``, ``A``), so ``Âge`` arrives as ``Age`` in that file.

* Workshop registers (``workshop_register.xlsx``): 8 experts, 5 communes each, ``n_workshops``
  workshops, ~19 attendances each, hand-typed values, each expert's workbook sent twice
  (``…_2022-06.xlsx``, then ``…_2022-09.xlsx`` with the earlier rows repeated, a few ages
  corrected).

Device times (``start``, ``end``, ``today``) are Moroccan local time, written with the offset of
the tz database (``+01:00``, ``+00:00`` during Ramadan) in CSV exports and without one in the
XLSX export; ``_submission_time`` is UTC.

Planted problems (exact counts in ``DemoSummary.injected``; see ``SURVEY_KINDS`` and
``REGISTER_KINDS``): invalid submissions of eight kinds (~1.5 %), edited submissions (~0.5 %,
same ``_uuid``, later ``_submission_time``, one answer changed, only in the exports made after
the edit), speeders, an enumerator with 30 interviews on one day, submissions dated before 2022
or in the future; unknown workshops, a participant typed twice, garbled ages, ages corrected
in a re-sent register. Every planted
problem sits on its own submission, so each is counted once whatever the order of checks.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate, repeat
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import xlsxwriter

from citizen_metrics.ingest.reference_lists import Reference as ProjectReference
from citizen_metrics.ingest.xlsform import SELECT_MULTIPLE, SELECT_ONE, SurveyForm, load_form
from citizen_metrics.settings import Settings

FRENCH = "French (fr)"

DEFAULT_SHAPES: tuple[str, ...] = (
    "kobo_xml", "kobo_labels_fr", "kobo_xlsx", "odk_central", "paper_fr",
)

# --- Design of the demo (which province goes where, and when) ---------------------------------
FIELD_START, FIELD_END = np.datetime64("2022-01-10"), np.datetime64("2022-09-30")
MONTH_WEIGHT = {1: 0.6, 2: 0.9, 3: 1.1, 4: 0.75, 5: 1.0, 6: 1.1, 7: 0.8, 8: 0.6, 9: 1.0}
KOBO_EXPORT_DATES = ("2022-04-04", "2022-07-04", "2022-10-03")
LABELS_EXPORT = ("05301", "2022-07-04")  # Khénifra, exported "with labels" by a clerk
XLSX_EXPORT = ("05081", "2022-10-03")  # Azilal, exported as XLSX
ODK_PROVINCE, ODK_SWITCH = "05255", "2022-07-01"  # Fquih Ben Salah moved to ODK Central
PAPER_FILES = (("050810305", "cp1256"), ("050910301", "utf16"))  # commune, encoding
PAPER_MAX = 42  # questionnaires per paper file
ARABIC_DIGIT_SHARE = 0.4  # paper ages typed in Arabic-Indic digits
FORM_REDEPLOYED = np.datetime64("2022-05-16")
# Device times are Moroccan local time: UTC+1, but UTC+0 during Ramadan (tz database).
LOCAL_ZONE = ZoneInfo("Africa/Casablanca")
FUTURE_SHIFT = np.timedelta64(2922, "D")  # a device clock eight years ahead
PROVINCE_ABBR = {"05081": "AZL", "05091": "BML", "05255": "FBS", "05301": "KHN", "05311": "KHB"}
KOBO, ODK, PAPER = 0, 1, 2

SURVEY_INVALID = (
    "age_out_of_range", "age_not_integer", "sex_missing", "unknown_commune",
    "commune_not_in_province", "sat_without_use", "score_out_of_range", "missing_uuid",
)
SURVEY_FLAGS = ("speeder", "before_period", "in_future", "overloaded_day")
SURVEY_KINDS = ("clean", *SURVEY_INVALID, *SURVEY_FLAGS)
REGISTER_KINDS = ("unknown_workshop", "duplicate_attendance", "bad_age", "corrected_age")
INVALID_SHARE, EDIT_SHARE, SPEEDER_SHARE = 0.015, 0.005, 0.001
OVERLOAD_EXTRA, OUT_OF_PERIOD_EACH, NO_CONSENT_SHARE = 5, 2, 0.03
PILOT_DAYS_BEFORE = 19  # pilot interviews: from this many days before the fieldwork began
OVERLOAD_DAY = np.datetime64("2022-05-22T08:00", "ms")  # a Sunday

# --- Behaviour of respondents (effects are on the 1-5 scale, or on the logit of a rate) -------
AGE_BANDS = np.array([10.5, 10.5, 10, 9.5, 9, 8, 7.5, 7, 6.5, 5.5, 4.5, 3, 2.5, 1.5, 1.0])
RURAL_YOUTH_BOOST = 1.15
TARGET_DISABILITY = 0.065
SERVICE_PARAMS = {  # usage urban, usage rural (official commune type), mean score urban, rural
    "etat_civil": (0.72, 0.62, 3.7, 3.6), "legalisation": (0.58, 0.42, 3.8, 3.6),
    "urbanisme": (0.12, 0.07, 2.9, 3.0), "dechets": (0.88, 0.18, 3.2, 2.9),
    "eclairage": (0.82, 0.38, 3.4, 3.0), "voirie": (0.86, 0.72, 3.1, 2.8),
    "eau_assainissement": (0.84, 0.58, 3.7, 3.3), "transport_scolaire": (0.04, 0.30, 3.2, 3.3),
    "marches": (0.55, 0.66, 3.1, 3.0), "sport_culture": (0.32, 0.13, 3.1, 2.8),
    "acces_information": (0.14, 0.08, 2.9, 2.7), "accueil": (0.48, 0.36, 3.4, 3.3),
}
DEFAULT_SERVICE = (0.4, 0.3, 3.2, 3.1)
LIKERT_BASE = {"sat_overall": (3.3, 3.1), "trust_council": (3.1, 3.1)}
SAT_EFFECTS = {
    "female": {"sat_voirie": -0.45, "sat_eclairage": -0.5, "sat_marches": -0.2,
               "sat_sport_culture": -0.2},
    "disability": {"sat_accueil": -0.6, "sat_acces_information": -0.55, "sat_voirie": -0.3,
                   "sat_etat_civil": -0.2, "sat_overall": -0.2},
    "rural": {"sat_eau_assainissement": -0.5, "sat_dechets": -0.3,
              "sat_transport_scolaire": -0.2},
    "youth": {"trust_council": -0.5, "sat_sport_culture": -0.35, "sat_overall": -0.15,
              "sat_acces_information": -0.2},
    "senior": {"sat_etat_civil": 0.2, "trust_council": 0.25},
}
USE_EFFECTS = {
    "youth": {"used_sport_culture": 1.0, "used_urbanisme": -1.0, "used_transport_scolaire": 0.6},
    "senior": {"used_sport_culture": -1.2, "used_transport_scolaire": -1.0},
    "female": {"used_urbanisme": -0.6, "used_marches": -0.3, "used_sport_culture": -0.5},
    "disability": {"used_sport_culture": -0.8, "used_voirie": -0.4, "used_marches": -0.4},
    "rural": {"used_dechets": -1.2, "used_eclairage": -0.8, "used_transport_scolaire": 0.8},
}
DONT_KNOW, DK_RATE, DK_SENIOR_EXTRA = "9", 0.04, 0.02
DK_RATES = {"sat_acces_information": 0.07, "sat_urbanisme": 0.06, "trust_council": 0.06}
CHANNEL_WEIGHTS = {
    "workshop": 0.5, "commune_office": 1.0, "association": 0.7, "social_media": 1.1,
    "radio_tv": 0.9, "public_announcement": 0.8, "word_of_mouth": 2.0, "none": 0.4,
}
CHANNEL_MULT = {
    "youth": {"social_media": 3.0, "radio_tv": 0.6},
    "senior": {"social_media": 0.2, "radio_tv": 2.0, "public_announcement": 1.5},
    "rural": {"public_announcement": 2.0, "social_media": 0.6, "association": 1.3},
    "attended": {"workshop": 6.0}, "unaware": {"none": 3.0, "workshop": 0.3},
}
PRIORITY_WEIGHTS = {
    "roads": 2.0, "drinking_water": 1.5, "sanitation": 1.0, "health": 2.0, "education": 1.5,
    "youth_employment": 1.6, "women_economic": 0.7, "lighting": 0.7, "waste": 0.8,
    "sport_culture": 0.6, "transport": 0.8, "accessibility": 0.25,
}
PRIORITY_MULT = {
    "female": {"women_economic": 3.0, "lighting": 1.3, "health": 1.2},
    "youth": {"youth_employment": 2.5, "sport_culture": 2.5},
    "disability": {"accessibility": 6.0, "health": 1.3},
    "rural": {"roads": 1.8, "drinking_water": 2.0, "waste": 0.5},
    "urban": {"waste": 2.0, "lighting": 1.5, "transport": 1.3},
}
MULTI_COUNT = {"info_channels": (0.45, 0.35, 0.20), "priorities": (0.10, 0.20, 0.70)}
EXCLUSIVE_OPTION = "none"
WG_ITEM_WEIGHT = {"wg_seeing": 1.2, "wg_hearing": 0.8, "wg_walking": 1.6,
                  "wg_remembering": 0.8, "wg_selfcare": 0.5, "wg_communicating": 0.4}
EDU_ORDER = ("none", "primary", "secondary", "higher")
EDITABLE = ("sat_overall", "trust_council", "knows_pac", "requested_info", "education")

FEMALE_FIRST = [
    ("Fatima", "فاطمة"), ("Khadija", "خديجة"), ("Aicha", "عائشة"), ("Naima", "نعيمة"),
    ("Malika", "مليكة"), ("Zineb", "زينب"), ("Hafsa", "حفصة"), ("Samira", "سميرة"),
    ("Latifa", "لطيفة"), ("Meryem", "مريم"), ("Salma", "سلمى"), ("Imane", "إيمان"),
    ("Hanane", "حنان"), ("Asmae", "أسماء"), ("Loubna", "لبنى"), ("Nadia", "نادية"),
    ("Karima", "كريمة"), ("Siham", "سهام"), ("Ghizlane", "غزلان"), ("Hajar", "هاجر"),
    ("Ikram", "إكرام"), ("Rachida", "رشيدة"), ("Saida", "سعيدة"), ("Itto", "إطو"),
    ("Yamna", "يامنة"), ("Mina", "مينة"), ("Oumaima", "أميمة"), ("Sanae", "سناء"),
    ("Houda", "هدى"), ("Fatima Zahra", "فاطمة الزهراء"),
]
MALE_FIRST = [
    ("Mohamed", "محمد"), ("Ahmed", "أحمد"), ("Abdellah", "عبد الله"), ("Youssef", "يوسف"),
    ("Hassan", "حسن"), ("Said", "سعيد"), ("Rachid", "رشيد"), ("Mustapha", "مصطفى"),
    ("Brahim", "إبراهيم"), ("Omar", "عمر"), ("Hamid", "حميد"), ("Khalid", "خالد"),
    ("Abdelaziz", "عبد العزيز"), ("Driss", "إدريس"), ("Mohamed Amine", "محمد أمين"),
    ("Ayoub", "أيوب"), ("Hicham", "هشام"), ("Yassine", "ياسين"), ("Lahcen", "لحسن"),
    ("Moha", "موحى"), ("Aziz", "عزيز"), ("Mbarek", "امبارك"), ("Abderrahim", "عبد الرحيم"),
    ("Noureddine", "نور الدين"), ("Othmane", "عثمان"), ("Zakaria", "زكرياء"), ("Anas", "أنس"),
    ("Ismail", "إسماعيل"), ("Hamza", "حمزة"), ("Jamal", "جمال"),
]
LAST_NAMES = [
    ("El Amrani", "العمراني"), ("Bennani", "بناني"), ("Ait Ali", "آيت علي"),
    ("Ouhammou", "أوحمو"), ("El Idrissi", "الإدريسي"), ("Boukhari", "البخاري"),
    ("Zaidi", "الزايدي"), ("Amzil", "أمزيل"), ("Benali", "بنعلي"), ("Oulhaj", "أولحاج"),
    ("Lahlou", "لحلو"), ("Ait Said", "آيت سعيد"), ("El Ouafi", "الوافي"),
    ("Naciri", "الناصري"), ("Chakir", "شاكر"), ("Hadioui", "الهاديوي"), ("Fathi", "فتحي"),
    ("Belkadi", "بلقاضي"), ("Ouchen", "أوشن"), ("Haddou", "حدو"), ("Azzouzi", "العزوزي"),
    ("El Fassi", "الفاسي"), ("Bouazza", "بوعزة"), ("Lamrani", "لمراني"), ("Oubaha", "أوباها"),
    ("Izem", "إزم"), ("Akhiat", "أخياط"), ("Moussaoui", "الموساوي"), ("Karimi", "الكريمي"),
    ("Essaidi", "السعيدي"),
]
URBAN_PLACES = [
    "Hay Al Massira", "Hay Nahda", "Hay Al Qods", "Quartier Administratif", "Hay Hassani",
    "Hay Salam", "Hay Al Amal", "Derb Lalla Aicha", "Hay Riad", "Hay Al Farah", "Hay Ennour",
    "حي السلام", "حي النهضة", "الحي الإداري", "حي الأمل",
]
RURAL_PLACES = [
    "Douar Ait Ali", "Douar Ouled Ahmed", "Douar Tizi", "Douar Igherm", "Douar Lmers",
    "Douar Ait Bouzid", "Douar Oulad Moussa", "Douar Tagmout", "Douar Agoudal", "Centre",
    "Douar Ighir", "Douar Ait Hmad", "دوار آيت علي", "دوار أولاد موسى", "دوار تيزي", "المركز",
]
COMMENTS = [
    "Il faut goudronner la piste du douar.",
    "Les horaires du bureau d'état civil sont trop courts.",
    "Pas d'éclairage dans notre quartier, c'est dangereux la nuit pour les femmes.",
    "Le transport scolaire ne passe pas en hiver.",
    "Merci pour cette enquête.",
    "Nous voulons un centre pour les jeunes; il n'y a rien ici.",
    'L\'agent m\'a dit "revenez demain" trois fois.',
    "Accès difficile à la commune pour les personnes en fauteuil roulant.",
    "L'eau est coupée souvent en été.",
    "Le souk a besoin d'un abri, et de toilettes.",
    "Problème de ramassage des ordures;\nle camion ne passe qu'une fois par semaine.",
    "الطريق غير معبدة وصعبة في الشتاء",
    "نريد دار الشباب في الجماعة",
    "الإنارة العمومية ضعيفة في الحي",
    "شكرا على هذا البحث",
    "الموظفون لا يستقبلون المواطنين بشكل جيد",
]
COMMENT_SHARE, NAME_SHARE, ARABIC_NAME_SHARE, PHONE_SHARE, PLACE_SHARE = 0.15, 0.8, 0.25, 0.6, 0.88


# ============================================================================ form and reference
# The generator's view of the questionnaire and of the reference lists, built from the
# project's own loaders (`citizen_metrics.ingest.xlsform`,
# `citizen_metrics.ingest.reference_lists`), so that the demo files follow the same form and
# the same communes as the pipeline that reads them.
XLSFORM_TYPES = {SELECT_ONE: "select_one", SELECT_MULTIPLE: "select_multiple"}


@dataclass(frozen=True)
class Choice:
    name: str
    label_fr: str


@dataclass(frozen=True)
class Field:
    """One question of the XLSForm, with the groups around it and every relevance condition."""

    name: str
    type: str  # first word of the XLSForm type: start, text, integer, select_one, …
    list_name: str | None
    groups: tuple[str, ...]
    label_fr: str | None
    relevant: tuple[str, ...]

    def path(self, sep: str) -> str:
        return sep.join((*self.groups, self.name))

    @property
    def header_fr(self) -> str:
        """Header of a "labels" export: the French label, or the name when there is none."""
        return self.label_fr or self.name


@dataclass(frozen=True)
class Form:
    title: str
    version: str
    fields: tuple[Field, ...]
    choices: dict[str, tuple[Choice, ...]]

    def __getitem__(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    def names(self, field_name: str) -> list[str]:
        return [c.name for c in self.choices[self[field_name].list_name or ""]]

    def labels(self, field_name: str) -> dict[str, str]:
        return {c.name: c.label_fr for c in self.choices[self[field_name].list_name or ""]}


def form_view(survey: SurveyForm) -> Form:
    """The questionnaire as the generator writes it: XLSForm type words, French labels."""
    fields = tuple(
        Field(q.name, XLSFORM_TYPES.get(q.type, q.type), q.list_name, q.groups,
              q.labels.get(FRENCH), q.relevant)
        for q in survey.questions
    )
    choices = {
        list_name: tuple(Choice(c.name, c.labels.get(FRENCH) or c.name) for c in items)
        for list_name, items in survey.choices.items()
    }
    return Form(survey.title or survey.form_id or "form", survey.version, fields, choices)


@dataclass(frozen=True)
class Reference:
    """The region's commune codes and the programme communes (codes kept as strings)."""

    known_communes: frozenset[str]  # every commune of the region
    code: np.ndarray  # the programme communes, sorted by code
    province: np.ndarray
    name: np.ndarray
    urban: np.ndarray  # official type: urban municipality (else rural commune)


def reference_view(reference: ProjectReference) -> Reference:
    """The programme communes, sorted by code, with their province, name and type."""
    communes = {row["commune_code"]: row for row in reference.communes.iter_rows(named=True)}
    codes = sorted(reference.cohort["commune_code"].to_list())
    rows = [communes[c] for c in codes]
    return Reference(frozenset(communes), np.array(codes, dtype=object),
                     np.array([r["province_code"] for r in rows], dtype=object),
                     np.array([r["name_fr"] for r in rows], dtype=object),
                     np.array([r["commune_type"] == "urban" for r in rows]))


# ============================================================================ columns
class Col:
    """A categorical column: integer codes into a small array of distinct string values.

    A million rows by ~120 columns stay small in memory, and every per-value transformation
    (quoting, encoding, labels, XML cells) runs once per distinct value, not once per row.
    """

    __slots__ = ("_cache", "cats", "codes")

    def __init__(self, codes: np.ndarray, cats: Iterable[str]) -> None:
        self.cats = np.array(list(cats), dtype=object)
        dtype = np.int16 if len(self.cats) < 30_000 else np.int32
        self.codes = np.asarray(codes).astype(dtype, copy=False)
        self._cache: dict[Renderer, np.ndarray] = {}

    @classmethod
    def const(cls, n: int, value: str) -> Col:
        return cls(np.zeros(n, np.int16), [value])

    @classmethod
    def from_values(cls, values: Sequence[str]) -> Col:
        cats, codes = np.unique(np.asarray(values, dtype=object), return_inverse=True)
        return cls(codes, cats)

    def __len__(self) -> int:
        return len(self.codes)

    def values(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.cats[self.codes[rows]]

    def code(self, value: str) -> int:
        hits = np.flatnonzero(self.cats == value)
        if len(hits):
            return int(hits[0])
        self.cats = np.append(self.cats, np.array([value], dtype=object))
        if len(self.cats) > np.iinfo(self.codes.dtype).max:
            self.codes = self.codes.astype(np.int32)
        self._cache.clear()
        return len(self.cats) - 1

    def put(self, rows: np.ndarray, value: str) -> None:
        self.codes[rows] = self.code(value)

    def equals(self, value: str) -> np.ndarray:
        hits = np.flatnonzero(self.cats == value)
        return self.codes == hits[0] if len(hits) == 1 else np.isin(self.codes, hits)

    def take(self, rows: np.ndarray) -> Col:
        return Col(self.codes[rows], self.cats)

    def mapped(self, fn: Callable[[str], str]) -> Col:
        """The column with ``fn`` applied to its values (equal results share one category)."""
        cats, inverse = np.unique(np.array([fn(c) for c in self.cats], dtype=object),
                                  return_inverse=True)
        return Col(inverse[self.codes], cats)

    def rendered(self, renderer: Renderer) -> np.ndarray:
        """Every category as an output cell (bytes), computed once per renderer."""
        if renderer not in self._cache:
            self._cache[renderer] = np.array([renderer.one(c) for c in self.cats], dtype=object)
        return self._cache[renderer]

    def render(self, rows: np.ndarray, renderer: Renderer) -> np.ndarray:
        """Cells of ``rows`` as bytes (object array)."""
        return self.rendered(renderer)[self.codes[rows]]


class TextCol:
    """A column of mostly distinct ASCII values (ids, times, phone numbers) held as a fixed-width
    bytes array: a million cost a few dozen MB and are quoted or wrapped in vectorised steps."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray) -> None:
        self.data = np.asarray(data).astype("S", copy=False)

    def __len__(self) -> int:
        return len(self.data)

    def values(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.data[rows].astype(str).astype(object)

    def take(self, rows: np.ndarray) -> TextCol:
        return TextCol(self.data[rows])

    def put(self, rows: np.ndarray, value: str) -> None:
        encoded = value.encode("ascii")
        if len(encoded) > self.data.dtype.itemsize:
            self.data = self.data.astype(f"S{len(encoded)}")
        self.data[rows] = encoded

    def equals(self, value: str) -> np.ndarray:
        return self.data == value.encode("ascii")

    def render(self, rows: np.ndarray, renderer: Renderer) -> np.ndarray:
        data = self.data[rows]
        cells = renderer.many(data)
        if cells is None:  # only for small files (e.g. UTF-16): render one by one
            return np.array([renderer.one(v) for v in data.astype(str)], dtype=object)
        return cells.astype(object)


Column = Col | TextCol


class Renderer(Protocol):
    """Turns values into output cells (bytes): one at a time, or many at once when it can."""

    def one(self, value: str) -> bytes: ...

    def many(self, data: np.ndarray) -> np.ndarray | None: ...


def _choice_col(index: np.ndarray, names: Sequence[str]) -> Col:
    """Codes 0..k-1 point into ``names``; -1 (or anything outside) becomes the empty string."""
    index = np.where((index >= 0) & (index < len(names)), index, len(names))
    return Col(index, [*names, ""])


def _ascii_rows(mat: np.ndarray) -> np.ndarray:
    """(n, k) uint8 ASCII codes to an array of n fixed-width byte strings, in C loops."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    return mat.view(f"S{mat.shape[1]}").ravel()


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero-padded."""
    return (values[:, None] // 10 ** np.arange(width - 1, -1, -1) % 10 + ord("0")).astype(np.uint8)


def _iso(times: np.ndarray, unit: str, suffix: bytes = b"") -> np.ndarray:
    """ISO 8601 text (``D``, ``s`` or ``ms``) as bytes, '' for NaT; built digit by digit
    because ``np.datetime_as_string`` costs a microsecond a value."""
    nat = np.isnat(times)
    ms = np.where(nat, 0, times.astype("datetime64[ms]").astype(np.int64))
    day, rest = np.divmod(ms, 86_400_000)
    days, inverse = np.unique(day, return_inverse=True)
    text = np.datetime_as_string(days.astype("datetime64[D]")).astype("S10")
    parts = [np.frombuffer(text.tobytes(), np.uint8).reshape(-1, 10)[inverse]]
    n = len(ms)

    def const(chars: bytes) -> np.ndarray:
        return np.broadcast_to(np.frombuffer(chars, np.uint8), (n, len(chars)))

    if unit in ("s", "ms"):
        hour, rest = np.divmod(rest, 3_600_000)
        minute, rest = np.divmod(rest, 60_000)
        second, milli = np.divmod(rest, 1000)
        parts += [const(b"T"), _digits(hour, 2), const(b":"), _digits(minute, 2), const(b":"),
                  _digits(second, 2)]
        if unit == "ms":
            parts += [const(b"."), _digits(milli, 3)]
    if suffix:
        parts.append(const(suffix))
    out = _ascii_rows(np.concatenate(parts, axis=1)).copy()
    out[nat] = b""
    return out


def _utc_offset(local: np.ndarray) -> np.ndarray:
    """Morocco's offset from UTC at each local time (``timedelta64[ms]``, 0 for NaT), from the
    tz database, looked up once per distinct local hour."""
    hours = local.astype("datetime64[h]")
    known = ~np.isnat(hours)
    distinct, inverse = np.unique(hours[known], return_inverse=True)
    offsets = np.array([
        (datetime.fromisoformat(str(h)).replace(tzinfo=LOCAL_ZONE).utcoffset() or timedelta())
        // timedelta(milliseconds=1) for h in distinct.astype("datetime64[s]")
    ], np.int64)
    out = np.zeros(len(local), np.int64)
    out[known] = offsets[inverse]
    return out.astype("timedelta64[ms]")


def _to_utc(local: np.ndarray) -> np.ndarray:
    return local - _utc_offset(local)


def _iso_local(times: np.ndarray) -> np.ndarray:
    """Local times as Kobo writes ``start`` and ``end``: ISO with the device's offset."""
    offset = _utc_offset(times).astype(np.int64) // 3_600_000
    suffix = np.where(offset >= 0, b"+", b"-")
    hours = np.abs(offset).astype("S2")
    suffix = np.strings.add(np.strings.add(suffix, np.strings.zfill(hours, 2)), b":00")
    text = np.strings.add(_iso(times, "ms"), suffix)
    return np.where(np.isnat(times), b"", text)


def _uuid4(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random (seeded) version-4 UUIDs, as bytes."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((n, 32), np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = b >> 4, b & 0x0F
    out = np.full((n, 36), ord("-"), np.uint8)
    out[:, [i for i in range(36) if i not in (8, 13, 18, 23)]] = np.frombuffer(
        b"0123456789abcdef", np.uint8)[nibbles]
    return _ascii_rows(out)


def _random_token(rng: np.random.Generator, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), length))


def _phone_digits(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 10) ASCII digits of Moroccan mobile numbers, 06… or 07…"""
    d = rng.integers(0, 10, size=(n, 10), dtype=np.uint8)
    d[:, 0], d[:, 1] = 0, np.where(rng.random(n) < 0.75, 6, 7)
    return d + ord("0")


def _format_phones(digits: np.ndarray, fmt: np.ndarray) -> np.ndarray:
    """Digits typed as ``06 12 34 56 78`` (fmt 0), ``+212612345678`` (1) or ``0612345678`` (2)."""
    n = len(digits)
    spaced = np.full((n, 14), ord(" "), np.uint8)
    spaced[:, [0, 1, 3, 4, 6, 7, 9, 10, 12, 13]] = digits
    intl = np.concatenate([np.tile(np.frombuffer(b"+212", np.uint8), (n, 1)), digits[:, 1:]], 1)
    out = np.zeros(n, "S14")
    for k, mat in enumerate((spaced, intl, digits)):
        rows = np.flatnonzero(fmt == k)
        out[rows] = _ascii_rows(mat[rows])
    return out


def _format_phone(digits: str, fmt: int) -> str:
    if fmt == 0:
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return "+212" + digits[1:] if fmt == 1 else digits


# ============================================================================ random helpers
def _draw_categorical(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One index per row of an (n, k) matrix of unnormalised weights."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _draw_multi(rng: np.random.Generator, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(n, k) booleans: ``counts[i]`` options of row i without replacement (Gumbel top-k)."""
    keys = np.log(np.maximum(weights, 1e-12)) + rng.gumbel(size=weights.shape)
    ordered = -np.sort(-keys, axis=1)
    return keys >= ordered[np.arange(len(keys)), counts - 1][:, None]


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _split_counts(total: int, n_parts: int, rng: np.random.Generator, spread: float) -> np.ndarray:
    """``total`` split into ``n_parts`` near-equal integer parts (± ``spread``), summing exactly."""
    w = 1 + rng.uniform(-spread, spread, n_parts)
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(int)
    parts[np.argsort(parts - raw)[: total - parts.sum()]] += 1
    return parts


# ============================================================================ survey simulation
@dataclass
class Core:
    """Who was interviewed, by whom, when, and through which channel (one entry per submission)."""

    commune: np.ndarray  # index into Reference.programme
    urban_commune: np.ndarray
    enumerator: np.ndarray  # index into ``enumerators``
    enumerators: list[str]
    devices: list[str]
    start: np.ndarray  # local datetime64[ms] (NaT for paper)
    end: np.ndarray
    received: np.ndarray  # true UTC receipt time, decides which exports hold the submission
    channel: np.ndarray
    paper_file: np.ndarray  # -1, or index into PAPER_FILES
    consent: np.ndarray
    uuid: np.ndarray


def _fieldwork_days() -> tuple[np.ndarray, np.ndarray]:
    days = np.arange(FIELD_START, FIELD_END + 1, dtype="datetime64[D]")
    days = days[(days.astype(np.int64) + 3) % 7 != 6]  # no Sundays (1970-01-01 was a Thursday)
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    w = np.array([MONTH_WEIGHT[int(m)] for m in month])
    return days, w / w.sum()


def _enumerators(rng: np.random.Generator, ref: Reference, commune: np.ndarray,
                 n_days: int) -> tuple[np.ndarray, list[str], list[str]]:
    """2-3 enumerators per province (more when n is huge: at most ~5 interviews a day each)."""
    enumerator = np.zeros(len(commune), np.int32)
    codes: list[str] = []
    province_of = ref.province[commune]
    for province in sorted(set(ref.province)):
        rows = np.flatnonzero(province_of == province)
        n_communes = int((ref.province == province).sum())
        k = max(3 if n_communes >= 8 else 2, int(np.ceil(len(rows) / (n_days * 5))))
        abbr = PROVINCE_ABBR.get(str(province), str(province)[-3:])
        enumerator[rows] = len(codes) + rng.integers(0, k, len(rows))
        codes += [f"ENQ-{abbr}-{i + 1:02d}" for i in range(k)]
    devices = [f"collect:{_random_token(rng, 16)}" for _ in codes]
    return enumerator, codes, devices


def _planted_counts(n: int) -> tuple[int, int]:
    """Invalid submissions of each kind and refusals, planted on top of ``n`` valid ones."""
    return max(1, round(n * INVALID_SHARE / len(SURVEY_INVALID))), round(n * NO_CONSENT_SHARE)


def _refusals(rng: np.random.Generator, channel: np.ndarray, paper_file: np.ndarray,
              count: int) -> np.ndarray:
    """Who declined: one questionnaire of each paper file (typed as its number alone), the
    others among the Kobo and ODK interviews."""
    paper = [_pick(rng, np.flatnonzero(paper_file == k), 1)
             for k in range(len(PAPER_FILES)) if (paper_file == k).sum() >= 3]
    paper = paper[:count]
    others = _pick(rng, np.flatnonzero(channel != PAPER), count - len(paper))
    return np.concatenate([*paper, others]).astype(np.int64)


def _simulate_core(rng: np.random.Generator, n: int, ref: Reference,
                   shapes: Sequence[str], refusals: int) -> Core:
    commune = np.repeat(np.arange(len(ref.code)), _split_counts(n, len(ref.code), rng, 0.15))
    commune = commune[rng.permutation(n)]
    urban_commune = ref.urban[commune]
    days, p = _fieldwork_days()
    enumerator, enumerators, devices = _enumerators(rng, ref, commune, len(days))
    day = days[rng.choice(len(days), size=n, p=p)]
    start = (day.astype("datetime64[ms]") + np.timedelta64(9, "h")
             + rng.integers(0, 9 * 3600_000, n).astype("timedelta64[ms]"))
    minutes = 12 + 18 * rng.beta(2, 3, n)
    end = start + (minutes * 60_000).astype("int64").astype("timedelta64[ms]")
    u = rng.random(n)
    delay_min = np.where(u < 0.6, rng.uniform(1, 180, n),
                         np.where(u < 0.9, rng.uniform(180, 4320, n), rng.uniform(4320, 14400, n)))
    received = _to_utc(end) + (delay_min * 60_000).astype("int64").astype("timedelta64[ms]")
    cap = np.datetime64(KOBO_EXPORT_DATES[-1], "ms") - np.timedelta64(2, "h")
    received = np.minimum(received, cap - rng.integers(0, 3600_000, n).astype("timedelta64[ms]"))
    channel = np.full(n, KOBO, np.int8)
    paper_file = np.full(n, -1, np.int8)
    if "paper_fr" in shapes:
        for k, (code, _) in enumerate(PAPER_FILES):
            rows = np.flatnonzero(commune == int(np.flatnonzero(ref.code == code)[0]))
            rows = rows[np.argsort(start[rows], kind="stable")]  # the earliest: paper era
            rows = rows[: min(PAPER_MAX, max(5, len(rows) // 4), len(rows))]
            channel[rows], paper_file[rows] = PAPER, k
    if "odk_central" in shapes:
        fbs = ref.province[commune] == ODK_PROVINCE
        channel[fbs & (channel == KOBO) & (received >= np.datetime64(ODK_SWITCH))] = ODK
    consent = np.ones(n, bool)
    consent[_refusals(rng, channel, paper_file, refusals)] = False
    nat = np.datetime64("NaT", "ms")
    on_paper = channel == PAPER
    start[on_paper], end[on_paper], received[on_paper] = nat, nat, nat
    return Core(commune, urban_commune, enumerator, enumerators, devices, start, end, received,
                channel, paper_file, consent, _uuid4(rng, n))


@dataclass
class People:
    """Latent traits of respondents that drive their answers (one entry per submission)."""

    groups: dict[str, np.ndarray]  # female, youth, senior, disability, rural, urban (booleans)
    age: np.ndarray
    edu: np.ndarray  # 0..3 along EDU_ORDER


def _ages(rng: np.random.Generator, urban_commune: np.ndarray) -> np.ndarray:
    n = len(urban_commune)
    rural_w = AGE_BANDS.copy()
    rural_w[:3] *= RURAL_YOUTH_BOOST
    band = np.where(urban_commune, rng.choice(len(AGE_BANDS), n, p=AGE_BANDS / AGE_BANDS.sum()),
                    rng.choice(len(AGE_BANDS), n, p=rural_w / rural_w.sum()))
    width = np.where(band == len(AGE_BANDS) - 1, 6, 5)
    return (15 + 5 * band + np.floor(rng.random(n) * width)).astype(np.int16)


def _simulate_people(rng: np.random.Generator, core: Core, ref: Reference) -> People:
    n = len(core.commune)
    female = rng.random(n) < 0.5
    age = _ages(rng, core.urban_commune)
    khouribga = (ref.province == "05311")[core.commune]
    p_urban = np.where(core.urban_commune, 0.92, np.where(khouribga, 0.15, 0.05))
    rural = rng.random(n) >= p_urban
    latent = (2.4 - 0.028 * (age - 15) - 0.45 * (female & (age >= 35))
              - 0.6 * ~core.urban_commune - 0.2 * rural + rng.normal(0, 0.75, n))
    edu = np.digitize(latent, [0.6, 1.35, 2.2]).astype(np.int8)
    p_dis = 0.012 * np.exp(0.045 * (age - 15.0))
    disability = rng.random(n) < p_dis * TARGET_DISABILITY / p_dis.mean()
    groups = {"female": female, "youth": age <= 29, "senior": age >= 60,
              "disability": disability, "rural": rural, "urban": ~rural}
    return People(groups, age, edu)


def _occupation_weights(names: list[str], p: People, urban_commune: np.ndarray) -> np.ndarray:
    g, age, edu = p.groups, p.age, p.edu
    male = ~g["female"]
    rules = {
        "student": (age <= 24) * np.where(edu >= 2, 3.0, 0.6) + ((age > 24) & (age <= 29)) * 0.3,
        "employee": ((age >= 20) & (age < 60)) * (0.4 + 0.5 * edu) * np.where(male, 1.3, 0.6),
        "self_employed": ((age >= 22) & (age < 70)) * np.where(male, 1.3, 0.5),
        "farmer": (age >= 18) * np.where(urban_commune, 0.1, 1.5) * np.where(male, 1.5, 0.5),
        "unemployed": ((age >= 18) & (age < 50)) * np.where(g["youth"], 1.4, 0.5),
        "homemaker": (age >= 20) * np.where(g["female"], 3.0, 0.05),
        "retired": (age >= 60) * 3.0 * np.where(urban_commune, 1.5, 0.7) * np.where(male, 1.5, 0.5),
        "other": np.full(len(age), 0.2),
    }
    return np.stack([rules.get(k, np.full(len(age), 0.3)) for k in names], axis=1) + 1e-6


def _wg_items(rng: np.random.Generator, items: list[str], people: People) -> np.ndarray:
    """(n, k) WG-SS answers: 3/4 on 1-3 items for persons with a disability, 7/9 ~1 %."""
    n, k = len(people.age), len(items)
    senior, disability = people.groups["senior"], people.groups["disability"]
    p_some = 0.06 + 0.25 * senior + 0.04 * ((people.age >= 45) & ~senior)
    p_some = np.where(disability, 0.35, p_some)
    out = np.where(rng.random((n, k)) < p_some[:, None], 2, 1).astype(np.int8)
    weights = np.array([WG_ITEM_WEIGHT.get(i, 1.0) for i in items])
    rows = np.flatnonzero(disability)
    n_hard = rng.choice([1, 2, 3], size=len(rows), p=[0.7, 0.22, 0.08])
    hard = _draw_multi(rng, np.tile(weights, (len(rows), 1)), np.minimum(n_hard, k))
    out[rows] = np.where(hard, np.where(rng.random(hard.shape) < 0.75, 3, 4), out[rows])
    rows = np.flatnonzero(~disability & (rng.random(n) < 0.01))
    pick = _draw_multi(rng, np.tile(weights, (len(rows), 1)), np.ones(len(rows), int))
    out[rows] = np.where(pick, np.where(rng.random(pick.shape) < 0.7, 9, 7), out[rows])
    return out


def _binary(form: Form, name: str, flag: np.ndarray, when_true: str, when_false: str) -> Col:
    """A two-way answer coded with the form's own choice list (``yes``/``no``, sex, milieu)."""
    names = form.names(name)
    return _choice_col(np.where(flag, names.index(when_true), names.index(when_false)), names)


def _likert(rng: np.random.Generator, mu: np.ndarray, dk_rate: np.ndarray) -> np.ndarray:
    score = np.clip(np.rint(mu + rng.normal(0, 0.95, len(mu))), 1, 5).astype(np.int8)
    score[rng.random(len(mu)) < dk_rate] = int(DONT_KNOW)
    return score


def _likert_col(score: np.ndarray, names: list[str]) -> Col:
    """Integer answers (1-5, 9; or WG 1-4, 7, 9) to a column of the form's choice names."""
    table = np.full(10, -1)
    for i, c in enumerate(names):
        if c.isdigit() and int(c) < 10:
            table[int(c)] = i
    return _choice_col(table[score], names)


def _group_shift(effects: dict[str, dict[str, float]], name: str,
                 groups: dict[str, np.ndarray]) -> np.ndarray | float:
    shift: np.ndarray | float = 0.0
    for group, table in effects.items():
        if name in table and group in groups:
            shift = shift + table[name] * groups[group]
    return shift


def _likert_fields(form: Form) -> list[Field]:
    """Every question on the satisfaction scale (the choice list of the ``sat_`` questions)."""
    lists = {f.list_name for f in form.fields if f.name.startswith("sat_")}
    return [f for f in form.fields if f.type == "select_one" and f.list_name in lists]


def _services(rng: np.random.Generator, form: Form, core: Core, people: People,
              ref: Reference) -> dict[str, Col]:
    """``used_<s>``/``sat_<s>`` for every service of the form, and the other likert questions.

    A score is a rounded normal around a mean set by service, commune type, commune, the
    person's general mood and group effects (SAT_EFFECTS): gaps are moderate but real.
    """
    n, g, urban = len(core.commune), people.groups, core.urban_commune
    n_communes = len(ref.code)
    commune_effect = rng.normal(0, 0.25, n_communes)[core.commune]
    mood = rng.normal(0, 0.45, n)
    services = _service_names(form)
    out: dict[str, Col] = {}
    for s in services:
        use_u, use_r, _, _ = SERVICE_PARAMS.get(s, DEFAULT_SERVICE)
        base = np.where(urban, use_u, use_r)
        logit = np.log(base / (1 - base)) + _group_shift(USE_EFFECTS, f"used_{s}", g)
        used = rng.random(n) < _logistic(logit)
        out[f"used_{s}"] = _binary(form, f"used_{s}", used, "yes", "no")
    for f in _likert_fields(form):
        service = f.name.removeprefix("sat_")
        if f.name.startswith("sat_") and service in services:
            mu_u, mu_r = SERVICE_PARAMS.get(service, DEFAULT_SERVICE)[2:]
        else:
            mu_u, mu_r = LIKERT_BASE.get(f.name, (3.0, 3.0))
        mu = (np.where(urban, mu_u, mu_r) + commune_effect + mood
              + rng.normal(0, 0.15, n_communes)[core.commune]
              + _group_shift(SAT_EFFECTS, f.name, g))
        dk = DK_RATES.get(f.name, DK_RATE) + DK_SENIOR_EXTRA * g["senior"]
        out[f.name] = _likert_col(_likert(rng, mu, dk), form.names(f.name))
    return out


def _service_names(form: Form) -> list[str]:
    return [f.name[5:] for f in form.fields
            if f.name.startswith("used_") and f"sat_{f.name[5:]}" in form]


def _multi_col(rng: np.random.Generator, options: list[str], weights: dict[str, float],
               mult: dict[str, dict[str, float]], groups: dict[str, np.ndarray],
               count_p: Sequence[float]) -> Col:
    """A select_multiple answer: 1-3 options, weighted by group, joined with spaces."""
    n = len(next(iter(groups.values())))
    w = np.tile([weights.get(o, 0.5) for o in options], (n, 1)).astype(float)
    for group, table in mult.items():
        for j, o in enumerate(options):
            if o in table and group in groups:
                w[:, j] *= np.where(groups[group], table[o], 1.0)
    counts = rng.choice(np.arange(1, len(count_p) + 1), size=n, p=count_p)
    chosen = _draw_multi(rng, w, np.minimum(counts, len(options)))
    if EXCLUSIVE_OPTION in options:
        j = options.index(EXCLUSIVE_OPTION)
        chosen[chosen[:, j]] = np.arange(len(options)) == j
    bits = chosen @ (1 << np.arange(len(options), dtype=np.int64))
    uniq, inverse = np.unique(bits, return_inverse=True)
    cats = [" ".join(o for j, o in enumerate(options) if b >> j & 1) for b in uniq]
    return Col(inverse, cats)


def _participation(rng: np.random.Generator, form: Form, core: Core,
                   people: People) -> dict[str, Col]:
    n, g = len(core.commune), people.groups
    knows = rng.random(n) < _logistic(-0.7 + 0.5 * core.urban_commune - 0.35 * g["female"]
                                      - 0.45 * g["youth"] + 0.35 * people.edu
                                      - 0.3 * g["disability"])
    attended = rng.random(n) < _logistic(-2.8 + 1.6 * knows - 0.4 * g["female"] - 0.3 * g["youth"]
                                         - 0.4 * g["disability"] + 0.3 * g["senior"])
    requested = rng.random(n) < _logistic(-3.2 + 0.45 * people.edu + 0.9 * attended)
    out: dict[str, Col] = {}
    for name, flag in (("knows_pac", knows), ("attended_consultation", attended),
                       ("requested_info", requested)):
        if name in form:
            out[name] = _binary(form, name, flag, "yes", "no")
    groups = {**g, "attended": attended, "unaware": ~knows}
    for name, weights, mult in (("info_channels", CHANNEL_WEIGHTS, CHANNEL_MULT),
                                ("priorities", PRIORITY_WEIGHTS, PRIORITY_MULT)):
        if name in form:
            out[name] = _multi_col(rng, form.names(name), weights, mult, groups,
                                   MULTI_COUNT[name])
    return out


def _names(rng: np.random.Generator, female: np.ndarray) -> Col:
    """Moroccan first + last names, a quarter in Arabic script; a fifth left blank."""
    cats, offsets = [], {}
    for script in (0, 1):
        for sex, firsts in ((1, FEMALE_FIRST), (0, MALE_FIRST)):
            offsets[script, sex] = len(cats)
            cats += [f"{f[script]} {last[script]}" for f in firsts for last in LAST_NAMES]
    n = len(female)
    arabic = rng.random(n) < ARABIC_NAME_SHARE
    first = (rng.random(n) * np.where(female, len(FEMALE_FIRST), len(MALE_FIRST))).astype(int)
    last = rng.integers(0, len(LAST_NAMES), n)
    offset = np.select([arabic & female, arabic & ~female, ~arabic & female],
                       [offsets[1, 1], offsets[1, 0], offsets[0, 1]], offsets[0, 0])
    code = offset + first * len(LAST_NAMES) + last
    return _choice_col(np.where(rng.random(n) < NAME_SHARE, code, -1), cats)


def _respondent(rng: np.random.Generator, form: Form, core: Core, people: People,
                ref: Reference) -> dict[str, Column]:
    n, g = len(core.commune), people.groups
    provinces = sorted(set(ref.province))
    province_idx = np.array([provinces.index(p) for p in ref.province])
    out = {  # the commune's categories are the programme communes, in order (see _break_*)
        "province": _choice_col(province_idx[core.commune], provinces),
        "commune": _choice_col(core.commune, list(ref.code)),
        "milieu": _binary(form, "milieu", g["rural"], "rural", "urban"),
        "sex": _binary(form, "sex", g["female"], "female", "male"),
        "age": Col(people.age, [str(a) for a in range(int(people.age.max()) + 1)]),
        "respondent_name": _names(rng, g["female"]),
    }
    places = URBAN_PLACES + RURAL_PLACES
    place = np.where(g["rural"], len(URBAN_PLACES) + rng.integers(0, len(RURAL_PLACES), n),
                     rng.integers(0, len(URBAN_PLACES), n))
    out["douar_quartier"] = _choice_col(np.where(rng.random(n) < PLACE_SHARE, place, -1), places)
    has_phone = rng.random(n) < PHONE_SHARE
    phones = _format_phones(_phone_digits(rng, n), rng.integers(0, 3, n))
    phones[~has_phone] = b""
    out["phone"] = TextCol(phones)
    comment = rng.integers(0, len(COMMENTS), n)
    out["comments"] = _choice_col(np.where(rng.random(n) < COMMENT_SHARE, comment, -1), COMMENTS)
    if "education" in form and set(form.names("education")) >= set(EDU_ORDER):
        names = form.names("education")
        out["education"] = _choice_col(np.array([names.index(e) for e in EDU_ORDER])[people.edu],
                                       names)
    if "occupation" in form:
        names = form.names("occupation")
        weights = _occupation_weights(names, people, core.urban_commune)
        out["occupation"] = _choice_col(_draw_categorical(rng, weights), names)
    wg = [f.name for f in form.fields if f.list_name == "wg"]
    if wg:
        answers = _wg_items(rng, wg, people)
        for j, item in enumerate(wg):
            out[item] = _likert_col(answers[:, j], form.names(item))
    return {k: v for k, v in out.items() if k in form}


def _fallback(rng: np.random.Generator, form: Form, f: Field, n: int) -> Col:
    """Plausible filler for a question the demo has no model for (the form may grow)."""
    if f.type == "select_one":
        names = form.names(f.name)
        return _choice_col(rng.integers(0, len(names), n), names)
    if f.type == "select_multiple":
        return _choice_col(rng.integers(0, len(form.names(f.name)), n), form.names(f.name))
    if f.type == "integer":
        return Col(rng.integers(0, 10, n), [str(i) for i in range(10)])
    return Col.const(n, "")


_RELEVANT = re.compile(r"^\$\{(\w+)\}\s*=\s*'([^']*)'$")


def _apply_relevance(form: Form, cols: dict[str, Column]) -> None:
    """Blank every answer whose ``relevant`` (``${q} = 'value'``) is false, as the form does."""
    for f in form.fields:
        for expression in f.relevant:
            match = _RELEVANT.match(expression)
            if not match:
                raise ValueError(f"demo generator cannot evaluate relevant {expression!r}")
            ref_name, value = match.groups()
            cols[f.name].put(np.flatnonzero(~cols[ref_name].equals(value)), "")


def _answers(rng: np.random.Generator, form: Form, core: Core, people: People,
             ref: Reference) -> dict[str, Column]:
    n = len(core.commune)
    cols: dict[str, Column] = {}
    cols.update(_respondent(rng, form, core, people, ref))
    cols.update(_services(rng, form, core, people, ref))
    cols.update(_participation(rng, form, core, people))
    cols["enumerator_id"] = Col(core.enumerator, core.enumerators)
    cols["consent"] = _binary(form, "consent", core.consent, "yes", "no")
    for f in form.fields:
        if f.name not in cols and f.type not in ("start", "end", "today", "deviceid"):
            cols[f.name] = _fallback(rng, form, f, n)
    _apply_relevance(form, cols)
    return cols


# ============================================================================ planted problems
def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    return np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False))


def _inject_invalid(rng: np.random.Generator, form: Form, ref: Reference, core: Core,
                    cols: dict[str, Col], kind: np.ndarray, per_kind: int) -> None:
    """Break ``per_kind`` Kobo submissions in each way that §6 of INDICATORS quarantines."""
    pool = np.flatnonzero((core.channel == KOBO) & core.consent)
    picked = _pick(rng, pool, per_kind * len(SURVEY_INVALID))
    picked = picked[rng.permutation(len(picked))]
    for k, name in enumerate(SURVEY_INVALID):
        rows = np.sort(picked[k * per_kind:(k + 1) * per_kind])
        kind[rows] = SURVEY_KINDS.index(name)
        BREAKERS[name](_Survey0(rng, form, ref, core, cols), rows)


@dataclass
class _Survey0:
    """The simulated submissions before edits, as the problem planters see them."""

    rng: np.random.Generator
    form: Form
    ref: Reference
    core: Core
    cols: dict[str, Col]


def _cycle(col: Col, rows: np.ndarray, values: Sequence[str]) -> None:
    for j, value in enumerate(values):
        col.put(rows[j::len(values)], value)


def _break_age_range(x: _Survey0, rows: np.ndarray) -> None:
    _cycle(x.cols["age"], rows, ("7", "130", "12", "104"))


def _break_age_integer(x: _Survey0, rows: np.ndarray) -> None:
    _cycle(x.cols["age"], rows, ("abc", "3O", "45.5"))


def _break_sex(x: _Survey0, rows: np.ndarray) -> None:
    x.cols["sex"].put(rows, "")


def _break_unknown_commune(x: _Survey0, rows: np.ndarray) -> None:
    """A 9-digit code of the right province that is no commune of the region."""
    known = x.ref.known_communes
    province = x.ref.province[x.core.commune[rows]]
    for p in np.unique(province):
        fakes = [c for c in (f"{p}{i:04d}" for i in range(9901, 9999)) if c not in known][:3]
        _cycle(x.cols["commune"], rows[province == p], fakes)


def _break_commune_province(x: _Survey0, rows: np.ndarray) -> None:
    """A programme commune of another province than the one named."""
    provinces = x.ref.province
    other = x.rng.integers(0, len(provinces), len(rows))
    while (same := provinces[other] == provinces[x.core.commune[rows]]).any():
        other[same] = x.rng.integers(0, len(provinces), int(same.sum()))
    x.cols["commune"].codes[rows] = other  # the first categories are the programme communes


def _break_sat_without_use(x: _Survey0, rows: np.ndarray) -> None:
    services = _service_names(x.form)
    which = x.rng.integers(0, len(services), len(rows))
    scores = x.rng.integers(1, 6, len(rows))
    for j, s in enumerate(services):
        mine = rows[which == j]
        x.cols[f"used_{s}"].put(mine, "no")
        blank = x.cols[f"sat_{s}"].equals("")[mine]
        for score in range(1, 6):
            x.cols[f"sat_{s}"].put(mine[blank & (scores[which == j] == score)], str(score))


def _break_score(x: _Survey0, rows: np.ndarray) -> None:
    x.cols["sat_overall"].put(rows[0::2], "6")
    x.cols["trust_council"].put(rows[1::2], "6")


def _break_uuid(x: _Survey0, rows: np.ndarray) -> None:
    x.core.uuid[rows] = b""


BREAKERS: dict[str, Callable[[_Survey0, np.ndarray], None]] = {
    "age_out_of_range": _break_age_range, "age_not_integer": _break_age_integer,
    "sex_missing": _break_sex, "unknown_commune": _break_unknown_commune,
    "commune_not_in_province": _break_commune_province,
    "sat_without_use": _break_sat_without_use, "score_out_of_range": _break_score,
    "missing_uuid": _break_uuid,
}


@dataclass(frozen=True)
class FlagThresholds:
    """The quality-flag thresholds of the programme (`data/reference/programme.yaml`), so
    that planted speeders, pilot interviews and overloaded days fall on the right side."""

    short_interview_minutes: int
    earliest_interview_date: date
    enumerator_daily_max: int

    @classmethod
    def from_settings(cls, settings: Settings) -> FlagThresholds:
        return cls(settings.short_interview_minutes, settings.earliest_interview_date,
                   settings.enumerator_daily_max)


def _inject_flags(rng: np.random.Generator, core: Core, kind: np.ndarray,
                  flags: FlagThresholds) -> np.ndarray:
    """Quality flags (kept, not quarantined). Returns the shift of written times per submission
    (a device clock eight years ahead for the ``in_future`` ones)."""
    n = len(kind)
    shift = np.zeros(n, "timedelta64[ms]")
    clean = (core.channel != PAPER) & core.consent & (kind == 0)
    speeders = _pick(rng, np.flatnonzero(clean), max(3, round(n * SPEEDER_SHARE)))
    kind[speeders] = SURVEY_KINDS.index("speeder")
    # From 2 minutes to 10 seconds under the threshold.
    core.end[speeders] = core.start[speeders] + rng.integers(
        120_000, flags.short_interview_minutes * 60_000 - 10_000, len(speeders)
    ).astype("timedelta64[ms]")
    clean_kobo = np.flatnonzero((kind == 0) & clean & (core.channel == KOBO))
    dated = _pick(rng, clean_kobo, 2 * OUT_OF_PERIOD_EACH)
    before, future = dated[:OUT_OF_PERIOD_EACH], dated[OUT_OF_PERIOD_EACH:]
    kind[before] = SURVEY_KINDS.index("before_period")
    kind[future] = SURVEY_KINDS.index("in_future")
    first_pilot_day = np.datetime64(flags.earliest_interview_date, "D") - PILOT_DAYS_BEFORE
    pilot = (first_pilot_day + np.timedelta64(10, "h")).astype("datetime64[ms]") \
        + rng.integers(0, 14, len(before)).astype("timedelta64[D]")
    _move(rng, core, before, pilot, np.timedelta64(40, "m"))  # pilot interviews
    shift[future] = FUTURE_SHIFT
    _overload(rng, core, kind, flags.enumerator_daily_max)
    return shift


def _move(rng: np.random.Generator, core: Core, rows: np.ndarray, first_start: np.ndarray,
          step: np.timedelta64) -> None:
    """Re-time ``rows`` to start at ``first_start`` + k·``step`` (plus jitter), 12-18 min long."""
    jitter = rng.integers(0, 120_000, len(rows)).astype("timedelta64[ms]")
    start = first_start + np.arange(len(rows)) * step + jitter
    duration = rng.integers(12 * 60_000, 18 * 60_000, len(rows)).astype("timedelta64[ms]")
    core.start[rows], core.end[rows] = start, start + duration
    delay = rng.integers(5 * 60_000, 180 * 60_000, len(rows)).astype("timedelta64[ms]")
    core.received[rows] = _to_utc(core.end[rows]) + delay


def _overload(rng: np.random.Generator, core: Core, kind: np.ndarray, daily_max: int) -> None:
    """One enumerator logs more interviews than `daily_max` (five more) on a Sunday (no other
    fieldwork happens on Sundays)."""
    clean = (kind == 0) & core.consent & (core.channel == KOBO)
    counts = np.bincount(core.enumerator[clean], minlength=len(core.enumerators))
    who = int(np.argmax(counts))
    pool = np.flatnonzero(clean & (core.enumerator == who))
    if len(pool) <= daily_max:
        return
    rows = _pick(rng, pool, daily_max + OVERLOAD_EXTRA)
    kind[rows] = SURVEY_KINDS.index("overloaded_day")
    _move(rng, core, rows, np.full(len(rows), OVERLOAD_DAY), np.timedelta64(21, "m"))


@dataclass
class Edits:
    src: np.ndarray  # submission edited
    at: np.ndarray  # UTC time of the edit
    field: list[str]
    value: list[str]


def _choose_edits(rng: np.random.Generator, form: Form, core: Core, cols: dict[str, Col],
                  kind: np.ndarray) -> Edits:
    """~0.5 % of Kobo submissions edited after the 2nd export, so only the 3rd shows the edit."""
    n = len(kind)
    d2, d3 = (np.datetime64(d, "ms") for d in KOBO_EXPORT_DATES[1:])
    pool = np.flatnonzero((kind == 0) & core.consent & (core.channel == KOBO)
                          & (core.received < d2))
    src = _pick(rng, pool, max(1, round(n * EDIT_SHARE)))
    span = int((d3 - d2) / np.timedelta64(1, "ms")) - 4 * 3600_000
    at = d2 + np.timedelta64(1, "h") + rng.integers(0, span, len(src)).astype("timedelta64[ms]")
    editable = [f for f in EDITABLE if f in form and f in cols]
    fields, values = [], []
    for r in src:
        name = editable[int(rng.integers(len(editable)))]
        old = cols[name].values(np.array([r]))[0]
        options = [c for c in form.names(name) if c != old]
        fields.append(name)
        values.append(options[int(rng.integers(len(options)))])
    return Edits(src, at, fields, values)


# ============================================================================ assembled survey
@dataclass
class Survey:
    """Every version of every submission (originals, then edited versions), ready to write."""

    cols: dict[str, Column]  # form names and system columns, one entry per version
    base: np.ndarray  # the submission each version belongs to
    received: np.ndarray  # true UTC receipt of the version (decides which exports hold it)
    channel: np.ndarray
    paper_file: np.ndarray
    province: np.ndarray  # province code of the commune actually visited
    kobo_id: np.ndarray
    start: np.ndarray  # written (device) times, local, and server time, UTC
    end: np.ndarray
    submitted: np.ndarray
    kind: np.ndarray  # per submission (not per version): index into SURVEY_KINDS
    paper_number: np.ndarray
    arabic_digits: np.ndarray  # a paper questionnaire whose age was typed ٣٤, not 34
    enumerator: np.ndarray
    enumerators: list[str]
    devices: list[str]

    @property
    def is_edit(self) -> np.ndarray:
        return np.arange(len(self.base)) >= len(self.kind)


def _kobo_ids(rng: np.random.Generator, received: np.ndarray, channel: np.ndarray) -> np.ndarray:
    ids = np.zeros(len(received), np.int64)
    kobo = np.flatnonzero(channel == KOBO)
    order = kobo[np.argsort(received[kobo], kind="stable")]
    ids[order] = 187_340_000 + np.cumsum(rng.integers(1, 4, len(order)))
    return ids


def _paper_numbers(core: Core, ref: Reference) -> np.ndarray:
    out = np.full(len(core.commune), "", dtype=object)
    for k, (code, _) in enumerate(PAPER_FILES):
        rows = np.flatnonzero(core.paper_file == k)
        abbr = PROVINCE_ABBR.get(code[:5], code[:5])
        out[rows] = [f"{abbr}-{i + 1:04d}" for i in range(len(rows))]
    return out


def build_survey(rng: np.random.Generator, n: int, form: Form, ref: Reference,
                 flags: FlagThresholds, shapes: Sequence[str] = DEFAULT_SHAPES) -> Survey:
    """Simulate ``n`` valid submissions and, on top of them, refusals and invalid ones; plant
    the problems, and add the edited versions."""
    per_kind, refusals = _planted_counts(n)
    n += per_kind * len(SURVEY_INVALID) + refusals
    core = _simulate_core(rng, n, ref, shapes, refusals)
    people = _simulate_people(rng, core, ref)
    cols = _answers(rng, form, core, people, ref)
    kind = np.zeros(n, np.int8)
    _inject_invalid(rng, form, ref, core, cols, kind, per_kind)
    shift = _inject_flags(rng, core, kind, flags)
    edits = _choose_edits(rng, form, core, cols, kind)
    src = np.concatenate([np.arange(n), edits.src])
    all_cols = {name: c.take(src) for name, c in cols.items()}
    for j, (name, value) in enumerate(zip(edits.field, edits.value, strict=True)):
        all_cols[name].put(np.array([n + j]), value)
    received = np.concatenate([core.received, edits.at])
    written = received + shift[src]
    start, end = core.start[src] + shift[src], core.end[src] + shift[src]
    kobo_id = _kobo_ids(rng, core.received, core.channel)[src]
    _add_meta(rng, form, all_cols, core, src, start, end, written, kobo_id)
    province = ref.province[core.commune][src]
    return Survey(all_cols, src, received, core.channel[src], core.paper_file[src], province,
                  kobo_id, start, end, written, kind, _paper_numbers(core, ref)[src],
                  (rng.random(n) < ARABIC_DIGIT_SHARE)[src],
                  core.enumerator[src], core.enumerators, core.devices)


def _add_meta(rng: np.random.Generator, form: Form, cols: dict[str, Column], core: Core,
              src: np.ndarray, start: np.ndarray, end: np.ndarray, submitted: np.ndarray,
              kobo_id: np.ndarray) -> None:
    """Metadata, Kobo system columns (``_id`` … ``__version__``) and ODK's review state."""
    m = len(src)
    cols["start"] = TextCol(_iso_local(start))
    cols["end"] = TextCol(_iso_local(end))
    days, inverse = np.unique(start.astype("datetime64[D]"), return_inverse=True)
    cols["today"] = Col(inverse, _iso(days, "D").astype(str))
    cols["deviceid"] = Col(core.enumerator[src], core.devices)
    cols["_id"] = TextCol(np.where(kobo_id > 0, kobo_id.astype("S"), b""))
    cols["_uuid"] = TextCol(core.uuid[src])
    cols["_submission_time"] = TextCol(_iso(submitted, "s"))
    status = rng.choice(3, size=m, p=[0.7, 0.25, 0.05])
    cols["_validation_status"] = Col(status, ["", "Approved", "On Hold"])
    cols["_notes"] = Col.const(m, "")
    cols["_status"] = Col.const(m, "submitted_via_web")
    users = [e.lower().replace("-", "_") for e in core.enumerators]
    cols["_submitted_by"] = Col(core.enumerator[src], users)
    cols["_tags"] = Col.const(m, "")
    versions = [f"v{_random_token(rng, 21)}" for _ in range(2)]
    redeployed = submitted >= FORM_REDEPLOYED.astype("datetime64[ms]")
    cols["__version__"] = Col(redeployed.astype(np.int8), versions)
    review = rng.choice(3, size=m, p=[0.65, 0.3, 0.05])
    cols["ReviewState"] = Col(review, ["", "approved", "hasIssues"])
    for f in form.fields:
        if f.name not in cols:
            cols[f.name] = Col.const(m, "")


# ============================================================================ output columns
KOBO_SYSTEM = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
               "_submitted_by", "_tags", "_index", "__version__")
ODK_TRAILING = ("SubmissionDate", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
                "FormVersion")
META_TYPES = ("start", "end", "today", "deviceid")
HXL = {"province": "#adm1+code", "commune": "#adm2+code"}
OutColumn = tuple[str, str, Column]  # header, form field (or system column) name, column


def _split_col(col: Col, option: str) -> Col:
    return col.mapped(lambda v: "" if v == "" else ("1" if option in v.split() else "0"))


def _form_columns(form: Form, cols: dict[str, Column], *, sep: str | None, joined: bool = True,
                  split: bool = True, exclude: Sequence[str] = ()) -> list[OutColumn]:
    """Every question, in form order; ``sep`` joins group paths, ``None`` means French labels
    (headers and select_one answers, as a clerk's "labels" export writes them)."""
    out: list[OutColumn] = []
    for f in form.fields:
        if f.type in exclude or f.name in exclude:
            continue
        col = cols[f.name]
        header = f.header_fr if sep is None else f.path(sep)
        if sep is None and f.type == "select_one" and isinstance(col, Col):
            labels = form.labels(f.name)
            col = col.mapped(lambda v, labels=labels: labels.get(v, v))
        if f.type != "select_multiple" or joined:
            out.append((header, f.name, col))
        if f.type == "select_multiple" and split and isinstance(col, Col):
            for c in form.choices[f.list_name or ""]:
                suffix = c.label_fr if sep is None else c.name
                out.append((f"{header}/{suffix}", f.name, _split_col(col, c.name)))
    return out


def _position_col(m: int, rows: np.ndarray) -> TextCol:
    """``_index``: the row's number within one export file (1..k), '' elsewhere."""
    data = np.zeros(m, "S10")
    data[rows] = np.arange(1, len(rows) + 1).astype("S10")
    return TextCol(data)


def _kobo_columns(form: Form, survey: Survey, rows: np.ndarray, *,
                  labels: bool = False) -> list[OutColumn]:
    cols = _form_columns(form, survey.cols, sep=None if labels else "/", joined=not labels)
    index = _position_col(len(survey.base), rows)
    return cols + [(name, name, index if name == "_index" else survey.cols[name])
                   for name in KOBO_SYSTEM]


# ============================================================================ file writing
@dataclass(frozen=True)
class FileInfo:
    name: str
    shape: str
    rows: int  # data rows (submissions, or participants for a register)
    problems: dict[str, int] = field(default_factory=dict)
    workshops: int = 0

    def line(self) -> str:
        extra = f", {self.workshops} workshops" if self.workshops else ""
        planted = ", ".join(f"{k} {v}" for k, v in sorted(self.problems.items()) if v)
        return (f"{self.name:<52} {self.shape:<15} {self.rows:>9,} rows{extra}"
                + (f"  [{planted}]" if planted else ""))


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def _best_fit_cp1256(value: str) -> str:
    """What Excel writes for characters Windows-1256 lacks: É → E, ٣ → 3, anything else → ?."""
    value = value.translate(_ARABIC_DIGITS)
    out = []
    for ch in value:
        try:
            ch.encode("cp1256")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if base.isascii() else "?")
    return "".join(out)


@dataclass(frozen=True)
class CsvStyle:
    """How one kind of CSV is written: separator, line end, quoting, encoding, byte-order mark."""

    sep: str
    eol: str
    quote_all: bool
    codec: str
    bom: bytes = b""
    fold: Callable[[str], str] | None = None  # what the encoding turns characters into

    def text(self, value: str) -> str:
        if self.fold:
            value = self.fold(value)
        if self.quote_all or any(ch in value for ch in (self.sep, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    def one(self, value: str) -> bytes:
        return self.text(value).encode(self.codec)

    def many(self, data: np.ndarray) -> np.ndarray | None:
        """Vectorised quoting of ASCII values, for encodings where ASCII is itself."""
        if self.codec not in ("utf-8", "cp1256"):
            return None
        if not len(data):
            return data
        quote = np.ones(len(data), bool) if self.quote_all else np.zeros(len(data), bool)
        if not self.quote_all:
            for ch in (self.sep, '"', "\n", "\r"):
                quote |= np.strings.find(data, ch.encode()) >= 0
        if (np.strings.find(data, b'"') >= 0).any():
            data = np.strings.replace(data, b'"', b'""')
        return np.where(quote, np.strings.add(np.strings.add(b'"', data), b'"'), data)

    def line(self, values: Iterable[str]) -> bytes:
        return (self.sep.join(self.text(v) for v in values) + self.eol).encode(self.codec)

    @property
    def sep_bytes(self) -> bytes:
        return self.sep.encode(self.codec)

    @property
    def eol_bytes(self) -> bytes:
        return self.eol.encode(self.codec)


KOBO_CSV = CsvStyle(";", "\r\n", True, "utf-8", b"\xef\xbb\xbf")
ODK_CSV = CsvStyle(",", "\n", False, "utf-8")
PAPER_CP1256 = CsvStyle(";", "\r\n", False, "cp1256", fold=_best_fit_cp1256)
PAPER_UTF16 = CsvStyle("\t", "\r\n", False, "utf-16-le", b"\xff\xfe")
CHUNK = 50_000


def _join_rows(arrays: Sequence[np.ndarray], sep: bytes) -> np.ndarray:
    n = len(arrays[0]) if len(arrays) else 0
    return np.fromiter(map(sep.join, zip(*arrays, strict=True)), dtype=object, count=n)


GROUP_LIMIT = 4096
Cell = tuple[Column, Renderer]


def _groups(cells: Sequence[Cell]) -> list[list[Cell]]:
    """Runs of adjacent categorical columns with few enough value combinations to be rendered
    once per combination: each row is then joined from ~20 pieces instead of ~120."""
    groups: list[list[Cell]] = []
    size = GROUP_LIMIT + 1
    for col, renderer in cells:
        k = len(col.cats) if isinstance(col, Col) else GROUP_LIMIT + 1
        if groups and size * k <= GROUP_LIMIT:
            groups[-1].append((col, renderer))
            size *= k
        else:
            groups.append([(col, renderer)])
            size = k
    return groups


def _render_group(group: list[Cell], rows: np.ndarray, sep: bytes) -> np.ndarray:
    if len(group) == 1:
        col, renderer = group[0]
        return col.render(rows, renderer)
    code = np.zeros(len(rows), np.int64)
    for col, _ in group:
        code = code * len(col.cats) + col.codes[rows]
    combos, inverse = np.unique(code, return_inverse=True)
    parts = []
    for col, renderer in reversed(group):
        combos, digit = np.divmod(combos, len(col.cats))
        parts.append(col.rendered(renderer)[digit])
    return _join_rows(parts[::-1], sep)[inverse]


def _render_rows(groups: list[list[Cell]], rows: np.ndarray, sep: bytes) -> np.ndarray:
    """One line (bytes, without its end) per row."""
    return _join_rows([_render_group(g, rows, sep) for g in groups], sep)


def _write_delimited(path: Path, headers: Sequence[str], cols: Sequence[Column],
                     rows: np.ndarray, style: CsvStyle) -> None:
    groups = _groups([(c, style) for c in cols])
    with open(path, "wb") as fh:
        fh.write(style.bom + style.line(headers))
        for i in range(0, len(rows), CHUNK):
            lines = _render_rows(groups, rows[i:i + CHUNK], style.sep_bytes)
            fh.write(style.eol_bytes.join(lines) + style.eol_bytes)


def _export_rows(survey: Survey, before: str, *, province: str | None = None,
                 channel: int = KOBO) -> np.ndarray:
    """Rows of one cumulative export: the latest version received before ``before``, by _id."""
    ok = (survey.channel == channel) & (survey.received < np.datetime64(before, "ms"))
    if province:
        ok &= survey.province == province
    rows = np.flatnonzero(ok)
    rows = rows[np.lexsort((-survey.received[rows].astype(np.int64), survey.base[rows]))]
    latest = np.ones(len(rows), bool)
    latest[1:] = survey.base[rows][1:] != survey.base[rows][:-1]
    rows = rows[latest]
    key = survey.kobo_id if channel == KOBO else survey.submitted.astype(np.int64)
    return rows[np.argsort(key[rows], kind="stable")]


def _problems(survey: Survey, rows: np.ndarray) -> dict[str, int]:
    counts = np.bincount(survey.kind[survey.base[rows]], minlength=len(SURVEY_KINDS))
    out = {k: int(c) for k, c in zip(SURVEY_KINDS, counts, strict=True) if k != "clean"}
    out["edited_version"] = int(survey.is_edit[rows].sum())
    out["no_consent"] = int(survey.cols["consent"].equals("no")[rows].sum())
    return out


def _write_kobo_xml(survey: Survey, form: Form, out_dir: Path) -> list[tuple[FileInfo, np.ndarray]]:
    """The three cumulative exports, written side by side: each row's line is built once."""
    members = [_export_rows(survey, d) for d in KOBO_EXPORT_DATES]
    columns = _kobo_columns(form, survey, members[-1])
    headers = [h for h, _, _ in columns]
    hxl = [HXL.get(name, "") if h == name or h.endswith(f"/{name}") else ""
           for h, name, _ in columns]
    cut = headers.index("_index")
    body_cols, tail_cols = [c for _, _, c in columns[:cut]], [c for _, _, c in columns[cut + 1:]]
    in_file = np.zeros((len(members), len(survey.base)), bool)
    for k, rows in enumerate(members):
        in_file[k, rows] = True
    union = np.flatnonzero(in_file.any(axis=0))
    union = union[np.lexsort((survey.received[union].astype(np.int64), survey.kobo_id[union]))]
    paths = [out_dir / f"kobo_citizen_survey_{d}.csv" for d in KOBO_EXPORT_DATES]
    counters = [0] * len(paths)
    with ExitStack() as stack:
        handles = [stack.enter_context(open(p, "wb")) for p in paths]
        for fh in handles:
            fh.write(KOBO_CSV.bom + KOBO_CSV.line(headers) + KOBO_CSV.line(hxl))
        body_groups = _groups([(c, KOBO_CSV) for c in body_cols])
        tail_groups = _groups([(c, KOBO_CSV) for c in tail_cols])
        for i in range(0, len(union), CHUNK):
            chunk = union[i:i + CHUNK]
            body = _render_rows(body_groups, chunk, b";")
            tail = _render_rows(tail_groups, chunk, b";")
            for k, fh in enumerate(handles):
                sel = in_file[k, chunk]
                count = int(sel.sum())
                index = np.arange(counters[k] + 1, counters[k] + count + 1).astype("S")
                quoted = KOBO_CSV.many(index).astype(object)
                if count:
                    lines = map(b";".join, zip(body[sel], quoted, tail[sel], strict=True))
                    fh.write(b"\r\n".join(lines) + b"\r\n")
                counters[k] += count
    return [(FileInfo(p.name, "kobo_xml", len(r), _problems(survey, r)), r)
            for p, r in zip(paths, members, strict=True)]


def _write_kobo_labels(survey: Survey, form: Form, out_dir: Path) -> tuple[FileInfo, np.ndarray]:
    province, day = LABELS_EXPORT
    rows = _export_rows(survey, day, province=province)
    columns = _kobo_columns(form, survey, rows, labels=True)
    abbr = PROVINCE_ABBR.get(province, province)
    path = out_dir / f"kobo_citizen_survey_{abbr}_labels_fr_{day}.csv"
    _write_delimited(path, [h for h, _, _ in columns], [c for _, _, c in columns], rows, KOBO_CSV)
    return FileInfo(path.name, "kobo_labels_fr", len(rows), _problems(survey, rows)), rows


def _write_odk(survey: Survey, form: Form, out_dir: Path) -> tuple[FileInfo, np.ndarray]:
    rows = _export_rows(survey, KOBO_EXPORT_DATES[-1], channel=ODK)
    columns = _form_columns(form, survey.cols, sep="-", split=False)
    uuid = survey.cols["_uuid"].take(rows).data
    instance = TextCol(np.where(uuid != b"", np.strings.add(b"uuid:", uuid), b""))
    enumerator, n = survey.enumerator[rows], len(rows)
    trailing: dict[str, Column] = {
        "meta-instanceID": instance, "KEY": instance,
        "SubmissionDate": TextCol(_iso(survey.submitted[rows], "ms", b"Z")),
        "SubmitterID": Col(enumerator, [str(40 + i) for i in range(len(survey.enumerators))]),
        "SubmitterName": Col(enumerator, survey.enumerators),
        "AttachmentsPresent": Col.const(n, "0"), "AttachmentsExpected": Col.const(n, "0"),
        "Status": Col.const(n, ""), "ReviewState": survey.cols["ReviewState"].take(rows),
        "DeviceID": Col(enumerator, survey.devices), "Edits": Col.const(n, "0"),
        "FormVersion": Col.const(n, form.version),
    }
    headers = [h for h, _, _ in columns] + ["meta-instanceID", "KEY", *ODK_TRAILING]
    cols = [c.take(rows) for _, _, c in columns] + [trailing[h] for h in headers[len(columns):]]
    abbr = PROVINCE_ABBR.get(ODK_PROVINCE, ODK_PROVINCE)
    path = out_dir / f"odk_citizen_survey_{abbr}_{KOBO_EXPORT_DATES[-1]}.csv"
    _write_delimited(path, headers, cols, np.arange(n), ODK_CSV)
    return FileInfo(path.name, "odk_central", n, _problems(survey, rows)), rows


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def _write_paper(survey: Survey, form: Form, out_dir: Path,
                 ref: Reference) -> list[tuple[FileInfo, np.ndarray]]:
    """Hand-typed paper-era files: label headers and answers, some ages in Arabic-Indic digits,
    no consent column (a refused questionnaire is typed as its number and enumerator alone)."""
    out = []
    to_arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for k, (code, encoding) in enumerate(PAPER_FILES):
        rows = np.flatnonzero(survey.paper_file == k)
        if not len(rows):
            continue
        columns = _form_columns(form, survey.cols, sep=None, joined=False, split=False,
                                exclude=(*META_TYPES, "select_multiple", "consent"))
        cols = [c.take(rows) for _, _, c in columns]
        at = [name for _, name, _ in columns].index("age")
        ages = cols[at].values()
        arabic = survey.arabic_digits[rows]
        ages[arabic] = [a.translate(to_arabic) for a in ages[arabic]]
        cols[at] = Col.from_values(ages)
        headers = ["N° questionnaire", *[h for h, _, _ in columns]]
        cols = [Col.from_values(survey.paper_number[rows]), *cols]
        name = ref.name[ref.code == code][0]
        abbr = PROVINCE_ABBR.get(code[:5], code[:5])
        if encoding == "cp1256":
            path, style = out_dir / f"papier_{abbr}_{_slug(name)}_cp1256.csv", PAPER_CP1256
        else:
            path, style = out_dir / f"papier_{abbr}_{_slug(name)}_unicode.txt", PAPER_UTF16
        _write_delimited(path, headers, cols, np.arange(len(rows)), style)
        out.append((FileInfo(path.name, "paper_fr", len(rows), _problems(survey, rows)), rows))
    return out


# ---------------------------------------------------------------------------- minimal XLSX
_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="2">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        '</cellStyles></styleSheet>'),
}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
ROW_MARK = "\x01"  # stands for the row number in a cell template (never valid in XML text)
XLSX_CHUNK = 20_000


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xlsx_cell(letter: str, value: str, kind: str) -> str:
    """One cell of an XLSX sheet, ``ROW_MARK`` standing for its row number; '' when empty."""
    if value == "":
        return ""
    ref = f'<c r="{letter}{ROW_MARK}"'
    if kind == "dt":
        return f'{ref} s="1"><v>{value}</v></c>'
    if kind == "num" and _NUMBER.match(value):
        return f"{ref}><v>{int(value) if '.' not in value else value}</v></c>"
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'{ref} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


@dataclass(frozen=True)
class XlsxCell:
    """Renders the cells of one column: ``str``, ``num`` (a number when it looks like one) or
    ``dt`` (an Excel serial date-time shown with a date-time format)."""

    letter: str
    kind: str

    def one(self, value: str) -> bytes:
        return _xlsx_cell(self.letter, value, self.kind).encode()

    def many(self, data: np.ndarray) -> np.ndarray | None:
        """Vectorised for plain values (ids, times, numbers, phones), else None."""
        if not len(data):
            return data
        if self.kind == "num" and not (np.strings.isdigit(data) | (data == b"")).all():
            return None
        if self.kind == "str" and (
                any((np.strings.find(data, ch) >= 0).any() for ch in (b"&", b"<", b">"))
                or (np.strings.startswith(data, b" ") | np.strings.endswith(data, b" ")).any()):
            return None
        head, tail = {"dt": (b' s="1"><v>', b"</v></c>"), "num": (b"><v>", b"</v></c>"),
                      "str": (b' t="inlineStr"><is><t>', b"</t></is></c>")}[self.kind]
        ref = f'<c r="{self.letter}{ROW_MARK}"'.encode()
        cells = np.strings.add(np.strings.add(ref + head, data), tail)
        return np.where(data == b"", b"", cells)


def _xml_start(root: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{root} xmlns="http://'
            f'schemas.openxmlformats.org/spreadsheetml/2006/main"{body}').encode()


def write_xlsx(path: Path, sheet: str, headers: Sequence[str],
               columns: Sequence[tuple[str, Column]]) -> None:
    """A one-sheet XLSX, streamed, byte-stable (fixed zip dates), fast enough for 250,000
    rows × 120 columns. ``columns`` are (kind, column), kind as in ``XlsxCell``."""
    n = len(columns[0][1]) if columns else 0
    letters = [_column_letter(j) for j in range(len(headers))]
    groups = _groups([(c, XlsxCell(letters[j], kind)) for j, (kind, c) in enumerate(columns)])
    mark = ROW_MARK.encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _XLSX_STATIC.items():
            with zf.open(name, "w") as fh:  # ZipInfo's default date: 1980-01-01
                fh.write(text.encode())
        with zf.open("xl/workbook.xml", "w") as fh:
            fh.write(_xml_start("workbook", ' xmlns:r="http://schemas.openxmlformats.org/'
                                'officeDocument/2006/relationships"><sheets><sheet name="'
                                f'{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets>'
                                '</workbook>'))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            last = f"{letters[-1]}{n + 1}" if letters else "A1"
            fh.write(_xml_start("worksheet", f'><dimension ref="A1:{last}"/><sheetData>'))
            head = "".join(_xlsx_cell(letters[j], h, "str") for j, h in enumerate(headers))
            fh.write(f'<row r="1">{head.replace(ROW_MARK, "1")}</row>'.encode())
            for i in range(0, n, XLSX_CHUNK):
                rows = np.arange(i, min(i + XLSX_CHUNK, n))
                cells = _render_rows(groups, rows, b"")
                numbers = (rows + 2).astype("S")
                starts = np.strings.add(np.strings.add(b'<row r="', numbers), b'">')
                filled = map(bytes.replace, cells, repeat(mark), numbers.astype(object))
                fh.write(b"".join(map(b"".join, zip(starts.astype(object), filled,
                                                    repeat(b"</row>")))))
            fh.write(b"</sheetData></worksheet>")


def _excel_serial(times: np.ndarray) -> np.ndarray:
    days = (times - np.datetime64("1899-12-30", "ms")) / np.timedelta64(1, "D")
    out = np.round(days, 10).astype("S")  # 10 decimals: exact to the millisecond
    out[np.isnat(times)] = b""
    return out


def _write_kobo_xlsx(survey: Survey, form: Form, out_dir: Path) -> tuple[FileInfo, np.ndarray]:
    """Dates as Excel date-times; codes, ages, ids and 1/0 columns as numbers."""
    province, day = XLSX_EXPORT
    rows = _export_rows(survey, day, province=province)
    columns = _kobo_columns(form, survey, rows)
    numeric = {f.name for f in form.fields if f.type == "integer"} | {"province", "commune"}
    dates = {"start": survey.start, "end": survey.end, "_submission_time": survey.submitted}
    cells: list[tuple[str, Column]] = []
    for header, name, col in columns:
        if header in dates:
            cells.append(("dt", TextCol(_excel_serial(dates[header][rows]))))
            continue
        split = name in form and header != form[name].path("/")
        kind = "num" if split or name in numeric or name in ("_id", "_index") else "str"
        cells.append((kind, col.take(rows)))
    abbr = PROVINCE_ABBR.get(province, province)
    path = out_dir / f"kobo_citizen_survey_{abbr}_{day}.xlsx"
    sheet = re.sub(r"[\[\]:*?/\\]", "", form.title)[:31]
    write_xlsx(path, sheet, [h for h, _, _ in columns], cells)
    return FileInfo(path.name, "kobo_xlsx", len(rows), _problems(survey, rows)), rows


def write_survey_files(survey: Survey, form: Form, ref: Reference, out_dir: Path,
                       shapes: Sequence[str]) -> list[tuple[FileInfo, np.ndarray]]:
    written: list[tuple[FileInfo, np.ndarray]] = []
    if "kobo_xml" in shapes:
        written += _write_kobo_xml(survey, form, out_dir)
    if "kobo_labels_fr" in shapes:
        written.append(_write_kobo_labels(survey, form, out_dir))
    if "kobo_xlsx" in shapes:
        written.append(_write_kobo_xlsx(survey, form, out_dir))
    if "odk_central" in shapes:
        written.append(_write_odk(survey, form, out_dir))
    if "paper_fr" in shapes:
        written += _write_paper(survey, form, out_dir, ref)
    return written


# ============================================================================ workshop registers
WORKSHOP_TYPES = {  # share of workshops; share of women, youth, persons with a disability
    "diagnostic": (0.25, 0.227, 0.27, 0.027), "priorisation": (0.25, 0.227, 0.27, 0.027),
    "restitution": (0.15, 0.227, 0.27, 0.027), "focus_femmes": (0.13, 0.85, 0.25, 0.03),
    "focus_jeunes": (0.12, 0.35, 0.85, 0.03), "focus_handicap": (0.10, 0.30, 0.20, 0.40),
}
TYPE_WINDOW = {"diagnostic": ("2022-01-10", "2022-04-30"),
               "priorisation": ("2022-03-01", "2022-07-15"),
               "restitution": ("2022-06-01", "2022-09-30")}
OTHER_WINDOW = ("2022-02-01", "2022-09-30")
THEMES = {
    "diagnostic": ["Diagnostic participatif des services communaux", "تشخيص تشاركي للخدمات"],
    "priorisation": ["Priorisation des projets du PAC", "Choix des priorités du PAC 2022-2027"],
    "restitution": ["Restitution des résultats de l'enquête citoyenne",
                    "Restitution du diagnostic et suivi du PAC"],
    "focus_femmes": ["Accès des femmes aux services communaux", "Activités économiques des femmes"],
    "focus_jeunes": ["Emploi et participation des jeunes", "الشباب والمشاركة المحلية"],
    "focus_handicap": ["Accessibilité des services pour les personnes en situation de handicap",
                       "Accueil des personnes handicapées à la commune"],
}
PLACES = ["Siège de la commune", "Salle de réunion de la commune", "Maison des jeunes",
          "Foyer féminin", "Centre socio-culturel", "École primaire du centre", "مقر الجماعة",
          "Dar Taliba"]
CATEGORIES = {"citoyen": 0.70, "societe_civile": 0.14, "elu": 0.06, "fonctionnaire": 0.06,
              "ieecag": 0.04}
WOMEN_CATEGORY_BOOST = {"elu": 0.6, "ieecag": 3.0}
SEXE_TYPED = {True: (("F", "f", "Femme", "امرأة"), (0.6, 0.12, 0.16, 0.12)),
              False: (("H", "M", "Homme", "رجل"), (0.62, 0.1, 0.16, 0.12))}
HANDICAP_TYPED = {True: (("oui", "Oui", "نعم"), (0.5, 0.3, 0.2)),
                  False: (("non", "لا"), (0.85, 0.15))}
ARABIC_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})
N_EXPERTS, COMMUNES_PER_EXPERT, REUSE_SHARE = 8, 5, 0.3
ATTENDANCE_RANGE = (15, 24)  # participants per workshop, upper bound excluded
REGISTER_CUTS = (("2022-06", date(2022, 6, 30)), ("2022-09", date(2022, 9, 30)))
UNKNOWN_WORKSHOP_ROWS, DUPLICATE_ROWS, BAD_AGES = 3, 3, ("", "?", "3O", "adulte", "NSP")
CORRECTED_AGES = 3  # rows whose age is wrong in the first register, corrected when re-sent


@dataclass
class Workshop:
    id: str
    commune: str
    day: date
    type: str
    theme: str
    place: str
    expert: str
    date_as_text: bool  # typed 'JJ/MM/AAAA' rather than entered as an Excel date


@dataclass
class Person:
    pid: int
    name: str
    female: bool
    age: int
    disability: bool
    categorie: str
    milieu: str
    phone: str  # ten digits, or ''
    arabic: bool

    @property
    def youth(self) -> bool:
        return 15 <= self.age <= 29


@dataclass
class Attendance:
    workshop: str
    day: date
    expert: str
    person: Person
    cells: dict[str, object]  # the participants sheet's cells as typed, by header
    kind: str = ""  # '' or one of REGISTER_KINDS
    first_cells: dict[str, object] | None = None  # as typed in the first register, if other


@dataclass
class Registers:
    workshops: list[Workshop]
    rows: list[Attendance]

    @property
    def valid(self) -> list[Attendance]:
        """Attendances that count: not an unknown workshop, not a second typing."""
        return [a for a in self.rows if a.kind in ("", "bad_age", "corrected_age")]


def _apportion(total: int, weights: Sequence[float]) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainders)."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(int)
    parts[np.argsort(parts - raw, kind="stable")[: total - parts.sum()]] += 1
    return parts


def _workshop_day(rng: np.random.Generator, kind: str) -> date:
    lo, hi = TYPE_WINDOW.get(kind, OTHER_WINDOW)
    days = np.arange(np.datetime64(lo), np.datetime64(hi) + 1)
    days = days[(days.astype(np.int64) + 3) % 7 != 6]
    return days[rng.integers(len(days))].item()


def _plan_workshops(rng: np.random.Generator, n_workshops: int, ref: Reference) -> list[Workshop]:
    """Experts cover 5 neighbouring communes each; types in fixed shares, dates by type."""
    codes = list(ref.code)
    counts = _apportion(n_workshops, [v[0] for v in WORKSHOP_TYPES.values()])
    types = np.repeat(list(WORKSHOP_TYPES), counts)[rng.permutation(n_workshops)]
    per_expert = _apportion(n_workshops, [1.0] * N_EXPERTS)
    workshops, t = [], 0
    for e, count in enumerate(per_expert):
        communes = codes[e * COMMUNES_PER_EXPERT:(e + 1) * COMMUNES_PER_EXPERT] or codes
        expert = f"EXP{e + 1:02d}"
        planned = sorted((_workshop_day(rng, str(types[t + j])), communes[j % len(communes)],
                          str(types[t + j])) for j in range(count))
        t += count
        for k, (day, commune, kind) in enumerate(planned):
            workshops.append(Workshop(
                f"ATL-{expert}-{k + 1:03d}", commune, day, kind, _one(rng, THEMES[kind]),
                _one(rng, PLACES), expert, bool(rng.random() < 0.3)))
    return workshops


def _one(rng: np.random.Generator, options: Sequence[str], p: Sequence[float] | None = None) -> str:
    """One of ``options``, weighted by ``p`` (``rng.choice`` costs ~20 µs a call; this, one)."""
    if p is None:
        return str(options[int(rng.integers(len(options)))])
    cum = list(accumulate(p))
    return str(options[min(bisect_right(cum, rng.random() * cum[-1]), len(options) - 1)])


def _normal_name(name: str) -> str:
    return " ".join(name.translate(ARABIC_VARIANTS).lower().split())


class _PersonFactory:
    """New participants, with names unique within a commune once normalised (so that persons
    matched on name, as the indicators do without a phone, are the persons generated)."""

    def __init__(self, rng: np.random.Generator, urban: dict[str, bool]) -> None:
        self.rng, self.urban, self.count = rng, urban, 0
        self.names: dict[str, set[str]] = {}

    def new(self, commune: str, female: bool, youth: bool, disability: bool) -> Person:
        rng = self.rng
        arabic = bool(rng.random() < 0.3)
        firsts = FEMALE_FIRST if female else MALE_FIRST
        taken = self.names.setdefault(commune, set())
        while True:
            name = (f"{firsts[int(rng.integers(len(firsts)))][arabic]} "
                    f"{LAST_NAMES[int(rng.integers(len(LAST_NAMES)))][arabic]}")
            if _normal_name(name) not in taken:
                break
        taken.add(_normal_name(name))
        if youth:
            age = int(rng.integers(15, 30))
        else:
            age = int(rng.integers(60, 80) if rng.random() < 0.18 else rng.integers(30, 60))
        p = np.array([CATEGORIES[c] * (WOMEN_CATEGORY_BOOST.get(c, 1.0) if female else 1.0)
                      for c in CATEGORIES])
        p_urban = 0.85 if self.urban[commune] else 0.10
        phone = _phone_digits(rng, 1).tobytes().decode() if rng.random() < 0.7 else ""
        self.count += 1
        return Person(self.count, name, female, age, disability,
                      _one(rng, list(CATEGORIES), p / p.sum()),
                      "urbain" if rng.random() < p_urban else "rural", phone, arabic)


def _typed_name(rng: np.random.Generator, person: Person, repeat: bool) -> str:
    """The name as typed: Arabic letter variants, case or spacing changes on a second time."""
    name = person.name
    if repeat:
        if person.arabic:
            name = name.translate(ARABIC_VARIANTS)
        else:
            name = (name.upper(), name.lower(), name.replace(" ", "  ", 1))[int(rng.integers(3))]
    if rng.random() < 0.1:
        name = (f" {name}", f"{name} ", name.replace(" ", "  "))[int(rng.integers(3))]
    return name


def _participant_cells(rng: np.random.Generator, w: Workshop, person: Person, repeat: bool,
                       phone_fmt: int) -> dict[str, object]:
    milieu = person.milieu if person.milieu == "urbain" else _one(rng, ("rural", "Rural"),
                                                                   (0.7, 0.3))
    return {
        "id_atelier": w.id, "nom_prenom": _typed_name(rng, person, repeat),
        "sexe": _one(rng, *SEXE_TYPED[person.female]),
        "age": person.age if rng.random() < 0.85 else str(person.age),
        "categorie": person.categorie,
        "situation_handicap": _one(rng, *HANDICAP_TYPED[person.disability]),
        "milieu": milieu,
        "telephone": _format_phone(person.phone, phone_fmt) if person.phone else "",
    }


def _spread(rng: np.random.Generator, size: int, share: float) -> list[bool]:
    """``size`` flags, about ``share`` of them true (stratified rounding keeps the programme's
    totals close to its reported shares), in random positions."""
    flags = np.zeros(size, bool)
    flags[rng.permutation(size)[: int(size * share + rng.random())]] = True
    return flags.tolist()


def _attend(rng: np.random.Generator, workshops: list[Workshop],
            ref: Reference) -> list[Attendance]:
    """Attendances with traits drawn by workshop type; some persons come back (same commune,
    sex, youth and disability), typed differently the next time."""
    urban = dict(zip(ref.code, ref.urban.tolist(), strict=True))
    factory = _PersonFactory(rng, urban)
    seen: dict[tuple, list[tuple[Person, int]]] = {}
    rows = []
    for w in sorted(workshops, key=lambda w: (w.day, w.id)):
        size = int(rng.integers(*ATTENDANCE_RANGE))
        traits = [_spread(rng, size, p) for p in WORKSHOP_TYPES[w.type][1:]]
        present: set[int] = set()
        for female, youth, dis in zip(*traits, strict=True):
            key = (w.commune, female, youth, dis)
            earlier = [x for x in seen.get(key, []) if x[0].pid not in present]
            if earlier and rng.random() < REUSE_SHARE:
                person, last_fmt = earlier[int(rng.integers(len(earlier)))]
                fmt, repeat = (last_fmt + 1 + int(rng.integers(2))) % 3, True
            else:
                person = factory.new(w.commune, female, youth, dis)
                fmt, repeat = int(rng.integers(3)), False
            seen.setdefault(key, []).append((person, fmt))
            present.add(person.pid)
            rows.append(Attendance(w.id, w.day, w.expert, person,
                                   _participant_cells(rng, w, person, repeat, fmt)))
    return rows


def _unknown_id(workshop_id: str, j: int) -> str:
    """A workshop id that exists nowhere: a typo (``ATL-EXP3-017``) or a number never used."""
    if j % 2:
        return workshop_id.replace("-EXP0", "-EXP", 1)
    return workshop_id[:-3] + "9" + workshop_id[-2:]


def _inject_register_problems(rng: np.random.Generator, rows: list[Attendance]) -> list[Attendance]:
    """Unknown workshop ids, a participant typed twice, garbled ages, ages typed wrong in the
    first register and corrected in the second (counted in the summary)."""
    n = len(rows)
    picks = rng.choice(n, min(n, UNKNOWN_WORKSHOP_ROWS + len(BAD_AGES)), replace=False)
    unknown, bad_age = picks[:UNKNOWN_WORKSHOP_ROWS], picks[UNKNOWN_WORKSHOP_ROWS:]
    with_phone = [i for i in range(n) if rows[i].person.phone and i not in set(picks)]
    twice = rng.choice(with_phone, min(DUPLICATE_ROWS, len(with_phone)), replace=False)
    for j, i in enumerate(bad_age):
        rows[i].cells["age"], rows[i].kind = BAD_AGES[j], "bad_age"
    first_cut = REGISTER_CUTS[0][1]
    early = [i for i in range(n) if rows[i].day <= first_cut
             and i not in set(picks) | set(twice.tolist())]
    for i in rng.choice(early, min(CORRECTED_AGES, len(early)), replace=False):
        a = rows[i]
        a.first_cells, a.kind = {**a.cells, "age": _mistyped_age(a.person.age)}, "corrected_age"
    extra: dict[int, Attendance] = {}
    for j, i in enumerate(unknown):
        a = rows[i]
        wrong = _unknown_id(a.workshop, j)
        extra[int(i)] = Attendance(wrong, a.day, a.expert, a.person,
                                   {**a.cells, "id_atelier": wrong}, "unknown_workshop")
    for i in twice:
        a = rows[i]
        phone = _format_phone(a.person.phone, int(rng.integers(3)))
        extra[int(i)] = Attendance(a.workshop, a.day, a.expert, a.person,
                                   {**a.cells, "telephone": phone}, "duplicate_attendance")
    out = []
    for i, a in enumerate(rows):
        out.append(a)
        if i in extra:
            out.append(extra[i])
    return out


def _mistyped_age(age: int) -> int:
    """An age typed wrong: its digits swapped (34 → 43), or ten years off (22 → 32)."""
    swapped = int(str(age)[::-1])
    return swapped if swapped != age and 15 <= swapped <= 100 else age + 10


def build_registers(rng: np.random.Generator, n_workshops: int, ref: Reference) -> Registers:
    workshops = _plan_workshops(rng, n_workshops, ref)
    rows = _attend(rng, workshops, ref)
    return Registers(workshops, _inject_register_problems(rng, rows) if rows else rows)


def _template_sheets(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    wb.close()
    return sheets


def _atelier_cells(w: Workshop) -> dict[str, object]:
    day: object = w.day.strftime("%d/%m/%Y") if w.date_as_text else w.day
    return {"id_atelier": w.id, "code_commune": w.commune, "date": day, "type_atelier": w.type,
            "theme": w.theme, "lieu": w.place, "code_expert": w.expert}


def _write_cells(ws: xlsxwriter.worksheet.Worksheet, row: int, header: Sequence[str],
                 cells: dict[str, object], day_format: xlsxwriter.format.Format) -> None:
    """Numbers as numbers, dates as Excel dates, everything else (codes too) as text."""
    for j, h in enumerate(header):
        value = cells.get(h, "")
        if isinstance(value, date):
            ws.write_datetime(row, j, datetime.combine(value, datetime.min.time()), day_format)
        elif isinstance(value, int):
            ws.write_number(row, j, value)
        elif value != "":
            ws.write_string(row, j, str(value))


def _write_register(path: Path, template: dict[str, list[tuple]], workshops: list[Workshop],
                    rows: list[Attendance], sent: date, first: bool) -> None:
    """The template's four sheets; ``valeurs`` and ``communes`` copied, the others filled
    (participants as typed in the ``first`` register, or as corrected since)."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"created": datetime(sent.year, sent.month, sent.day, 18)})
    bold, day_format = wb.add_format({"bold": True}), wb.add_format({"num_format": "dd/mm/yyyy"})
    data = {"ateliers": [_atelier_cells(w) for w in workshops],
            "participants": [(a.first_cells if first else None) or a.cells for a in rows]}
    for name, sheet_rows in template.items():
        ws = wb.add_worksheet(name)
        header = [str(h) for h in sheet_rows[0]]
        ws.set_column(0, len(header) - 1, 16)
        for j, h in enumerate(header):
            ws.write_string(0, j, h, bold)
        body = data.get(name) or [dict(zip(header, r, strict=False)) for r in sheet_rows[1:]]
        for i, cells in enumerate(body, start=1):
            _write_cells(ws, i, header, {k: v for k, v in cells.items() if v is not None},
                         day_format)
    wb.close()


def write_registers(registers: Registers, out_dir: Path, template_path: Path) -> list[FileInfo]:
    """Each expert's workbook, sent in June and again in September with rows appended, on
    the register template (`template_path`)."""
    template = _template_sheets(template_path)
    files = []
    for expert in sorted({w.expert for w in registers.workshops}):
        for label, cut in REGISTER_CUTS:
            ws = [w for w in registers.workshops if w.expert == expert and w.day <= cut]
            rows = [a for a in registers.rows if a.expert == expert and a.day <= cut]
            path = out_dir / f"registre_{expert}_{label}.xlsx"
            _write_register(path, template, ws, rows, cut, first=label == REGISTER_CUTS[0][0])
            problems = {k: sum(a.kind == k for a in rows) for k in REGISTER_KINDS}
            files.append(FileInfo(path.name, "register", len(rows), problems, len(ws)))
    return files


# ============================================================================ entry points
@dataclass(frozen=True)
class DemoSummary:
    """What was written, with the exact number of every planted problem.

    ``submissions``: unique submissions over all survey files (an edited one counts once);
    ``no_consent``: those answered "no" to consent (or, on paper, typed as a number alone);
    ``accepted``: the others, less the invalid ones: what the pipeline must accept.
    ``files[i].problems`` gives the same kinds per file, counted in rows. ``injected`` counts
    unique submissions per kind:

    - quarantined (§6): ``age_out_of_range`` (7, 130, 12, 104), ``age_not_integer`` (``abc``,
      ``3O``, ``45.5``), ``sex_missing``, ``unknown_commune`` (a 9-digit code of the named
      province that is no commune), ``commune_not_in_province`` (a programme commune of another
      province), ``sat_without_use`` (``used_<s>`` = no with a ``sat_<s>`` score),
      ``score_out_of_range`` (``sat_overall`` or ``trust_council`` = 6), ``missing_uuid``;
    - flagged: ``speeder`` (2-5 min), ``before_period`` (pilot interviews, December 2021, every
      timestamp), ``in_future`` (device clock eight years ahead: start, end, today and
      ``_submission_time`` in 2030), ``overloaded_day`` (the 30 interviews of one enumerator on
      Sunday 2022-05-22) and ``enumerator_overloaded_days`` (1);
    - ``edited``: submissions whose edited version (same ``_uuid``, later ``_submission_time``,
      one of EDITABLE changed) is in the last export; the original is in the earlier ones;
    - registers, in participant rows: ``unknown_workshop`` (an extra row naming an id that
      does not exist), ``duplicate_attendance`` (an extra row: a participant typed twice in the
      same workshop, phone in another format), ``bad_age`` (empty or garbled age),
      ``corrected_age`` (a wrong age in the June register, corrected in September's).
    """

    files: tuple[FileInfo, ...]
    submissions: int
    no_consent: int
    accepted: int
    workshops: int
    attendance_rows: int  # participant rows in the latest registers, planted ones included
    attendances: int  # rows that count (not an unknown workshop, not a second typing)
    unique_participants: int
    injected: dict[str, int]
    attendance_shares: dict[str, float]

    def lines(self) -> list[str]:
        planted = ", ".join(f"{k} {v}" for k, v in self.injected.items())
        return [f.line() for f in self.files] + [
            f"{len(self.files)} files: {self.submissions:,} unique submissions "
            f"({self.accepted:,} valid, {self.no_consent:,} without consent), "
            f"{self.workshops} workshops, "
            f"{self.attendances:,} attendances by {self.unique_participants:,} persons",
            f"planted: {planted}",
        ]


def _enumerator_days_over(survey: Survey, rows: np.ndarray, limit: int) -> int:
    rows = rows[~np.isnat(survey.start[rows])]
    day = survey.start[rows].astype("datetime64[D]").astype(np.int64)
    pairs = survey.enumerator[rows].astype(np.int64) * 1_000_000 + day
    _, counts = np.unique(pairs, return_counts=True)
    return int((counts > limit).sum())


def _summarise(survey: Survey | None, written: list[tuple[FileInfo, np.ndarray]],
               registers: Registers | None, register_files: list[FileInfo],
               flags: FlagThresholds) -> DemoSummary:
    injected: dict[str, int] = {}
    submissions = no_consent = accepted = 0
    if survey is not None and written:
        rows = np.unique(np.concatenate([r for _, r in written]))
        bases = np.unique(survey.base[rows])  # an original's row number is its submission's
        submissions = len(bases)
        counts = np.bincount(survey.kind[bases], minlength=len(SURVEY_KINDS))
        injected = {k: int(c) for k, c in zip(SURVEY_KINDS, counts, strict=True) if k != "clean"}
        injected["edited"] = len(np.unique(survey.base[rows[survey.is_edit[rows]]]))
        injected["enumerator_overloaded_days"] = _enumerator_days_over(
            survey, bases, flags.enumerator_daily_max)
        no_consent = int((survey.cols["consent"].values(bases) == "no").sum())
        accepted = submissions - no_consent - sum(injected[k] for k in SURVEY_INVALID)
    shares: dict[str, float] = {}
    n_workshops = rows_total = n_valid = persons = 0
    if registers is not None:
        injected.update({k: sum(a.kind == k for a in registers.rows) for k in REGISTER_KINDS})
        valid = registers.valid
        n_workshops, rows_total, n_valid = len(registers.workshops), len(registers.rows), len(valid)
        persons = len({a.person.pid for a in valid})
        if valid:
            shares = {name: round(sum(map(test, (a.person for a in valid))) / n_valid, 4)
                      for name, test in (("women", lambda p: p.female),
                                         ("youth", lambda p: p.youth),
                                         ("with_disability", lambda p: p.disability))}
    files = tuple([f for f, _ in written] + register_files)
    return DemoSummary(files, submissions, no_consent, accepted, n_workshops, rows_total,
                       n_valid, persons, injected, shares)


def generate_demo_data(out_dir: Path, *, seed: int = 2022, n_responses: int = 8350,
                       n_workshops: int = 277,
                       shapes: Sequence[str] = DEFAULT_SHAPES) -> DemoSummary:
    """Write the demo input files into ``out_dir`` (created if needed) and say what is in them.

    The same arguments always give byte-identical files.
    """
    unknown = set(shapes) - set(DEFAULT_SHAPES)
    if unknown:
        raise ValueError(f"unknown shapes {sorted(unknown)}; known: {DEFAULT_SHAPES}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env()
    form = form_view(load_form(settings.survey_form))
    ref = reference_view(ProjectReference.load(settings))
    flags = FlagThresholds.from_settings(settings)
    survey_seed, register_seed = np.random.SeedSequence(seed).spawn(2)
    survey, written = None, []
    if n_responses > 0 and shapes:
        survey = build_survey(np.random.default_rng(survey_seed), n_responses, form, ref, flags,
                              shapes)
        written = write_survey_files(survey, form, ref, out_dir, shapes)
    registers, register_files = None, []
    if n_workshops > 0:
        registers = build_registers(np.random.default_rng(register_seed), n_workshops, ref)
        register_files = write_registers(registers, out_dir, settings.register_template)
    return _summarise(survey, written, registers, register_files, flags)


def _holds_files(directory: Path) -> bool:
    return directory.exists() and any(
        p for p in directory.iterdir() if not p.name.startswith(".")
        and not p.name.upper().startswith("README"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo_data",
                                     description="Write seeded demo input files.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--responses", type=int, default=8350)
    parser.add_argument("--workshops", type=int, default=277)
    parser.add_argument("--shapes", nargs="+", default=list(DEFAULT_SHAPES),
                        choices=DEFAULT_SHAPES)
    parser.add_argument("--force", action="store_true",
                        help="write even if the folder already holds files (same names are "
                             "overwritten, nothing is deleted)")
    args = parser.parse_args(argv)
    if _holds_files(args.out) and not args.force:
        print(f"{args.out} already holds files; use --force to write there anyway",
              file=sys.stderr)
        return 2
    summary = generate_demo_data(args.out, seed=args.seed, n_responses=args.responses,
                                 n_workshops=args.workshops, shapes=args.shapes)
    print("\n".join(summary.lines()))
    return 0

