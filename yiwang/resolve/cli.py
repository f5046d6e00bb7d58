"""The entity-resolution commands: `yiwang evaluate` (scored against the simulator's ground
truth), `yiwang link` (any table, or people and organisations by the warehouse's resolvers) and
`yiwang review` (clerical review). `yiwang resolve`, the stage on its own, is a warehouse
command: yiwang/warehouse/cli.py."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yiwang.cli_options import TargetOption


def evaluate_command(
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources", help="The simulator's output folder (with truth/).", show_default="$YIWANG_HOME/sources"
        ),
    ] = None,
    target: TargetOption = "duckdb",
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline/--no-baseline",
            help="Also dedupe the person mentions with plain Splink (standard comparisons, no Chinese "
            "handling) in the same run, as the yardstick (a minute at 50,000 people).",
        ),
    ] = True,
) -> None:
    """Score entity resolution against the simulator's ground truth: pairwise and B-cubed
    precision, recall and F1 per entity type, and a plain Splink baseline for persons."""
    from yiwang.resolve.evaluate import baseline_person_score, evaluate
    from yiwang.settings import workspace_dir

    console = Console()
    sources = sources or workspace_dir("sources")
    try:
        scores = evaluate(sources, target)
        if baseline:
            with console.status("plain Splink baseline on the person mentions…"):
                scores.append(baseline_person_score(sources, target))
    except (FileNotFoundError, LookupError) as error:
        console.print(str(error), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    table = Table(title="entity resolution against the ground truth")
    for name in ("entity", "mentions", "precision", "recall", "F1", "B³ precision", "B³ recall"):
        table.add_column(name, justify="left" if name == "entity" else "right")
    for s in scores:
        table.add_row(
            s.entity_type,
            f"{s.mentions:,}",
            *(
                f"{v:.4f}"
                for v in (s.pairwise_precision, s.pairwise_recall, s.pairwise_f1, s.bcubed_precision, s.bcubed_recall)
            ),
        )
    console.print(table)


def link_command(
    inputs: Annotated[list[Path], typer.Argument(help="One table to deduplicate, or two to link (CSV or Parquet).")],
    settings: Annotated[Path, typer.Option("--settings", "-s", help="The settings YAML (docs/link.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write id → cluster_id (.csv or .parquet).")],
    save_model: Annotated[
        Path | None, typer.Option("--save-model", help="Also write the trained Splink model (JSON) here.")
    ] = None,
    explain: Annotated[
        tuple[str, str] | None,
        typer.Option("--explain", metavar="ID1 ID2", help="Persons: say why two records are (or are not) one person."),
    ] = None,
    merges: Annotated[
        Path | None, typer.Option("--merges", help="Persons: write every merge with its rule or score and evidence.")
    ] = None,
    review: Annotated[
        Path | None,
        typer.Option(
            "--review", help="Persons: write the grey-zone pairs (settings review_from) for a steward (人工核验)."
        ),
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option(
            "--decisions", help="Persons: a filled-in review sheet; its same / not_same decisions are applied."
        ),
    ] = None,
) -> None:
    """Deduplicate one table or link two: each record's id with its cluster id. With `entity:
    person` the warehouse's person resolver (rules, vetoes, then Splink 5); else Splink 5 alone."""
    from yiwang.resolve.entity_link import link_tables
    from yiwang.resolve.link import LinkSettings, SettingsError
    from yiwang.resolve.link.files import read_table, write_table

    console = Console()
    if len(inputs) not in (1, 2):
        console.print("[red]give one input to deduplicate or two to link")
        raise typer.Exit(2)
    try:
        config = LinkSettings.from_yaml(settings)
        if decisions is not None:
            config = dataclasses.replace(config, decisions=decisions)
        person_only = [name for name, given in (("--explain", explain), ("--merges", merges), ("--review", review),
                                                ("--decisions", decisions)) if given]  # fmt: skip
        if person_only and config.entity == "record":
            raise SettingsError(f"{person_only[0]} needs `entity: person` (or legal_entity) in {settings}")
        if config.entity != "person" and (review or decisions):
            raise SettingsError(f"{'--review' if review else '--decisions'} is for `entity: person`")
        tables = [read_table(p) for p in inputs]
        with console.status(
            "resolving (rules, then Splink scores)…"
            if config.entity == "person"
            else "training and scoring pairs (Splink)…"
        ):
            result = link_tables(tables, config)
        lines = _explained(result, config, explain) if explain else []
    except (SettingsError, FileNotFoundError, ValueError) as error:
        console.print(str(error), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    columns = [c for c in ("source_dataset", config.id_column, "cluster_id", "match_method", "match_probability")
               if c in result.clusters.columns]  # fmt: skip
    clusters = result.clusters[columns].sort_values(["cluster_id", config.id_column])
    write_table(clusters, out)
    if save_model:
        save_model.write_text(json.dumps(result.model, ensure_ascii=False, indent=2), encoding="utf-8")
    if merges:
        write_table(result.pairs, merges)
    if review:
        write_table(_review_sheet(result, tables, config), review)
    records, groups = len(clusters), clusters.cluster_id.nunique()
    console.print(
        f"{records:,} records → {groups:,} clusters ({records - groups:,} duplicates); written to {out}", soft_wrap=True
    )
    if review:
        waiting = 0 if result.review is None else len(result.review)
        hint = "" if config.review_from else " (no grey zone: set `review_from:` in the settings)"
        console.print(
            f"{waiting:,} pairs to review written to {review}{hint}; fill in `decision`, then pass --decisions"
        )
    refused = result.refusals[result.refusals.rule == "clerical_same"] if result.refusals is not None else []
    if len(refused):
        console.print(
            f"[yellow]{len(refused):,} 'same' decisions not applied: the records hold different valid ID numbers"
        )
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _explained(result, config, pair: tuple[str, str]) -> list[str]:
    from yiwang.resolve.entity_link import explain

    return explain(result, config.id_column, *pair)


def _review_sheet(result, tables: list, config):
    """Both records' own columns side by side, keyed as the resolver keys them."""
    import pandas as pd

    from yiwang.resolve.entity_link import review_sheet

    frames = []
    for i, table in enumerate(tables):
        ids = table[config.id_column].astype(str)
        wanted = table[list(config.compared)].assign(mention_id=ids if len(tables) == 1 else f"input_{i}:" + ids)
        frames.append(wanted)
    return review_sheet(result, pd.concat(frames, ignore_index=True))


review_cli = typer.Typer(
    help="Clerical review of person resolution (人工核验): export the grey-zone pairs, import a "
    "steward's decisions, ask why two records are (or are not) one person.",
    no_args_is_help=True,
)


def _published(target: str):
    from yiwang.targets import attach, resolve_target

    return attach(resolve_target(target), "wh", read_only=True)


@review_cli.command("export")
def review_export(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="The sheet to write (CSV).", show_default="$YIWANG_HOME/review/person_review.csv"
        ),
    ] = None,
    target: TargetOption = "duckdb",
) -> None:
    """Write the review queue as a sheet to fill in.

    The published warehouse's grey-zone pairs, both records side by side, and a blank `decision`
    column for same / not_same (or 是 / 否)."""
    import duckdb

    from yiwang.duckdb_connection import identifier
    from yiwang.resolve import review
    from yiwang.resolve.link.files import write_table

    out = out or review.decisions_file().with_name("person_review.csv")
    con = _published(target)
    try:
        queue = con.execute("select * from wh.resolution.person_review order by all").df()
        wanted = ", ".join(identifier(c) for c in review.SHEET_VALUES)
        mentions = con.execute(
            f"select mention_id, {wanted} from wh.intermediate.int_person_mentions where mention_id in"  # noqa: S608
            " (select mention_id_a from wh.resolution.person_review"
            " union select mention_id_b from wh.resolution.person_review)"
        ).df()
    except duckdb.CatalogException:
        Console().print("[red]the published warehouse has no review queue yet: publish first (`yiwang run`)")
        raise typer.Exit(2) from None
    finally:
        con.close()
    write_table(review.sheet(queue, mentions), out)
    Console().print(f"{len(queue):,} pairs to review written to {out}", soft_wrap=True)
    Console().print(f"fill in `decision`, then: yiwang review import {out}", soft_wrap=True, highlight=False)


@review_cli.command("import")
def review_import(
    sheet: Annotated[Path, typer.Argument(help="A filled-in review sheet (id_a, id_b, decision).")],
) -> None:
    """Keep a steward's decisions for every later run.

    Kept in the workspace (review/person_decisions.csv), outside any warehouse version; each run
    applies them: same must link, not_same cannot link (two valid ID numbers still never merge)."""
    from yiwang.resolve import review

    try:
        count = review.import_sheet(sheet)
    except (review.ReviewError, FileNotFoundError, ValueError) as error:
        Console().print(str(error), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    Console().print(f"{count:,} decisions kept in {review.decisions_file()}; the next run applies them", soft_wrap=True)


@review_cli.command("explain")
def review_explain(
    first: Annotated[str, typer.Argument(help="A person mention id (resolution.person_clusters).")],
    second: Annotated[str, typer.Argument(help="Another one.")],
    target: TargetOption = "duckdb",
) -> None:
    """Why two person mentions are (or are not) one person.

    Reads the published warehouse: each merge between them with its rule or score, the values
    that agreed and the vetoes checked, and any steward's decision on the pair."""
    from yiwang.resolve.entity_link import describe_merge, merge_path

    con = _published(target)
    try:
        keys = con.execute(
            "select mention_id, person_key from wh.resolution.person_clusters where mention_id in (?, ?)",
            [first, second],
        ).df()
        merges = con.execute(
            "select m.* from wh.resolution.person_merges m join wh.resolution.person_clusters c"
            " on c.mention_id = m.mention_id_a where c.person_key in (select person_key from"
            " wh.resolution.person_clusters where mention_id = ?)",
            [first],
        ).df()
        decisions = con.execute(
            "select * from wh.resolution.person_decisions where (mention_id_a, mention_id_b) in ((?, ?), (?, ?))",
            [first, second, second, first],
        ).df()
    finally:
        con.close()
    key = dict(zip(keys.mention_id, keys.person_key, strict=True))
    missing = [m for m in (first, second) if m not in key]
    if missing:
        Console().print(f"[red]{missing[0]} is not a person mention of the published warehouse")
        raise typer.Exit(2)
    console = Console()
    for row in decisions.itertuples(index=False):
        console.print(f"a steward decided: {row.decision} (applied: {row.applied})", highlight=False)
    if key[first] != key[second]:
        console.print(f"{first} and {second} are different people ({key[first]}, {key[second]})", soft_wrap=True)
        return
    path = merge_path(merges, first, second)
    console.print(f"{first} and {second} are one person ({key[first]}), by {len(path)} merge(s):", soft_wrap=True)
    for row in path:
        console.print("  " + describe_merge(row), soft_wrap=True, highlight=False, markup=False)
