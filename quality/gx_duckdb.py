"""A GX 1.x execution engine whose metrics DuckDB computes: the warehouse gate on DuckDB.

GX's SQL engine returns empty metrics through duckdb-engine (a known upstream issue) and its
Pandas engine copies every mart into Python; here GX keeps the data source, validator,
expectations, results and data docs, and each mart's counts are one DuckDB scan. An unsupported
metric or option raises, so the gate fails closed (docs/quality.md, GX on DuckDB).
"""

from __future__ import annotations

import datetime
import decimal
import itertools
from collections.abc import MutableSequence, Sequence
from typing import Any, ClassVar, Literal

import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.core.batch import BatchData, BatchMarkers, LegacyBatchDefinition
from great_expectations.core.batch_spec import BatchSpec
from great_expectations.core.id_dict import IDDict
from great_expectations.datasource.fluent.batch_request import BatchRequest
from great_expectations.datasource.fluent.interfaces import Batch, DataAsset, Datasource, TestConnectionError
from great_expectations.exceptions import MetricResolutionError
from great_expectations.execution_engine.execution_engine import ExecutionEngine
from great_expectations.expectations.metrics.metric_provider import MetricProvider
from great_expectations.expectations.registry import _registered_metrics, register_metric
from great_expectations.validator.metric_configuration import MetricConfiguration

from yiwang.duckdb_connection import identifier, literal

MAX_RESULT_RECORDS = 200_000  # GX's own cap on COMPLETE lists (great_expectations.util)
_CONNECTIONS: dict[str, Any] = {}  # connection_key → an open DuckDB connection (not serialisable)
_ROW = "_yw_gx_row"


def register_connection(key: str, connection) -> None:
    _CONNECTIONS[key] = connection


def release_connection(key: str) -> None:
    _CONNECTIONS.pop(key, None)


class DuckDBBatchData(BatchData):
    """A batch is a query on the engine's connection; nothing is copied out of DuckDB."""

    def __init__(self, execution_engine: DuckDBExecutionEngine, query: str):
        super().__init__(execution_engine)
        self.query = query


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return repr(value) if not isinstance(value, decimal.Decimal) else str(value)
    if isinstance(value, datetime.datetime):
        return f"timestamp {literal(value.isoformat(sep=' '))}"
    if isinstance(value, datetime.date):
        return f"date {literal(value.isoformat())}"
    if isinstance(value, str):
        return literal(value)
    raise NotImplementedError(f"no DuckDB literal for {type(value).__name__} {value!r}")


_DOMAIN_KEYS = {"batch_id", "column", "column_A", "column_B", "column_list", "ignore_row_if"}


def _check_domain(domain: dict) -> None:
    extra = {k: v for k, v in domain.items() if k not in _DOMAIN_KEYS and v not in (None, {}, [])}
    if extra:  # row conditions, filter conditions: not implemented here, so the expectation fails
        raise NotImplementedError(f"DuckDBExecutionEngine does not implement domain options {sorted(extra)}")


def _ignore(kwargs: dict, default: str) -> str:
    return kwargs.get("ignore_row_if") or default


def _domain_filter(base: str, domain: dict, values: dict) -> str:
    """The rows in the metric's domain (GX: filter_column_isnull, ignore_row_if)."""
    if base == "column_values.nonnull":
        return "true"
    if "column" in domain:
        return f"{identifier(domain['column'])} is not null"
    if "column_A" in domain:
        a, b = identifier(domain["column_A"]), identifier(domain["column_B"])
        mode = _ignore(domain | values, "both_values_are_missing")
        return {
            "both_values_are_missing": f"not ({a} is null and {b} is null)",
            "either_value_is_missing": f"not ({a} is null or {b} is null)",
            "neither": "true",
        }[mode]
    if "column_list" in domain:
        cols = [identifier(c) for c in domain["column_list"]]
        mode = _ignore(domain | values, "all_values_are_missing")
        if mode == "all_values_are_missing":
            return "not (" + " and ".join(f"{c} is null" for c in cols) + ")"
        if mode == "any_value_is_missing":
            return "not (" + " or ".join(f"{c} is null" for c in cols) + ")"
        if mode == "never":
            return "true"
        raise NotImplementedError(f"ignore_row_if={mode!r}")
    raise NotImplementedError(f"no domain in {domain}")


