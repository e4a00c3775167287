"""The questionnaire as the generator sees it, and the simulated answers to it.

Part of the demo generator (`tools.demo_data`). `form_view` turns the project's XLSForm (read by
`citizen_metrics.ingest.xlsform`, so that the demo files follow the very form the pipeline
reads) into what the generator writes: question names, groups, French labels, choice lists and
relevance conditions. `simulate_answers` then answers every question of every submission from
the respondents' traits (`population`): profile (names, places, phones, education, occupation,
WG-SS disability items), use of and satisfaction with each service, with moderate but real
gaps by group (`SAT_EFFECTS`), other likert questions, participation, select_multiple answers
(information channels, priorities), a filler for questions the demo has no model for (the
form may grow), and last the form's relevance (skipped questions blanked).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citizen_metrics.ingest.xlsform import SELECT_MULTIPLE, SELECT_ONE, SurveyForm
from tools.demo_data.columns import Col, Column, TextCol, choice_col, format_phones, phone_digits
from tools.demo_data.population import (
    FEMALE_FIRST,
    LAST_NAMES,
    MALE_FIRST,
    Core,
    People,
    Reference,
)

# --- The form: the generator's view of the project's XLSForm ----------------------------------
FRENCH = "French (fr)"
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


# --- Behaviour of respondents (effects are on the 1-5 scale, or on the logit of a rate) -------
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
# A change planted between the survey's rounds (tests/unit/test_planted.py finds it in the
# marts): in four rural communes of Azilal, women's satisfaction with water and sanitation
# rose by the 2024 follow-up (the mean of their scores, before rounding, up by 1.2).
ROUND_CHANGE_QUESTION, ROUND_CHANGE_GROUP, ROUND_CHANGE_SHIFT = (
    "sat_eau_assainissement", "female", 1.2)
ROUND_CHANGE_COMMUNES = ("050810305", "050810311", "050810509", "050811307")
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

# --- Invented personal data (present, as in the field, never published) -----------------------
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


# --- Simulated answers ------------------------------------------------------------------------
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
    return choice_col(np.where(flag, names.index(when_true), names.index(when_false)), names)


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
    return choice_col(table[score], names)


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
    services = service_names(form)
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
        if f.name == ROUND_CHANGE_QUESTION:
            changed = np.isin(ref.code, ROUND_CHANGE_COMMUNES)[core.commune]
            mu = mu + ROUND_CHANGE_SHIFT * (core.follow_up & changed & g[ROUND_CHANGE_GROUP])
        dk = DK_RATES.get(f.name, DK_RATE) + DK_SENIOR_EXTRA * g["senior"]
        out[f.name] = _likert_col(_likert(rng, mu, dk), form.names(f.name))
    return out


def service_names(form: Form) -> list[str]:
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
    cats: list[str] = []
    offsets: dict[tuple[int, int], int] = {}
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
    return choice_col(np.where(rng.random(n) < NAME_SHARE, code, -1), cats)


def _respondent(rng: np.random.Generator, form: Form, core: Core, people: People,
                ref: Reference) -> dict[str, Column]:
    n, g = len(core.commune), people.groups
    provinces = sorted(set(ref.province))
    province_idx = np.array([provinces.index(p) for p in ref.province])
    # The commune's categories are the programme communes, in order (see planted._break_*).
    out: dict[str, Column] = {
        "province": choice_col(province_idx[core.commune], provinces),
        "commune": choice_col(core.commune, list(ref.code)),
        "milieu": _binary(form, "milieu", g["rural"], "rural", "urban"),
        "sex": _binary(form, "sex", g["female"], "female", "male"),
        "age": Col(people.age, [str(a) for a in range(int(people.age.max()) + 1)]),
        "respondent_name": _names(rng, g["female"]),
    }
    places = URBAN_PLACES + RURAL_PLACES
    place = np.where(g["rural"], len(URBAN_PLACES) + rng.integers(0, len(RURAL_PLACES), n),
                     rng.integers(0, len(URBAN_PLACES), n))
    out["douar_quartier"] = choice_col(np.where(rng.random(n) < PLACE_SHARE, place, -1), places)
    has_phone = rng.random(n) < PHONE_SHARE
    phones = format_phones(phone_digits(rng, n), rng.integers(0, 3, n))
    phones[~has_phone] = b""
    out["phone"] = TextCol(phones)
    comment = rng.integers(0, len(COMMENTS), n)
    out["comments"] = choice_col(np.where(rng.random(n) < COMMENT_SHARE, comment, -1), COMMENTS)
    if "education" in form and set(form.names("education")) >= set(EDU_ORDER):
        names = form.names("education")
        out["education"] = choice_col(np.array([names.index(e) for e in EDU_ORDER])[people.edu],
                                      names)
    if "occupation" in form:
        names = form.names("occupation")
        weights = _occupation_weights(names, people, core.urban_commune)
        out["occupation"] = choice_col(_draw_categorical(rng, weights), names)
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
        return choice_col(rng.integers(0, len(names), n), names)
    if f.type == "select_multiple":
        return choice_col(rng.integers(0, len(form.names(f.name)), n), form.names(f.name))
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


def simulate_answers(rng: np.random.Generator, form: Form, core: Core, people: People,
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
