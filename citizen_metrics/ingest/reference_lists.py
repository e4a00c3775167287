"""Reference lists: the region's communes and provinces, and the programme cohort.

Codes are text everywhere (`050910101` keeps its leading zero). The files are checked with
pandera when loaded, because every figure hangs on them: a duplicated or mistyped code would
silently move respondents between communes.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from citizen_metrics.build.warehouse import replace_table
from citizen_metrics.settings import Settings
from citizen_metrics.tables.reference import REF_COMMUNES, REF_PROVINCES


class CommuneReference(pa.DataFrameModel):
    commune_code: str = pa.Field(str_matches=r"^\d{9}$", unique=True)
    province_code: str = pa.Field(str_matches=r"^\d{5}$")
    name_fr: str
    name_ar: str
    commune_type: str = pa.Field(isin=["urban", "rural"])
    population_2024: int = pa.Field(gt=0)

    @pa.dataframe_check
    @classmethod
    def commune_code_starts_with_province(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("commune_code").str.slice(0, 5) == pl.col("province_code")
        )


def province_reference(region: str) -> type[pa.DataFrameModel]:
    """The provinces model: every province belongs to the programme's region."""

    class ProvinceReference(pa.DataFrameModel):
        province_code: str = pa.Field(str_matches=r"^\d{5}$", unique=True)
        name_fr: str
        name_ar: str
        region_code: str = pa.Field(eq=region)

    return ProvinceReference


class CohortReference(pa.DataFrameModel):
    commune_code: str = pa.Field(str_matches=r"^\d{9}$", unique=True)
    province_code: str = pa.Field(str_matches=r"^\d{5}$")


def _read_text_csv(path: str) -> pl.DataFrame:
    """A reference CSV with every column as text (codes keep their leading zeros)."""
    return pl.read_csv(path, infer_schema=False).with_columns(pl.all().fill_null(""))


@dataclass(frozen=True)
class Reference:
    communes: pl.DataFrame
    provinces: pl.DataFrame
    cohort: pl.DataFrame
    region_code: str
    region_name: str

    @classmethod
    def load(cls, settings: Settings) -> Reference:
        folder = settings.reference_dir
        communes = _read_text_csv(str(folder / "communes.csv")).with_columns(
            pl.col("population_2024").cast(pl.Int64)
        )
        provinces = _read_text_csv(str(folder / "provinces.csv"))
        cohort = _read_text_csv(str(folder / "programme_communes.csv"))
        communes = CommuneReference.validate(communes)
        provinces = province_reference(settings.region_code).validate(provinces)
        cohort = CohortReference.validate(cohort)
        unknown = set(cohort["commune_code"]) - set(communes["commune_code"])
        if unknown:
            raise ValueError(f"cohort communes missing from communes.csv: {sorted(unknown)}")
        orphan = set(communes["province_code"]) - set(provinces["province_code"])
        if orphan:
            raise ValueError(f"communes.csv names unknown provinces: {sorted(orphan)}")
        return cls(communes=communes, provinces=provinces, cohort=cohort,
                   region_code=settings.region_code, region_name=settings.region_name)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write `ref_communes` (with `in_programme`: the commune is in the cohort) and
        `ref_provinces`, in code order, with the declared columns and types
        (`citizen_metrics.tables.reference`). `ref_geography`, the three levels every mart joins
        to, is built from them by its SQL file."""
        communes = self.communes.with_columns(
            pl.col("commune_code").is_in(self.cohort["commune_code"].implode())
            .alias("in_programme")
        ).sort("commune_code")
        provinces = self.provinces.sort("province_code")
        for table, frame in ((REF_COMMUNES, communes), (REF_PROVINCES, provinces)):
            replace_table(con, table.name,
                          table.conform(frame.select(table.column_names()).to_arrow()))
