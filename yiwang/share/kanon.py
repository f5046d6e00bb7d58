"""k-anonymity (k-匿名) for aggregate exports: counts per cell of quasi-identifiers.

A cell (one combination of the quasi-identifier values) with fewer than k people is
suppressed (小单元格抑制): removed from the export, and the number removed is reported. The
result is then checked: every remaining cell has at least k members.
"""

from __future__ import annotations

import pandas as pd


class KAnonymityError(ValueError):
    """An aggregate export would contain a cell under k."""


def suppress_small_cells(frame: pd.DataFrame, quasi: list[str], k: int) -> tuple[pd.DataFrame, int]:
    if k < 2:
        raise KAnonymityError(f"k must be at least 2, got {k}")
    cells = frame.groupby(quasi, dropna=False).size().reset_index(name="person_count")
    small = cells["person_count"] < k
    kept = cells[~small].reset_index(drop=True)
    check_k_anonymous(kept, "person_count", k)
    kept["person_count"] = kept["person_count"].astype("int64")
    return kept, int(small.sum())


def check_k_anonymous(cells: pd.DataFrame, count_column: str, k: int) -> None:
    under = cells[cells[count_column] < k]
    if len(under):
        raise KAnonymityError(f"{len(under)} cells under k={k}")
