"""The published cells of a mart and the sums that tie them together.

Every estimate of the marts sits on a *cell*: a geography (commune, province, region) and a
group of a breakdown (`female`, `female,rural`, `rural,urban` for declared residence × the
commune's official type…). Each published cell is a sum of smaller ones, and anyone who reads
the marts knows these sums:

- **refinement**: a cell is the sum of its groups along one more dimension (the total is the
  sum of the sex groups; `female` is the sum of `female,rural`, `female,urban`);
- **geography**: a province's cell is the sum of the same cell of its communes, the region's
  the sum of its provinces' (for the commune-type breakdowns, only the communes of that type).

These identities, written once here as rows of a sparse matrix (`parent − Σ children = 0`), are
what the attacker of `citizen_metrics.disclosure.attacker.auditor` solves, and what the suppression
pattern of `citizen_metrics.disclosure.pattern` must defeat. Weighted figures add one more kind of
sum (a province's weighted numerator is a known combination of its communes' counts); they are
handled by the pattern (`weighted_rows_hidden`) and checked by the auditor as extra rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

# Dimensions a breakdown may combine, in the order breakdown names use (docs/data_dictionary.md),
# then the survey round (the period) and the commune's official type, which analysts may
# cross with each of them.
DIMENSIONS = ("sex", "age_group", "disability", "residence", "survey_round", "commune_type")
LEVELS = ("commune", "province", "region")
NONE = ""  # stands for "not in this breakdown" in merge keys (NULLs do not join)
_NONE = NONE


def split_groups(cells: pd.DataFrame) -> pd.DataFrame:
    """One column per dimension (`""` where the breakdown does not use it), from the
    `breakdown` and `group_key` columns (`sex,residence` / `female,rural`)."""
    out = pd.DataFrame(index=cells.index)
    dims = cells["breakdown"].where(cells["breakdown"] != "total", "").str.split(",")
    values = cells["group_key"].where(cells["breakdown"] != "total", "").str.split(",")
    pairs = pd.DataFrame({"dim": dims, "value": values}).explode(["dim", "value"])
    pairs = pairs[pairs["dim"] != ""]
    wide = pairs.pivot(columns="dim", values="value")
    for dimension in DIMENSIONS:
        out[dimension] = wide.get(dimension, _NONE)
    return out.fillna(_NONE)


@dataclass(frozen=True)
class CellStructure:
    """Cells (one row each: geography, breakdown, group) and the identities between them.

    `lines` has one row per identity and one column per cell: +1 for the parent, −1 for each
    child, so `lines @ values == 0` for any true set of values (counts, numerators).
    """

    cells: pd.DataFrame
    lines: sp.csr_matrix
    # (parent, child, relation) of every identity: `by_<dimension>` or `by_geography`.
    links: pd.DataFrame

    @property
    def size(self) -> int:
        return len(self.cells)

    @classmethod
    def build(cls, cells: pd.DataFrame, commune_provinces: dict[str, str],
              commune_types: dict[str, str] | None = None) -> CellStructure:
        """`cells` needs `geography_level`, `geography_code`, `breakdown`, `group_key`.

        `commune_provinces` maps each commune code to its province code (public reference).
        Cells absent from `cells` are empty (no respondent): they are zeros in every sum.
        A commune's figures by commune type repeat its own figures (one type per commune):
        `cells` may leave them out, given `commune_types`, and a province's figures by
        commune type are then tied to the communes of that type directly.
        """
        frame = cells[["geography_level", "geography_code", "breakdown", "group_key"]]
        frame = frame.reset_index(drop=True)
        frame = pd.concat([frame, split_groups(frame)], axis=1)
        frame["cell"] = np.arange(len(frame))
        regions = frame.loc[frame["geography_level"] == "region", "geography_code"]
        region_code = regions.iloc[0] if len(regions) else _NONE
        frame["parent_geography"] = np.select(
            [frame["geography_level"] == "commune", frame["geography_level"] == "province"],
            [frame["geography_code"].map(commune_provinces).fillna(_NONE), region_code],
            default=_NONE,
        )
        pairs = [refinement_pairs(frame, dimension) for dimension in DIMENSIONS]
        pairs.append(_geography_pairs(frame, commune_types or {}))
        links = pd.concat(pairs, ignore_index=True)
        line_ids = links.groupby(["parent", "relation"], sort=True).ngroup().to_numpy()
        count = int(line_ids.max()) + 1 if len(links) else 0
        parents = links.drop_duplicates(["parent", "relation"]).sort_values(
            ["parent", "relation"]
        )
        rows = np.concatenate([np.arange(count), line_ids])
        columns = np.concatenate([parents["parent"].to_numpy(), links["child"].to_numpy()])
        values = np.concatenate([np.ones(count), -np.ones(len(links))])
        lines = sp.csr_matrix((values, (rows, columns)), shape=(count, len(frame)))
        return cls(cells=frame, lines=lines, links=links)

    @cached_property
    def refinements(self) -> pd.DataFrame:
        """(parent, child, relation) of every refinement identity (same geography, one
        more dimension), built once per structure (families share their structure)."""
        return self.links[self.links["relation"] != "by_geography"].reset_index(drop=True)

    @cached_property
    def geography(self) -> pd.DataFrame:
        """(parent, child) of every geography identity: a province's cell and its
        communes' (by commune type: the communes of that type), the region's and its
        provinces'."""
        links = self.links[self.links["relation"] == "by_geography"]
        return links[["parent", "child"]].reset_index(drop=True)

    def children_of(self) -> sp.csr_matrix:
        """Line × cell incidence of the children only (1 where the cell is a child)."""
        children = self.lines.copy()
        children.data = (children.data < 0).astype(float)
        children.eliminate_zeros()
        return children

    def parent_of_line(self) -> np.ndarray:
        """The parent cell of every line."""
        parents = self.lines.copy()
        parents.data = (parents.data > 0).astype(float)
        return np.asarray(parents.argmax(axis=1)).ravel()


