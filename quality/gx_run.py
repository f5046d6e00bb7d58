"""The gates' GX session: one ephemeral context per gate run, checkpoints and a data docs site.

Landing batches are validated as pandas frames (`validate`); warehouse marts are staged as DuckDB
query assets (`stage_query`, quality.gx_duckdb) and run in one checkpoint (`run_staged`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from quality.data_docs import localize
from quality.gx_duckdb import register_connection, release_connection
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
    missing_count: int | None = None
    observed_value: Any = None
    unexpected_rows: list[dict] = field(default_factory=list)  # index columns + the value
    error: str | None = None  # the expectation raised: counts as failed (fail closed)


class GxSession:
    """An ephemeral GX context for one gate run, with a data docs site at `docs_dir`."""

    def __init__(self, docs_dir: Path, datasource: str):
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        # GX's file store needs an absolute base directory; a workspace may be relative (var/demo)
        self.docs_dir = Path(docs_dir).resolve()
        self.site = "yiwang"
        self.context.add_data_docs_site(
            site_name=self.site,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        self.source = self.context.data_sources.add_pandas(datasource)
        self.datasource = datasource
        self._duckdb = None  # the DuckDB data source of quality.gx_duckdb, made by stage_query
        self._staged: list[tuple[str, str, gx.ValidationDefinition]] = []
        self._runs = 0  # checkpoints run_staged has run

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
        return [o for validation in run.run_results.values() for o in outcomes_of(suite_name, validation)]

    def stage_query(
        self, connection, suite_name: str, query: str, *, asset: str, suite: gx.ExpectationSuite | None = None
    ) -> None:
        """Stage `query` on the DuckDB `connection` for `run_staged` against the committed suite
        `suite_name` (or `suite`, built at run time, e.g. the drift checks' bounds)."""
        if self._duckdb is None:
            key = f"gx-{uuid.uuid4().hex}"
            register_connection(key, connection)
            # one data source per checkpoint run: a session may run several (contracts, then drift)
            name = f"{self.datasource}_duckdb" + (f"_{key[-8:]}" if self._runs else "")
            self._duckdb = self.context.data_sources.add_yw_duckdb(name=name, connection_key=key)
        suite = suite or load_suite(suite_name)
        suite.name = f"{suite_name}:{asset}"
        suite = self.context.suites.add(suite)
        batch = self._duckdb.add_query_asset(asset, query).add_batch_definition_whole_table("batch")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}:{asset}", data=batch, suite=suite)
        )
        self._staged.append((asset, suite_name, definition))

    def run_staged(self) -> dict[str, list[Outcome]]:
        """Every staged validation definition in one checkpoint: outcomes by asset (SUMMARY results)."""
        if not self._staged:
            return {}
        staged, self._staged = self._staged, []
        self._runs += 1
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=f"{self.datasource}:{uuid.uuid4().hex[:8]}",
                validation_definitions=[d for _, _, d in staged],
                result_format={"result_format": "SUMMARY"},
            )
        )
        try:
            run = checkpoint.run()
        finally:
            release_connection(self._duckdb.connection_key)
            self._duckdb = None
        by_definition = {r.suite_name: r for r in run.run_results.values()}
        return {
            asset: outcomes_of(suite_name, by_definition[f"{suite_name}:{asset}"]) for asset, suite_name, _ in staged
        }

    def build_docs(self) -> Path:
        self.context.build_data_docs(site_names=[self.site])
        localize(self.docs_dir)  # no CDN: the pages open offline
        return self.docs_dir / "index.html"


def exception_of(info: dict | None) -> tuple[bool, str | None]:
    """Whether an expectation raised, and the first line of the message: GX reports it at the top
    level, or per metric ({metric id: {raised_exception, exception_message, ...}})."""
    info = info or {}
    if info.get("raised_exception"):
        return True, str(info.get("exception_message")).splitlines()[0]
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return True, str(value.get("exception_message")).splitlines()[0]
    return False, None


def outcomes_of(suite_name: str, validation) -> list[Outcome]:
    """One Outcome per expectation of a GX validation result; an expectation that raised failed
    (every engine's results are read here: pandas, the DuckDB engine and GX's SQL engine)."""
    outcomes = []
    for r in validation.results:
        cfg = r.expectation_config
        raised, message = exception_of(r.exception_info)
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
                missing_count=result.get("missing_count"),
                observed_value=result.get("observed_value"),
                unexpected_rows=list(result.get("unexpected_index_list") or []),
                error=message if raised else None,
            )
        )
    return outcomes