def _unexpected(base: str, domain: dict, values: dict, filt: str) -> str:
    """A SQL predicate, true for the domain's rows that fail the condition `base`."""
    if base == "column_values.nonnull":
        return f"{identifier(domain['column'])} is null"
    if base == "column_values.in_set":
        value_set = values.get("value_set")
        if value_set is None:
            raise NotImplementedError("in_set without a value_set")
        if values.get("parse_strings_as_datetimes"):
            raise NotImplementedError("parse_strings_as_datetimes")
        if not value_set:
            return "true"
        return f"not coalesce({identifier(domain['column'])} in ({', '.join(_literal(v) for v in value_set)}), false)"
    if base == "column_values.match_regex":
        # pandas: column.astype(str).str.contains(regex) — a search, not a full match
        return f"not regexp_matches(cast({identifier(domain['column'])} as varchar), {_literal(values['regex'])})"
    if base == "column_values.between":
        col = identifier(domain["column"])
        low, high = values.get("min_value"), values.get("max_value")
        if low is None and high is None:
            raise ValueError("min_value and max_value cannot both be None")
        parts = []
        if low is not None:
            parts.append(f"{col} {'>' if values.get('strict_min') else '>='} {_literal(low)}")
        if high is not None:
            parts.append(f"{col} {'<' if values.get('strict_max') else '<='} {_literal(high)}")
        return f"not coalesce({' and '.join(parts)}, false)"
    if base == "column_values.unique":
        col = identifier(domain["column"])
        return f"{col} in (select {col} from b where {filt} group by {col} having count(*) > 1)"  # noqa: S608
    if base == "column_pair_values.a_greater_than_b":
        a, b = identifier(domain["column_A"]), identifier(domain["column_B"])
        return f"not coalesce({a} {'>=' if values.get('or_equal') else '>'} {b}, false)"
    if base == "compound_columns.unique":
        return f"{_ROW}_dup > 1"
    raise NotImplementedError(base)


def _window(base: str, domain: dict, filt: str) -> str:
    """Extra columns a row-level query needs (the compound key's group size within the domain)."""
    if base == "compound_columns.unique":
        cols = ", ".join(identifier(c) for c in domain["column_list"])
        return f", case when {filt} then count(*) over (partition by {cols}) end as {_ROW}_dup"
    return ""


def _count_expression(base: str, suffix: str, domain: dict, values: dict) -> str:
    """One aggregate (or scalar subquery) over `b` for a count metric."""
    filt = _domain_filter(base, domain, values)
    if suffix == "filtered_row_count":
        return f"count(*) filter (where {filt})"
    if base == "column_values.unique":
        col = identifier(domain["column"])
        return (
            f"(select coalesce(sum(n), 0) from (select count(*) as n from b where {filt} "  # noqa: S608
            f"group by {col} having count(*) > 1))"
        )
    if base == "compound_columns.unique":
        cols = ", ".join(identifier(c) for c in domain["column_list"])
        return (
            f"(select coalesce(sum(n), 0) from (select count(*) as n from b where {filt} "  # noqa: S608
            f"group by {cols} having count(*) > 1))"
        )
    return f"count(*) filter (where ({filt}) and ({_unexpected(base, domain, values, filt)}))"


def _columns(domain: dict) -> list[str]:
    if "column" in domain:
        return [domain["column"]]
    if "column_A" in domain:
        return [domain["column_A"], domain["column_B"]]
    return list(domain["column_list"])


