"""Workshop registers: the workshops, their participants, the planted problems, the workbooks.

Part of the demo generator (`tools.demo_data`), on a random stream of its own (independent of
the survey). Eight experts cover five neighbouring communes each; workshops are planned by type
(fixed shares, date windows, themes, places), attendances drawn by workshop type (shares of
women, youth and persons with a disability), some persons coming back and typed differently
the next time, as hand-typed registers are. Planted here, in participant rows
(`REGISTER_KINDS`): unknown workshop ids, a participant typed twice, garbled ages, and ages
typed wrong in June and corrected in September. Each expert's workbook, on the project's
register template, is sent twice: in June, then in September with the earlier rows repeated.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from pathlib import Path

import numpy as np
import openpyxl
import xlsxwriter

from tools.demo_data.columns import format_phone, phone_digits
from tools.demo_data.file_shapes import FileInfo
from tools.demo_data.population import FEMALE_FIRST, LAST_NAMES, MALE_FIRST, Reference

# Problems planted in participant rows (see _inject_register_problems).
REGISTER_KINDS = ("unknown_workshop", "duplicate_attendance", "bad_age", "corrected_age")

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
        phone = phone_digits(rng, 1).tobytes().decode() if rng.random() < 0.7 else ""
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
        "telephone": format_phone(person.phone, phone_fmt) if person.phone else "",
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


# --- Planted problems (REGISTER_KINDS) --------------------------------------------------------
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
        phone = format_phone(a.person.phone, int(rng.integers(3)))
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
    """``n_workshops`` workshops, their attendances, and the problems planted in them."""
    workshops = _plan_workshops(rng, n_workshops, ref)
    rows = _attend(rng, workshops, ref)
    return Registers(workshops, _inject_register_problems(rng, rows) if rows else rows)


# --- The experts' workbooks -------------------------------------------------------------------
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
