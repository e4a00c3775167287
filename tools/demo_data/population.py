"""Who is interviewed, where, when and by whom: communes, fieldwork days, enumerators, people.

Part of the demo generator (`tools.demo_data`). The design of the demo sits here (which
province is exported in which shape, when the fieldwork runs, which communes kept paper
questionnaires), because it decides the first random draws of the survey: `simulate_core`
spreads the submissions over the programme communes (a quota sample of about n/40 each), the
fieldwork days (no Sundays, monthly weights), the enumerators of each province and the
channels (Kobo, ODK Central, paper), draws receipt times and who declined; `simulate_people`
gives each respondent the latent traits (sex, age, education, residence, disability) that
drive the answers (`answers`). `Reference` is the generator's view of the project's commune
lists. The invented first and last names are shared with the workshop registers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citizen_metrics.ingest.reference_lists import Reference as ProjectReference
from tools.demo_data.columns import random_token, to_utc, uuid4

# The survey's export shapes (written by `file_shapes`); which of them are asked for decides
# who answers on paper or on ODK Central, so they are part of the design.
DEFAULT_SHAPES: tuple[str, ...] = (
    "kobo_xml", "kobo_labels_fr", "kobo_xlsx", "odk_central", "paper_fr",
)

# --- Design of the demo (which province goes where, and when) ---------------------------------
FIELD_START, FIELD_END = np.datetime64("2022-01-10"), np.datetime64("2022-09-30")
MONTH_WEIGHT = {1: 0.6, 2: 0.9, 3: 1.1, 4: 0.75, 5: 1.0, 6: 1.1, 7: 0.8, 8: 0.6, 9: 1.0}
# The programme surveys in rounds (data/reference/programme.yaml, survey_rounds): a 2022
# baseline and a 2024 follow-up. FOLLOW_UP_OF_20 submissions in 20 are follow-up interviews,
# held 104 weeks after a baseline day (the same weekday two years later); which ones is read
# from the (already random) order of the submissions, so that no random draw moves.
FOLLOW_UP_OF_20 = 9
FOLLOW_UP_SHIFT = np.timedelta64(7 * 104, "D")
# The fourth cumulative Kobo export, after the follow-up, holds both rounds.
KOBO_EXPORT_DATES = ("2022-04-04", "2022-07-04", "2022-10-03", "2024-10-07")
ODK_PROVINCE, ODK_SWITCH = "05255", "2022-07-01"  # Fquih Ben Salah moved to ODK Central
PAPER_FILES = (("050810305", "cp1256"), ("050910301", "utf16"))  # commune, encoding
PAPER_MAX = 42  # questionnaires per paper file
PROVINCE_ABBR = {"05081": "AZL", "05091": "BML", "05255": "FBS", "05301": "KHN", "05311": "KHB"}
KOBO, ODK, PAPER = 0, 1, 2  # the channel of a submission

# --- Respondents (invented names, shared with the workshop registers) -------------------------
AGE_BANDS = np.array([10.5, 10.5, 10, 9.5, 9, 8, 7.5, 7, 6.5, 5.5, 4.5, 3, 2.5, 1.5, 1.0])
RURAL_YOUTH_BOOST = 1.15
TARGET_DISABILITY = 0.065

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


def pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct entries of ``pool`` (all of them if it is smaller), sorted."""
    return np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False))


def _split_counts(total: int, n_parts: int, rng: np.random.Generator, spread: float) -> np.ndarray:
    """``total`` split into ``n_parts`` near-equal integer parts (± ``spread``), summing exactly."""
    w = 1 + rng.uniform(-spread, spread, n_parts)
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(int)
    parts[np.argsort(parts - raw)[: total - parts.sum()]] += 1
    return parts