class DuckDBExecutionEngine(ExecutionEngine):
    """Metrics of GX expectations computed by DuckDB on a query (see the module docstring)."""

    def __init__(self, *args, connection_key: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_key = connection_key
        self.queries = 0  # how many queries this engine sent
        self._rows: dict[str, list[tuple]] = {}  # unexpected rows by query, within one resolve_metrics call

    @property
    def connection(self):
        try:
            return _CONNECTIONS[self.connection_key]
        except KeyError:
            raise ConnectionError(f"no DuckDB connection registered as {self.connection_key!r}") from None

    def get_batch_data_and_markers(self, batch_spec: BatchSpec) -> tuple[DuckDBBatchData, BatchMarkers]:
        query = batch_spec["query"]
        markers = BatchMarkers({"ge_load_time": datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")})
        return DuckDBBatchData(self, query), markers

    def _batch_query(self, domain: dict) -> str:
        batch_id = domain.get("batch_id") or self.batch_manager.active_batch_id
        data = self.batch_manager.batch_data_cache.get(batch_id)
        if not isinstance(data, DuckDBBatchData):
            raise ValueError(f"no DuckDB batch {batch_id!r}")
        return data.query

    def _fetch(self, sql: str) -> list[tuple]:
        self.queries += 1
        return self.connection.execute(sql).fetchall()

    # GX calls this once per level of the metric graph, with every metric that is ready
    def resolve_metrics(self, metrics_to_resolve, metrics=None, runtime_configuration=None):
        metrics = metrics or {}
        self._rows = {}
        resolved: dict = {}
        failed: list[tuple[MetricConfiguration, Exception]] = []
        counts: dict[str, list[tuple[MetricConfiguration, str]]] = {}
        for m in metrics_to_resolve:
            try:
                base, _, suffix = m.metric_name.rpartition(".")
                domain, values = dict(m.metric_domain_kwargs), dict(m.metric_value_kwargs)
                if m.metric_name not in METRICS:
                    raise NotImplementedError(f"DuckDBExecutionEngine has no metric {m.metric_name}")
                _check_domain(domain)
                query = self._batch_query(domain)
                if m.metric_name == "table.row_count":
                    counts.setdefault(query, []).append((m, "count(*)"))
                elif m.metric_name in _AGGREGATES:
                    counts.setdefault(query, []).append((m, _AGGREGATES[m.metric_name](identifier(domain["column"]))))
                elif m.metric_name == "column.value_counts":
                    resolved[m.id] = self._value_counts(domain, values, query)
                elif m.metric_name in ("table.columns", "table.column_types"):
                    described = self._fetch(f"describe {query}")
                    resolved[m.id] = (
                        [r[0] for r in described]
                        if m.metric_name == "table.columns"
                        else [{"name": r[0], "type": r[1]} for r in described]
                    )
                elif suffix in ("unexpected_count", "filtered_row_count"):
                    counts.setdefault(query, []).append((m, _count_expression(base, suffix, domain, values)))
                else:
                    resolved[m.id] = self._details(m, base, suffix, domain, values, query, metrics)
            except Exception as error:  # this metric fails; the others of the call still resolve
                failed.append((m, error))
        for query, items in counts.items():
            # every count of this batch in one scan; DuckDB's limit on columns per select is far off
            try:
                row = self._fetch(f"with b as ({query}) select {', '.join(e for _, e in items)} from b")[0]  # noqa: S608
            except Exception as error:
                failed.extend((m, error) for m, _ in items)
                continue
            for (m, _), value in zip(items, row, strict=True):
                # a proportion stays a float, every other aggregate is a count
                resolved[m.id] = float(value) if m.metric_name == "column.unique_proportion" else int(value)
        if self._caching:
            self._metric_cache.update(resolved)
        if failed:
            # GX retries the call without the metrics that keep failing, and their expectations fail
            metrics.update(resolved)
            raise MetricResolutionError(
                message=f"{type(failed[0][1]).__name__}: {failed[0][1]}", failed_metrics=tuple(m for m, _ in failed)
            )
        return resolved

    def _value_counts(self, domain: dict, values: dict, query: str) -> pd.Series:
        """column.value_counts as GX's Pandas engine returns it: non-null values and their counts,
        a Series named `count` over an index named `value`, sorted by value (default) or count."""
        sort = values.get("sort") or "value"
        if sort not in ("value", "count", "none"):
            raise ValueError("sort must be either 'value', 'count', or 'none'")
        if values.get("collate") is not None:
            raise NotImplementedError("collate")
        col = identifier(domain["column"])
        order = {"value": f" order by {col}", "count": " order by 2 desc", "none": ""}[sort]
        rows = self._fetch(
            f"with b as ({query}) select {col}, count(*) from b where {col} is not null group by {col}{order}"  # noqa: S608
        )
        return pd.Series([r[1] for r in rows], index=pd.Index([r[0] for r in rows], name="value"), name="count")

    def _details(self, m, base: str, suffix: str, domain: dict, values: dict, query: str, metrics: dict):
        result_format = values.get("result_format") or {}
        if suffix == "unexpected_index_query":
            if result_format.get("return_unexpected_index_query") is False:
                return None
        elif metrics.get(_count_id(m)) == 0:
            return []  # nothing unexpected: no query
        filt = _domain_filter(base, domain, values)
        where = f"({filt}) and ({_unexpected(base, domain, values, filt)})"
        numbered = f"select row_number() over () - 1 as {_ROW}, *{_window(base, domain, filt)} from ({query}) as q"  # noqa: S608
        if suffix == "unexpected_index_query":
            return f"with b as ({query}), n as ({numbered}) select * exclude ({_ROW}) from n where {where}"  # noqa: S608
        if suffix not in ("unexpected_values", "unexpected_index_list"):
            raise NotImplementedError(m.metric_name)
        if result_format.get("exclude_unexpected_values"):
            raise NotImplementedError("exclude_unexpected_values")
        complete = result_format.get("result_format") == "COMPLETE"
        limit = None if complete else min(result_format.get("partial_unexpected_count", 20), MAX_RESULT_RECORDS)
        columns = _columns(domain)
        index = list(result_format.get("unexpected_index_column_names") or [])
        names = [*index, *[c for c in columns if c not in index]]
        sql = (
            f"with b as ({query}), n as ({numbered}) select {', '.join(identifier(c) for c in [_ROW, *names])} "  # noqa: S608
            f"from n where {where} order by {_ROW}" + (f" limit {limit}" if limit is not None else "")
        )
        # the values and the indices of one expectation come from the same rows: one query
        if sql not in self._rows:
            self._rows[sql] = self._fetch(sql)
        rows = self._rows[sql]
        if suffix == "unexpected_values":
            picked = [tuple(r[1 + names.index(c)] for c in columns) for r in rows[:MAX_RESULT_RECORDS]]
            if "column" in domain:
                return [r[0] for r in picked]
            if "column_A" in domain:
                return picked
            return [dict(zip(columns, r, strict=True)) for r in picked]
        if not index:
            return [r[0] for r in rows]
        return [dict(zip(names, r[1:], strict=True)) for r in rows]

    # the abstract filter-clause builders: row conditions are refused (see _check_domain)
    def _comparison_condition_to_filter_clause(self, condition):
        raise NotImplementedError("row conditions")

    def _nullity_condition_to_filter_clause(self, condition):
        raise NotImplementedError("row conditions")

    def _and_condition_to_filter_clause(self, condition):
        raise NotImplementedError("row conditions")

    def _or_condition_to_filter_clause(self, condition):
        raise NotImplementedError("row conditions")


def _count_id(m: MetricConfiguration):
    return _count_configuration(m).id


def _count_configuration(m: MetricConfiguration) -> MetricConfiguration:
    base = m.metric_name.rpartition(".")[0]
    values = {k: v for k, v in m.metric_value_kwargs.items() if k != "result_format"}
    return MetricConfiguration(f"{base}.unexpected_count", m.metric_domain_kwargs, values)


class _DuckDBMetric(MetricProvider):
    """Dependencies of the metrics in METRICS: details wait for their unexpected count."""

    @classmethod
    def _get_evaluation_dependencies(
        cls, metric, configuration=None, execution_engine=None, runtime_configuration=None
    ):
        suffix = metric.metric_name.rpartition(".")[2]
        if suffix in ("unexpected_values", "unexpected_index_list"):
            return {"unexpected_count": _count_configuration(metric)}
        return {}


def _computed_by_resolve_metrics(*args, **kwargs):
    raise RuntimeError("DuckDBExecutionEngine computes its metrics in resolve_metrics")


_CONDITIONS = (
    "column_values.nonnull",
    "column_values.in_set",
    "column_values.match_regex",
    "column_values.between",
    "column_values.unique",
    "column_pair_values.a_greater_than_b",
    "compound_columns.unique",
)
_SUFFIXES = ("unexpected_count", "unexpected_values", "unexpected_index_list", "unexpected_index_query")
# column aggregates, each one expression of the batch's single scan (null rows never count: GX's
# distinct values and unique proportion are over the non-null values)
_AGGREGATES = {
    "column_values.nonnull.count": lambda col: f"count({col})",
    "column.distinct_values.count": lambda col: f"count(distinct {col})",
    "column.unique_proportion": lambda col: (
        f"coalesce(cast(count(distinct {col}) as double) / nullif(count({col}), 0), 0)"
    ),
}
METRICS = frozenset(
    ["table.row_count", "table.columns", "table.column_types", "column.value_counts", *_AGGREGATES]
    + [f"{c}.{s}" for c, s in itertools.product(_CONDITIONS, _SUFFIXES)]
    + [f"{c}.filtered_row_count" for c in _CONDITIONS if not c.startswith("column_values.")]
)


def _register() -> None:
    import great_expectations.expectations.metrics  # noqa: F401  (GX registers its own metrics)

    for name in sorted(METRICS):
        definition = _registered_metrics[name]
        register_metric(
            metric_name=name,
            metric_domain_keys=definition["metric_domain_keys"],
            metric_value_keys=definition["metric_value_keys"],
            execution_engine=DuckDBExecutionEngine,
            metric_class=_DuckDBMetric,
            metric_provider=_computed_by_resolve_metrics,
        )


_register()


class DuckDBQueryAsset(DataAsset):
    """One query (a mart plus its helper columns) as a GX data asset with one whole-table batch."""

    type: Literal["yw_duckdb_query"] = "yw_duckdb_query"
    query: str

    class Config:
        extra = pydantic.Extra.forbid

    def test_connection(self) -> None: ...

    def get_batch_parameters_keys(self, partitioner=None) -> tuple[str, ...]:
        return ()

    def build_batch_request(self, options=None, batch_slice=None, partitioner=None) -> BatchRequest:
        if options or batch_slice is not None or partitioner is not None:
            raise ValueError("a DuckDB query asset has one batch: no options, slices or partitioners")
        return BatchRequest(datasource_name=self.datasource.name, data_asset_name=self.name, options={})

    def _validate_batch_request(self, batch_request: BatchRequest) -> None:
        if (batch_request.datasource_name, batch_request.data_asset_name) != (self.datasource.name, self.name):
            raise ValueError(f"batch request for {batch_request.data_asset_name!r}, not {self.name!r}")

    def get_batch_identifiers_list(self, batch_request: BatchRequest) -> list[dict]:
        return [IDDict({})]

    def get_batch(self, batch_request: BatchRequest) -> Batch:
        self._validate_batch_request(batch_request)
        spec = BatchSpec(query=self.query)
        data, markers = self.datasource.get_execution_engine().get_batch_data_and_markers(batch_spec=spec)
        definition = LegacyBatchDefinition(
            datasource_name=self.datasource.name,
            data_connector_name="fluent",
            data_asset_name=self.name,
            batch_identifiers=IDDict({}),
            batch_spec_passthrough=None,
        )
        return Batch(
            datasource=self.datasource,
            data_asset=self,
            batch_request=batch_request,
            data=data,
            metadata=self._get_batch_metadata_from_batch_request(batch_request=batch_request),
            batch_markers=markers,
            batch_spec=spec,
            batch_definition=definition,
        )

    def add_batch_definition_whole_table(self, name: str):
        return self.add_batch_definition(name=name, partitioner=None)


class DuckDBDatasource(Datasource):
    """A GX data source over a DuckDB connection registered with `register_connection`."""

    type: Literal["yw_duckdb"] = "yw_duckdb"
    connection_key: str
    asset_types: ClassVar[Sequence[type[DataAsset]]] = [DuckDBQueryAsset]
    assets: MutableSequence[DuckDBQueryAsset] = []  # noqa: RUF012  (a pydantic field, as in GX's own sources)

    @property
    def execution_engine_type(self) -> type[DuckDBExecutionEngine]:
        return DuckDBExecutionEngine

    def test_connection(self, test_assets: bool = True) -> None:
        if self.connection_key not in _CONNECTIONS:
            raise TestConnectionError(f"no DuckDB connection registered as {self.connection_key!r}")

    def add_query_asset(self, name: str, query: str) -> DuckDBQueryAsset:
        return self._add_asset(DuckDBQueryAsset(name=name, query=query))
