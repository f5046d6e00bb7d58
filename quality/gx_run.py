"""Run GX 1.x suites on batches streamed from the warehouse as pandas frames.

Why pandas and not GX's SQL engine: GX 1.24's SqlAlchemyExecutionEngine returns empty metrics
through duckdb-engine (upstream great_expectations #10738, #11579), so on DuckDB each batch is
read with one DuckDB query (Arrow → pandas) and validated by GX's Pandas engine, whose metrics
tests/quality/test_gx_run.py checks against planted nulls and duplicates. PostgreSQL batches take
the same path through DuckDB's postgres extension (one code path, one set of results).

One ephemeral GX context per gate run; its data docs site is written under
<run_dir>/data_docs/ (index.html), its results as JSON by the gate (quality.gate).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from quality.suites import load_suite

logging.getLogger("great_expectations").setLevel(logging.ERROR)


@dataclass
class Outcome:
    """One expectation on one batch."""

    suite: str
    expectation: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    success: bool
    unexpected_count: int | None = None
    element_count: int | None = None
    observed_value: Any = None
    unexpected_rows: list[dict] = field(default_factory=list)  # index columns + the value
    error: str | None = None  # the expectation raised: counts as failed (fail closed)


class GxSession:
    """An ephemeral GX context for one gate run, with a data docs site at `docs_dir`."""

    def __init__(self, docs_dir: Path, datasource: str):
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = docs_dir
        self.site = "yiwang"
        self.context.add_data_docs_site(
            site_name=self.site,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        self.source = self.context.data_sources.add_pandas(datasource)

    def validate(
        self,
        suite_name: str,
        frame: pd.DataFrame,
        *,
        asset: str,
        index_columns: list[str] | None = None,
        extra: list | None = None,
        complete: bool = False,
    ) -> list[Outcome]:
        """Validate `frame` against the committed suite (plus `extra` expectations) via a checkpoint."""
        suite = load_suite(suite_name)
        for expectation in extra or []:
            suite.add_expectation(expectation)
        # one suite per validation: the same table's suite is validated once per batch
        suite.name = f"{suite_name}:{asset}"
        suite = self.context.suites.add(suite)
        data_asset = self.source.add_dataframe_asset(asset)
        batch = data_asset.add_batch_definition_whole_dataframe("batch")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}:{asset}", data=batch, suite=suite)
        )
        result_format: dict[str, Any] = {"result_format": "COMPLETE" if complete else "SUMMARY"}
        if complete and index_columns:
            result_format["unexpected_index_column_names"] = index_columns
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=f"{suite_name}:{asset}", validation_definitions=[definition], result_format=result_format
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        outcomes = []
        for validation in run.run_results.values():
            for r in validation.results:
                cfg = r.expectation_config
                info = r.exception_info or {}
                raised = info.get("raised_exception")
                result = r.result or {}
                outcomes.append(
                    Outcome(
                        suite=suite_name,
                        expectation=cfg.type,
                        kwargs={k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
                        meta=dict(cfg.meta or {}),
                        success=bool(r.success) and not raised,
                        unexpected_count=result.get("unexpected_count"),
                        element_count=result.get("element_count"),
                        observed_value=result.get("observed_value"),
                        unexpected_rows=list(result.get("unexpected_index_list") or []),
                        error=str(info.get("exception_message")) if raised else None,
                    )
                )
        return outcomes

    def build_docs(self) -> Path:
        self.context.build_data_docs(site_names=[self.site])
        return self.docs_dir / "index.html"