@dataclass
class Core:
    """Who was interviewed, by whom, when, and through which channel (one entry per submission)."""

    commune: np.ndarray  # index into Reference.code (the programme communes)
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
    follow_up: np.ndarray  # interviewed in the 2024 follow-up round (baseline: 2022)


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
    devices = [f"collect:{random_token(rng, 16)}" for _ in codes]
    return enumerator, codes, devices


def _refusals(rng: np.random.Generator, channel: np.ndarray, paper_file: np.ndarray,
              count: int) -> np.ndarray:
    """Who declined: one questionnaire of each paper file (typed as its number alone), the
    others among the Kobo and ODK interviews."""
    paper = [pick(rng, np.flatnonzero(paper_file == k), 1)
             for k in range(len(PAPER_FILES)) if (paper_file == k).sum() >= 3]
    paper = paper[:count]
    others = pick(rng, np.flatnonzero(channel != PAPER), count - len(paper))
    return np.concatenate([*paper, others]).astype(np.int64)


def simulate_core(rng: np.random.Generator, n: int, ref: Reference,
                  shapes: Sequence[str], refusals: int) -> Core:
    """``n`` submissions: commune (quota sample), enumerator, day and times, receipt, channel
    (the earliest of two communes on paper, Fquih Ben Salah on ODK Central from July, when those
    shapes are written), and ``refusals`` of them declining."""
    commune = np.repeat(np.arange(len(ref.code)), _split_counts(n, len(ref.code), rng, 0.15))
    commune = commune[rng.permutation(n)]
    urban_commune = ref.urban[commune]
    days, p = _fieldwork_days()
    enumerator, enumerators, devices = _enumerators(rng, ref, commune, len(days))
    day = days[rng.choice(len(days), size=n, p=p)]
    follow_up = np.arange(n) % 20 < FOLLOW_UP_OF_20
    day = np.where(follow_up, day + FOLLOW_UP_SHIFT, day)
    start = (day.astype("datetime64[ms]") + np.timedelta64(9, "h")
             + rng.integers(0, 9 * 3600_000, n).astype("timedelta64[ms]"))
    minutes = 12 + 18 * rng.beta(2, 3, n)
    end = start + (minutes * 60_000).astype("int64").astype("timedelta64[ms]")
    u = rng.random(n)
    delay_min = np.where(u < 0.6, rng.uniform(1, 180, n),
                         np.where(u < 0.9, rng.uniform(180, 4320, n), rng.uniform(4320, 14400, n)))
    received = to_utc(end) + (delay_min * 60_000).astype("int64").astype("timedelta64[ms]")
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
    follow_up &= ~on_paper  # the paper era is the baseline's earliest interviews
    return Core(commune, urban_commune, enumerator, enumerators, devices, start, end, received,
                channel, paper_file, consent, uuid4(rng, n), follow_up)


@dataclass
class People:
    """Latent traits of respondents that drive their answers (one entry per submission)."""

    groups: dict[str, np.ndarray]  # female, youth, senior, disability, rural, urban (booleans)
    age: np.ndarray
    edu: np.ndarray  # 0..3 along answers.EDU_ORDER


def _ages(rng: np.random.Generator, urban_commune: np.ndarray) -> np.ndarray:
    n = len(urban_commune)
    rural_w = AGE_BANDS.copy()
    rural_w[:3] *= RURAL_YOUTH_BOOST
    band = np.where(urban_commune, rng.choice(len(AGE_BANDS), n, p=AGE_BANDS / AGE_BANDS.sum()),
                    rng.choice(len(AGE_BANDS), n, p=rural_w / rural_w.sum()))
    width = np.where(band == len(AGE_BANDS) - 1, 6, 5)
    return (15 + 5 * band + np.floor(rng.random(n) * width)).astype(np.int16)


def simulate_people(rng: np.random.Generator, core: Core, ref: Reference) -> People:
    """Sex, age pyramid, residence, education (falling with age, lower for older women and in
    rural areas) and WG-SS disability (rising with age, ~6.5 % overall) of each respondent."""
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
