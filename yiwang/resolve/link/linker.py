"""Deduplicate one table or link two with Splink 5 on DuckDB (see the package docstring)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from yiwang.resolve.link.comparisons import comparison, derived_columns, prepare
from yiwang.resolve.link.settings import LinkSettings, SettingsError
from yiwang.resolve.link.training import complete_model, train

logging.getLogger("splink").setLevel(logging.WARNING)  # its progress notes are not our users' business


@dataclass
class LinkResult:
    clusters: pd.DataFrame  # id column, cluster_id (and source_dataset when linking)
    pairs: pd.DataFrame  # id_l, id_r, match_probability (scored candidate pairs; merges for persons)
    model: dict  # the trained Splink model, to save and reuse
    review: pd.DataFrame | None = None  # persons: grey-zone pairs left for a steward (人工核验)
    refusals: pd.DataFrame | None = None  # merges a veto or an identifier guard refused (entity resolvers)
    entity: str = "record"  # person or legal_entity: the warehouse's resolver ran


def input_frame(table: pd.DataFrame | pa.Table, settings: LinkSettings, what: str) -> pd.DataFrame:
    frame = table.to_pandas() if isinstance(table, pa.Table) else table
    wanted = [settings.id_column, *settings.compared]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise SettingsError(f"{what} has no column {missing[0]!r}; it has {list(frame.columns)}")
    frame = frame[wanted].copy()
    if frame[settings.id_column].isna().any() or not frame[settings.id_column].is_unique:
        raise SettingsError(f"{what}: the id column {settings.id_column!r} must be unique and never empty")
    frame[settings.id_column] = frame[settings.id_column].astype(str)
    return frame if settings.entity != "record" else prepare(frame, settings.columns)


def _settings(settings: LinkSettings, link_type: str, baseline: bool) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name=settings.id_column,
        comparisons=[comparison(c, baseline=baseline) for c in settings.columns],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in settings.blocking],
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


def _run(frames: list[pd.DataFrame], settings: LinkSettings, link_type: str, baseline: bool) -> LinkResult:
    db_api = DuckDBAPI()
    registered = [db_api.register(f, dataset_display_name=f"input_{i}") for i, f in enumerate(frames)]
    model: SettingsCreator | str = _settings(settings, link_type, baseline)
    if settings.model is not None and not baseline:
        if not Path(settings.model).is_file():
            raise SettingsError(f"model file {settings.model} does not exist (remove `model:` to train one)")
        model = str(settings.model)
    tables = registered if len(registered) > 1 else registered[0]
    linker = Linker(tables, model, log_level=logging.WARNING)
    if settings.model is None or baseline:
        train(linker, settings)
        trained = linker.misc.save_model_to_json()
        complete_model(trained, settings)  # the levels no training reached, set on purpose
        linker = Linker(tables, trained, log_level=logging.WARNING)
    # a steward's grey zone may start below the usual floor of what is worth keeping
    predictions = linker.inference.predict(threshold_match_probability=min(0.01, settings.review_from or 0.01))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, settings.threshold)
    pairs = predictions.as_pandas_dataframe()
    id_l, id_r = f"{settings.id_column}_l", f"{settings.id_column}_r"
    keep = [c for c in ("source_dataset_l", id_l, "source_dataset_r", id_r, "match_probability") if c in pairs]
    out = clusters.as_pandas_dataframe()
    derived = set(derived_columns(settings.columns))
    out = out[[c for c in out.columns if c not in derived]]
    return LinkResult(clusters=out, pairs=pairs[keep], model=linker.misc.save_model_to_json())


def _splink_only(settings: LinkSettings) -> None:
    if settings.entity != "record":
        raise SettingsError(
            f"entity {settings.entity} runs the warehouse's resolver: call yiwang.resolve.entity_link.link_tables"
        )


def dedupe(table: pd.DataFrame | pa.Table, settings: LinkSettings, *, baseline: bool = False) -> LinkResult:
    """Cluster the records of one table: each record's id with its cluster id."""
    _splink_only(settings)
    return _run([input_frame(table, settings, "the input")], settings, "dedupe_only", baseline)


def link(
    left: pd.DataFrame | pa.Table, right: pd.DataFrame | pa.Table, settings: LinkSettings, *, baseline: bool = False
) -> LinkResult:
    """Link two tables (and deduplicate within each): each record's id, source and cluster id."""
    _splink_only(settings)
    frames = [input_frame(left, settings, "the first input"), input_frame(right, settings, "the second input")]
    return _run(frames, settings, "link_only" if settings.link_only else "link_and_dedupe", baseline)
