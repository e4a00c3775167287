"""A SYNTHETIC national reference for the national-scale benchmark: 1,503 communes in 75
provinces, the size of Morocco's communal map. Benchmark only, never product reference data.

The programme's reference (`data/reference/`) holds the 135 communes of Béni
Mellal-Khénifra. To measure one node at national scale, `make bench` needs as many communes
as the country has. The real national list is not in the contracts, so this module derives
one: the region's five provinces and 135 communes as they are, plus 70 invented provinces
(codes `05400`–`05469`, named "Province synthétique NN") of invented communes (named
"Commune synthétique NNNN", populations drawn from the region's own), every commune in the
programme so that the survey covers all of them. All of it sits in one region, as the
pipeline publishes one region; twelve region rows instead of one would not change the
cost. It is written under `data/bench/` (git-ignored) and read through
`PIPELINE_REFERENCE_DIR`; the questionnaire, the register template and the programme's
numbers are copied from `data/reference/`.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np

from citizen_metrics.settings import REPO_ROOT

NATIONAL_COMMUNES = 1503
NATIONAL_PROVINCES = 75
FIRST_SYNTHETIC_PROVINCE = 400
MARK = "SYNTHETIC benchmark reference: invented provinces and communes, not product data"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_national_reference(out_dir: Path, *, communes: int = NATIONAL_COMMUNES,
                             provinces: int = NATIONAL_PROVINCES, seed: int = 1503) -> Path:
    """Write the synthetic reference folder `out_dir` (replaced if present); returns it."""
    source = REPO_ROOT / "data" / "reference"
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(source, out_dir)
    (out_dir / "SYNTHETIC.txt").write_text(MARK + "\n" + __doc__, encoding="utf-8")
    real_communes = _rows(source / "communes.csv")
    real_provinces = _rows(source / "provinces.csv")
    region = real_provinces[0]["region_code"]
    rng = np.random.default_rng(seed)
    extra_provinces = provinces - len(real_provinces)
    extra_communes = communes - len(real_communes)
    per_province = np.full(extra_provinces, extra_communes // extra_provinces)
    per_province[: extra_communes % extra_provinces] += 1
    populations = np.array([int(row["population_2024"]) for row in real_communes])
    province_rows, commune_rows = list(real_provinces), list(real_communes)
    for index, count in enumerate(per_province):
        number = FIRST_SYNTHETIC_PROVINCE + index
        code = f"{region}{number:03d}"
        province_rows.append({
            "province_code": code, "hcp_code": f"{region}.{number:03d}",
            "name_fr": f"Province synthétique {index + 1:02d}",
            "name_ar": f"إقليم اصطناعي {index + 1:02d}", "region_code": region,
        })
        for commune in range(1, int(count) + 1):
            population = int(rng.choice(populations))
            urban = commune <= 2  # two urban municipalities per province, as in the region
            commune_rows.append({
                "commune_code": f"{code}{commune:04d}",
                "hcp_code": f"{region}.{number:03d}.{commune // 100:02d}.{commune % 100:02d}",
                "province_code": code,
                "name_fr": f"Commune synthétique {code}{commune:04d}",
                "name_ar": f"جماعة اصطناعية {commune:04d}",
                "commune_type": "urban" if urban else "rural",
                "population_2014": str(int(population * 0.93)),
                "population_2024": str(population),
                "households_2024": str(population // 4),
            })
    cohort = [{"commune_code": row["commune_code"], "province_code": row["province_code"],
               "name_fr": row["name_fr"], "cohort": "2022", "selection_source": "synthetic"}
              for row in commune_rows]
    _write(out_dir / "provinces.csv", province_rows)
    _write(out_dir / "communes.csv", commune_rows)
    _write(out_dir / "programme_communes.csv", cohort)
    return out_dir