def refinement_pairs(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """(parent, child) where the child adds `dimension` to the parent's breakdown, in the
    same geography. At commune level, the commune-type groups have one member (the commune's
    own type), so the identity says that the two rows are the same figure: also true."""
    others = [d for d in DIMENSIONS if d != dimension]
    keys = ["geography_level", "geography_code", *others]
    children = frame[frame[dimension] != _NONE]
    parents = frame[frame[dimension] == _NONE]
    joined = children.merge(parents, on=keys, suffixes=("_child", "_parent"))
    return pd.DataFrame(
        {"parent": joined["cell_parent"], "child": joined["cell_child"],
         "relation": f"by_{dimension}"}
    )


def _geography_pairs(frame: pd.DataFrame, commune_types: dict[str, str]) -> pd.DataFrame:
    """(parent, child): a province's cell and the same cell of each of its communes; the
    region's cell and the same cell of each province. With `commune_types`, a commune's
    cell is also the child of its province's cell for the commune's type (`female` of an
    urban commune under `female,urban` by sex × commune type)."""
    keys = ["breakdown", "group_key"]
    children = frame[frame["parent_geography"] != _NONE]
    if commune_types:
        communes = children[(children["geography_level"] == "commune")
                            & (children["commune_type"] == _NONE)]
        kind = communes["geography_code"].map(commune_types)
        communes = communes[kind.notna()]
        kind = kind[kind.notna()]
        total = communes["breakdown"] == "total"
        typed = communes.assign(
            breakdown=np.where(total, "commune_type", communes["breakdown"] + ",commune_type"),
            group_key=np.where(total, kind, communes["group_key"] + "," + kind),
        )
        children = pd.concat([children, typed], ignore_index=True)
    parents = frame[frame["geography_level"] != "commune"]
    joined = children.merge(
        parents, left_on=[*keys, "parent_geography"], right_on=[*keys, "geography_code"],
        suffixes=("_child", "_parent"),
    )
    joined = joined[
        ((joined["geography_level_child"] == "commune")
         & (joined["geography_level_parent"] == "province"))
        | ((joined["geography_level_child"] == "province")
           & (joined["geography_level_parent"] == "region"))
    ]
    return pd.DataFrame(
        {"parent": joined["cell_parent"], "child": joined["cell_child"],
         "relation": "by_geography"}
    )
