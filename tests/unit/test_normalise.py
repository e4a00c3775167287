"""Tests for citizen_metrics.ingest.normalise: hand-typed French/Arabic field values to canonical
values."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citizen_metrics.ingest.normalise import (
    CodeList,
    ascii_digits,
    clean_text,
    normalise_name,
    normalise_phone,
    parse_int,
)
from citizen_metrics.settings import Settings

# The spellings of data/reference/vocabularies.yaml: these tests check them too.
VOCABULARIES = Settings.from_env().vocabularies
parse_sex = CodeList(VOCABULARIES.sex).parse
parse_yes_no = CodeList(VOCABULARIES.yes_no).parse
parse_residence = CodeList(VOCABULARIES.residence).parse

MISSING = [None, float("nan"), np.nan, "", "   ", "\u00a0", "\t\n"]
SCALAR_FUNCS = [
    clean_text,
    normalise_name,
    normalise_phone,
    parse_sex,
    parse_yes_no,
    parse_residence,
    parse_int,
]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.mark.parametrize("func", SCALAR_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", MISSING, ids=repr)
def test_missing_gives_none(func, value):
    assert func(value) is None


# ---------------------------------------------------------------------------------- digits/text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("٣٤", "34"),
        ("٣٤٫٥", "34.5"),  # Arabic decimal separator
        ("age ٣٤ ans", "age 34 ans"),
        ("٠٦ ١٢ ٣٤", "06 12 34"),
        ("2022", "2022"),
        ("", ""),
    ],
)
def test_ascii_digits(text, expected):
    assert ascii_digits(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Fatima   ZAHRA ", "Fatima ZAHRA"),
        ("Aït\u00a0Ali", "Aït Ali"),  # NBSP
        ("a\tb\nc", "a b c"),
        ("e\u0301", "é"),  # NFC
        ("\u200fمحمد\u200f", "محمد"),  # right-to-left marks
        ("\ufeffid_atelier", "id_atelier"),  # BOM
        (34, "34"),
        (34.5, "34.5"),
        ("\u200b", None),
    ],
)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


# ---------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Fatima   ZAHRA ", "fatima zahra"),
        ("fatima zahra", "fatima zahra"),
        ("Fàtima Zahra", "fatima zahra"),
        ("FATIMA-ZAHRA", "fatima zahra"),
        ("Aït\u00a0Ali", "ait ali"),
        ("Tizi N'isly", "tizi n isly"),
        ("Tizi N’isly", "tizi n isly"),
        ("M. Hassan", "m hassan"),
        ("Ḥasan Œuvre", "hasan œuvre"),
        ("Straße", "strasse"),
        ("فاطمة الزهراء", "فاطمه الزهراء"),
        ("فاطمه الزهراء", "فاطمه الزهراء"),
        ("أحمد", "احمد"),
        ("إدريس", "ادريس"),
        ("آمنة", "امنه"),
        ("ٱلله", "الله"),
        ("مصطفى", "مصطفي"),
        ("مُحَمَّد", "محمد"),  # tashkeel
        ("محـــمد", "محمد"),  # tatweel
        ("\u200fمحمد\u200f", "محمد"),
        ("عبد الله، بن علي", "عبد الله بن علي"),  # Arabic comma
        ("ﻻلة", "لاله"),  # presentation-form ligature
        ("فؤاد", "فؤاد"),  # ؤ kept (not in docs/methodology.md §4)
        ("هانئ", "هانئ"),  # ئ kept
        ("Fatima ٢", "fatima 2"),
        ("Ahmed فاطمة", "ahmed فاطمه"),  # mixed scripts
        ("...", None),
    ],
)
def test_normalise_name(value, expected):
    assert normalise_name(value) == expected


@pytest.mark.parametrize(
    "variants",
    [
        ["  Fatima   ZAHRA ", "fatima zahra", "Fàtima Zahra", "FATIMA\u00a0ZAHRA", "Fatima-Zahra"],
        ["فاطمة الزهراء", "فاطمه الزهراء", "فاطمـة   الزهراء", "فَاطِمَة الزَّهْرَاء"],
        ["أحمد", "احمد", "إحمد", "آحمد", "أحـمد"],
        ["ليلى", "ليلي"],
    ],
)
def test_normalise_name_variants_match(variants):
    assert len({normalise_name(v) for v in variants}) == 1


def test_normalise_name_keeps_different_names_apart():
    assert normalise_name("فؤاد") != normalise_name("فواد")
    assert normalise_name("Fatima Zahra") != normalise_name("Fatimazahra")


LATIN = "abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöùûüçœæ"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىؤئ"
name_words = st.lists(
    st.text(alphabet=LATIN + LATIN.upper() + ARABIC + "\u064e\u0650\u0651\u0640", min_size=1),
    min_size=1,
    max_size=4,
)
spaces = st.text(alphabet=" \u00a0\t", min_size=1, max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalise_name_idempotent_any_text(text):
    once = normalise_name(text)
    assert once is None or normalise_name(once) == once


@settings(max_examples=100, deadline=None)
@given(name_words, spaces, spaces)
def test_normalise_name_ignores_case_and_spacing(words, gap, edge):
    plain = normalise_name(" ".join(words))
    assert normalise_name(edge + gap.join(words) + edge) == plain
    for variant in (str.upper, str.lower, str.title, str.swapcase):
        assert normalise_name(variant(" ".join(words))) == plain
    assert plain is None or normalise_name(plain) == plain


# ---------------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("06 12 34 56 78", "612345678"),
        ("+212612345678", "612345678"),
        ("+212 6 12 34 56 78", "612345678"),
        ("00212 6 12 34 56 78", "612345678"),
        ("00212612345678", "612345678"),
        ("0612345678", "612345678"),
        ("212612345678", "612345678"),
        ("612345678", "612345678"),
        ("06.12.34.56.78", "612345678"),
        ("06-12-34-56-78", "612345678"),
        ("+212 (0) 6 12 34 56 78", "612345678"),
        ("+212 06 12 34 56 78", "612345678"),
        ("0212612345678", "612345678"),  # prefix typed twice
        ("٠٦١٢٣٤٥٦٧٨", "612345678"),
        ("۰۶۱۲۳۴۵۶۷۸", "612345678"),
        ("\u200e+212 612-345-678", "612345678"),
        (612345678, "612345678"),  # Excel dropped the leading 0
        (612345678.0, "612345678"),
        (np.float64(612345678.0), "612345678"),
        (212612345678, "612345678"),
        ("612345678.0", "612345678"),
        ("0712345678", "712345678"),
        ("0523 45 67 89", "523456789"),  # landline
        ("tél: 0612345678", "612345678"),
        ("0612345678 (fatima)", "612345678"),  # letters are not a keypad
        ("0612345678 / 0698765432", "612345678"),  # first of two
        ("0612345678 ou 0698765432", "612345678"),
        ("+33 6 12 34 56 78", "612345678"),  # country prefix removed, whatever the country
        ("+999 612345678", "999612345678"),  # unknown country code: fallback keeps digits
        ("06 12 34 56", None),  # too short
        ("123", None),
        ("pas de téléphone", None),
        ("-", None),
        (True, None),
        (612345678.5, None),
    ],
)
def test_normalise_phone(value, expected):
    assert normalise_phone(value) == expected


@settings(max_examples=100, deadline=None)
@given(st.sampled_from("67"), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_normalise_phone_formats_agree(first, rest):
    nsn = first + rest
    pairs = " ".join(nsn[i : i + 2] for i in range(1, 9, 2))
    typed = [
        f"0{first} {pairs}",  # 06 12 34 56 78
        f"+212{nsn}",
        f"00212 {first} {pairs}",
        f"0{nsn}",
        f"212{nsn}",
        f"0{nsn}".translate(ARABIC_INDIC),
        float(nsn),
    ]
    assert [normalise_phone(t) for t in typed] == [nsn] * len(typed)


# ---------------------------------------------------------------------------------- categories


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("F", "female"),
        ("f", "female"),
        (" F ", "female"),
        ("F.", "female"),
        ("Femme", "female"),
        ("femme", "female"),
        ("FEMME", "female"),
        ("féminin", "female"),
        ("Féminin", "female"),
        ("female", "female"),
        ("امرأة", "female"),
        ("امراة", "female"),
        ("إمرأة", "female"),
        ("أنثى", "female"),
        ("انثى", "female"),
        ("Femme / امرأة", "female"),
        ("H", "male"),
        ("h", "male"),
        ("M", "male"),  # masculin
        ("m", "male"),
        ("Homme", "male"),
        ("masculin", "male"),
        ("Masculin", "male"),
        ("male", "male"),
        ("Male", "male"),
        ("رجل", "male"),
        ("ذكر", "male"),
        ("X", None),
        ("F H", None),  # contradictory
        ("autre", None),
        (1, None),
        (True, None),
    ],
)
def test_parse_sex(value, expected):
    assert parse_sex(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("oui", "yes"),
        ("Oui", "yes"),
        ("OUI", "yes"),
        ("o", "yes"),
        ("yes", "yes"),
        ("y", "yes"),
        ("1", "yes"),
        ("1.0", "yes"),
        ("true", "yes"),
        ("TRUE", "yes"),
        ("نعم", "yes"),
        (1, "yes"),
        (1.0, "yes"),
        (True, "yes"),
        (np.bool_(True), "yes"),
        ("non", "no"),
        ("Non", "no"),
        ("NON ", "no"),
        ("n", "no"),
        ("no", "no"),
        ("0", "no"),
        ("false", "no"),
        ("لا", "no"),
        (0, "no"),
        (False, "no"),
        ("لا أعرف", None),  # "I don't know" is not "no"
        ("oui non", None),
        ("2", None),
        (0.5, None),
        ("peut-être", None),
    ],
)
def test_parse_yes_no(value, expected):
    assert parse_yes_no(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("urbain", "urban"),
        ("Urbain", "urban"),
        ("URBAINE", "urban"),
        ("urban", "urban"),
        ("حضري", "urban"),
        ("حضرية", "urban"),
        ("rural", "rural"),
        ("Rural", "rural"),
        ("rurale", "rural"),
        ("قروي", "rural"),
        ("قروية", "rural"),
        ("semi-urbain", None),
        ("ville", None),
        (1, None),
    ],
)
def test_parse_residence(value, expected):
    assert parse_residence(value) == expected


# ---------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (34, 34),
        (np.int64(34), 34),
        (34.0, 34),
        (np.float64(34.0), 34),
        ("34", 34),
        (" 34 ", 34),
        ("34\u00a0", 34),
        ("34.0", 34),
        ("34,0", 34),
        ("٣٤", 34),
        ("۳۴", 34),
        ("+34", 34),
        ("-3", -3),
        (Decimal("34"), 34),
        (34.5, None),
        ("34.5", None),
        ("٣٤٫٥", None),
        ("abc", None),
        ("3 4", None),  # internal space: a typo, not 34
        ("34 ans", None),
        ("1,000", None),  # thousands separator or decimals? refuse to guess
        ("1e2", None),
        (True, None),
        (False, None),
        (float("inf"), None),
    ],
)
def test_parse_int(value, expected):
    result = parse_int(value)
    assert result == expected
    assert result is None or type(result) is int


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**30))
def test_ascii_digits_round_trips_arabic_indic(number):
    written = str(number)
    assert ascii_digits(written.translate(ARABIC_INDIC)) == written
    assert ascii_digits(written.translate(EASTERN_ARABIC_INDIC)) == written
    assert parse_int(written.translate(ARABIC_INDIC)) == number


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.floats(),
        st.integers(),
        st.datetimes(),
        st.from_regex(r"[\d٠-٩/:.\-+TZ ]{0,25}", fullmatch=True),
    )
)
def test_scalar_functions_never_raise(value):
    for func in SCALAR_FUNCS:
        func(value)
