"""Reference data: the copies in data/reference match the contracts, and load cleanly."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from pandera.errors import SchemaError

from citizen_metrics.build.runner import SqlContext, run_sql
from citizen_metrics.ingest.reference_lists import Reference
from citizen_metrics.settings import REPO_ROOT, Settings

REFERENCE = REPO_ROOT / "data" / "reference"
SETTINGS = Settings.from_env(reference_dir=REFERENCE)
SHARED = REPO_ROOT.parent / "shared"
COPIES = {
    "communes.csv": "reference/communes.csv",
    "provinces.csv": "reference/provinces.csv",
    "programme_communes.csv": "reference/programme_communes.csv",
    "forms/citizen_survey.xlsx": "contracts/citizen_survey.xlsx",
    "forms/workshop_register.xlsx": "contracts/workshop_register.xlsx",
}


@pytest.mark.parametrize(("copy", "contract"), COPIES.items())
def test_copies_match_the_contracts(copy: str, contract: str) -> None:
    source = SHARED / contract
    if not source.exists():
        pytest.skip("the contracts folder (../shared) is not beside this checkout")
    assert (REFERENCE / copy).read_bytes() == source.read_bytes(), (
        f"data/reference/{copy} differs from shared/{contract}: copy the new version"
    )


def test_reference_loads_with_codes_as_text() -> None:
    reference = Reference.load(SETTINGS)
    assert len(reference.communes) == 135 and len(reference.provinces) == 5
    assert len(reference.cohort) == 40
    by_province = reference.cohort.group_by("province_code").len().sort("province_code")
    assert dict(by_province.iter_rows()) == {
        "05081": 10, "05091": 8, "05255": 4, "05301": 8, "05311": 10}
    assert reference.communes["commune_code"].str.len_chars().eq(9).all()


def test_geography_has_every_level() -> None:
    con = duckdb.connect()
    Reference.load(SETTINGS).write(con)
    run_sql(con, "ref_geography", SqlContext.build(SETTINGS))
    levels = dict(con.execute(
        "select geography_level, count(*) from ref_geography group by 1").fetchall())
    assert levels == {"commune": 135, "province": 5, "region": 1}
    assert con.execute(
        "select geography_name, in_programme from ref_geography where geography_level = 'region'"
    ).fetchone() == ("Béni Mellal-Khénifra", True)


def test_a_broken_reference_list_stops_the_run(tmp_path) -> None:
    for name in ("communes.csv", "provinces.csv", "programme_communes.csv", "programme.yaml",
                 "vocabularies.yaml"):
        (tmp_path / name).write_bytes((REFERENCE / name).read_bytes())
    communes = pd.read_csv(tmp_path / "communes.csv", dtype=str)
    communes.loc[0, "commune_code"] = communes.loc[1, "commune_code"]
    communes.to_csv(tmp_path / "communes.csv", index=False)
    with pytest.raises(SchemaError):
        Reference.load(Settings.from_env(reference_dir=tmp_path))
