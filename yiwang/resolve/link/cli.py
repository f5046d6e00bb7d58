"""`yiwang link --settings SETTINGS.yml INPUT [INPUT2] --out OUTPUT`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

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


def link_command(
    inputs: Annotated[list[Path], typer.Argument(help="One table to deduplicate, or two to link (CSV or Parquet).")],
    settings: Annotated[Path, typer.Option("--settings", "-s", help="The settings YAML (docs/link.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write id → cluster_id (.csv or .parquet).")],
    save_model: Annotated[
        Path | None, typer.Option("--save-model", help="Also write the trained Splink model (JSON) here.")
    ] = None,
) -> None:
    """Deduplicate one table or link two: each record's id with its cluster id (Splink 5)."""
    from yiwang.resolve.link import LinkSettings, SettingsError, dedupe, link

    console = Console()
    if len(inputs) not in (1, 2):
        console.print("[red]give one input to deduplicate or two to link")
        raise typer.Exit(2)
    try:
        config = LinkSettings.from_yaml(settings)
        tables = [read_table(p) for p in inputs]
        with console.status("training and scoring pairs (Splink)…"):
            result = dedupe(tables[0], config) if len(tables) == 1 else link(tables[0], tables[1], config)
    except (SettingsError, FileNotFoundError, ValueError) as error:
        console.print(f"[red]{error}")
        raise typer.Exit(2) from None
    columns = [c for c in ("source_dataset", config.id_column, "cluster_id") if c in result.clusters.columns]
    clusters = result.clusters[columns].sort_values(["cluster_id", config.id_column])
    write_table(clusters, out)
    if save_model:
        save_model.write_text(json.dumps(result.model, ensure_ascii=False, indent=2), encoding="utf-8")
    records, groups = len(clusters), clusters.cluster_id.nunique()
    console.print(f"{records:,} records → {groups:,} clusters ({records - groups:,} duplicates); written to {out}")
