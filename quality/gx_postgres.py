"""The warehouse gate's contracts on PostgreSQL, computed by GX's SQL engine in the database.

Each mart is one GX query asset of a postgres data source running the same suite query as the
DuckDB path (`quality.suites.batch_query`), so the metrics are SQL aggregates in PostgreSQL and
no row is pulled into Python. The connection string reaches GX as a `${VAR}` reference, so the
password never sits in GX's configuration or its data docs.
"""

from __future__ import annotations

import os
import uuid

import great_expectations as gx

from quality.gate import Check, GateResult
from quality.gx_run import GxSession, Outcome, outcomes_of
from quality.suites import batch_query as suite_query
from quality.suites import load_suite, warehouse_suite_name
from yiwang.contracts import WarehouseModel, warehouse_models
from yiwang.targets import Target

MARTS = "marts"
URL_ENV_PREFIX = "YIWANG_GX_POSTGRES_URL_"


def quote_identifier(name: str) -> str:
    """A PostgreSQL quoted identifier (a candidate's schema names carry its run id)."""
    return '"' + name.replace('"', '""') + '"'


def relation(schema: str):
    """A mart's name → its PostgreSQL relation in `schema`."""
    return lambda name: f"{quote_identifier(schema)}.{quote_identifier(name)}"


def batch_query(model: WarehouseModel, schema: str = MARTS) -> str:
    """The mart's suite query on the tables of PostgreSQL `schema`."""
    return suite_query(model, relation(schema))


class SqlSession:
    """A GX postgres data source on `target`, inside an existing GxSession (one context, one data docs site)."""

    def __init__(self, session: GxSession, target: Target, name: str = "warehouse_postgres"):
        self.session = session
        self.context = session.context
        self.target = target
        self.env = URL_ENV_PREFIX + uuid.uuid4().hex[:8].upper()
        os.environ[self.env] = target.url().render_as_string(hide_password=False)
        # GX tests the connection here: a warehouse it cannot reach raises (the gate fails closed)
        self.source = self.context.data_sources.add_postgres(name, connection_string="${" + self.env + "}")

    def close(self) -> None:
        os.environ.pop(self.env, None)

    def validate(
        self, suite_name: str, query: str, *, asset: str, suite: gx.ExpectationSuite | None = None
    ) -> list[Outcome]:
        """Validate the rows of `query` against the committed suite `suite_name` (or `suite`, built
        at run time) through a checkpoint."""
        suite = suite or load_suite(suite_name)
        suite.name = f"{suite_name}:{asset}"
        suite = self.context.suites.add(suite)
        batch = self.source.add_query_asset(asset, query=query).add_batch_definition_whole_table("batch")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}:{asset}", data=batch, suite=suite)
        )
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=f"{suite_name}:{asset}",
                validation_definitions=[definition],
                result_format={"result_format": "SUMMARY"},
            )
        )
        run = checkpoint.run()
        return [o for validation in run.run_results.values() for o in outcomes_of(suite_name, validation)]


def _empty(outcome: Outcome) -> bool:
    """A metric that came back empty: neither a count nor an observed value (fail closed)."""
    return outcome.error is None and outcome.element_count is None and outcome.observed_value is None


def contracts(target: Target, session: GxSession, result: GateResult) -> None:
    """One `contract <mart>` check per mart, as the warehouse gate's DuckDB path does."""
    schema = target.schema(MARTS)
    sql = SqlSession(session, target)
    try:
        for name, model in warehouse_models().items():
            try:
                outcomes = sql.validate(warehouse_suite_name(name), batch_query(model, schema), asset=name)
            except Exception as error:  # fail closed
                result.checks.append(Check(f"contract {name}", False, f"error: {type(error).__name__}: {error}"))
                continue
            failed = [o for o in outcomes if not o.success or _empty(o)]
            detail = "; ".join(
                f"{o.meta.get('check', o.expectation)} {o.meta.get('column') or ''}: "
                f"{o.error or (o.unexpected_count if o.unexpected_count is not None else o.observed_value)}"
                + (" (empty metric)" if _empty(o) else "")
                for o in failed
            )
            rows = next((o.element_count for o in outcomes if o.element_count is not None), None)
            result.checks.append(
                Check(f"contract {name}", not failed, detail or f"{rows} rows, {len(outcomes)} expectations", rows)
            )
    finally:
        sql.close()
