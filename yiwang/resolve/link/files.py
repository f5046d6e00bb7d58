"""The tables `yiwang link` and the review sheets read and write: CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when the command runs, not for --help
    import pandas as pd


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8, with or without BOM; every column read as text) or Parquet file."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    raise ValueError(f"{path}: read CSV (.csv) or Parquet (.parquet) files, not {suffix or 'no suffix'}")


def write_table(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
