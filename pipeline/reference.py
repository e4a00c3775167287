"""Reference lists: the region's communes and provinces, and the programme cohort.

Codes are text everywhere (`050910101` keeps its leading zero). The files are checked with
pandera when loaded, because every figure hangs on them: a duplicated or mistyped code would
silently move respondents between communes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

REGION_CODE = "05"
REGION_NAME = "Béni Mellal-Khénifra"


class CommuneReference(pa.DataFrameModel):
    commune_code: str = pa.Field(str_matches=r"^\d{9}$", unique=True)
    province_code: str = pa.Field(str_matches=r"^\d{5}$")
    name_fr: str
    name_ar: str
    commune_type: str = pa.Field(isin=["urban", "rural"])
    population_2024: int = pa.Field(gt=0)

    @pa.dataframe_check
    def commune_code_starts_with_province(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["commune_code"].str[:5] == frame["province_code"]


class ProvinceReference(pa.DataFrameModel):
    province_code: str = pa.Field(str_matches=r"^\d{5}$", unique=True)
    name_fr: str
    name_ar: str
    region_code: str = pa.Field(eq=REGION_CODE)


class CohortReference(pa.DataFrameModel):
    commune_code: str = pa.Field(str_matches=r"^\d{9}$", unique=True)
    province_code: str = pa.Field(str_matches=r"^\d{5}$")


@dataclass(frozen=True)
class Reference:
    communes: pd.DataFrame
    provinces: pd.DataFrame
    cohort: pd.DataFrame

    @classmethod
    def load(cls, reference_dir: Path) -> Reference:
        communes = pd.read_csv(reference_dir / "communes.csv", dtype=str, keep_default_na=False)
        communes["population_2024"] = communes["population_2024"].astype("int64")
        provinces = pd.read_csv(reference_dir / "provinces.csv", dtype=str, keep_default_na=False)
        cohort = pd.read_csv(
            reference_dir / "programme_communes.csv", dtype=str, keep_default_na=False
        )
        communes = CommuneReference.validate(communes)
        provinces = ProvinceReference.validate(provinces)
        cohort = CohortReference.validate(cohort)
        unknown = set(cohort["commune_code"]) - set(communes["commune_code"])
        if unknown:
            raise ValueError(f"cohort communes missing from communes.csv: {sorted(unknown)}")
        orphan = set(communes["province_code"]) - set(provinces["province_code"])
        if orphan:
            raise ValueError(f"communes.csv names unknown provinces: {sorted(orphan)}")
        return cls(communes=communes, provinces=provinces, cohort=cohort)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write `ref_communes`, `ref_provinces` and `ref_geography` (all three levels).

        `ref_geography` is what every mart joins to for `geography_name` and `in_programme`:
        a province or the region is `in_programme` when it holds at least one cohort commune.
        """
        communes = self.communes.assign(
            in_programme=self.communes["commune_code"].isin(self.cohort["commune_code"])
        )
        con.register("communes_frame", communes)
        con.register("provinces_frame", self.provinces)
        con.execute(
            """
            create or replace table ref_communes as
            select commune_code, hcp_code, province_code, name_fr, name_ar, commune_type,
                   cast(population_2024 as bigint) as population_2024,
                   cast(population_2014 as bigint) as population_2014,
                   in_programme
            from communes_frame order by commune_code
            """
        )
        con.execute(
            """
            create or replace table ref_provinces as
            select province_code, hcp_code, name_fr, name_ar, region_code
            from provinces_frame order by province_code
            """
        )
        con.execute(
            f"""
            create or replace table ref_geography as
            select 'commune' as geography_level, commune_code as geography_code,
                   name_fr as geography_name, province_code, in_programme,
                   population_2024 as population
            from ref_communes
            union all
            select 'province', p.province_code, p.name_fr, p.province_code,
                   bool_or(c.in_programme), sum(c.population_2024)
            from ref_provinces p join ref_communes c using (province_code)
            group by all
            union all
            select 'region', '{REGION_CODE}', '{REGION_NAME}', null,
                   bool_or(in_programme), sum(population_2024)
            from ref_communes
            """
        )
        con.unregister("communes_frame")
        con.unregister("provinces_frame")
