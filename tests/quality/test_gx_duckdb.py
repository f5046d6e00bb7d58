"""quality.gx_duckdb: GX expectations whose metrics DuckDB computes equal GX's Pandas engine on
planted data, metric for metric, and the path fails closed."""

from __future__ import annotations

import json
from types import SimpleNamespace

import duckdb
import great_expectations as gx
import pandas as pd
import pytest

from quality.gx_duckdb import register_connection, release_connection
from quality.gx_run import GxSession
from quality.suites import warehouse_suite_name
from quality.warehouse_gate import batch_query
from yiwang.contracts import warehouse_models

E = gx.expectations
# planted in `t` (103 rows): 7 null names, keys G0..G2 each twice (6 rows), 2 codes outside the
# set, 3 broken references (one null), 4 ages out of range, 5 bad regex values, 3 rows closed
# before they were reported (plus 2 with a missing date), compound key (k2, code) twice 4 times
PLANTED = """
create table t as
select
    'G' || (case when i >= 100 then i - 100 else i end) as k,
    case when i < 7 then null else 'name' || i end as name,
    case when i < 2 then 'X' else 'a' end as code,
    case when i between 10 and 12 then false when i = 13 then null else true end as ref_ok,
    case when i between 20 and 23 then 150 + i when i = 24 then null else i % 90 end as age,
    case when i between 30 and 34 then 'bad-' || i else 'C' || i end as tag,
    timestamp '2026-01-01' + to_days(cast(i as integer)) as reported_at,
    case when i between 40 and 42 then timestamp '2025-01-01' when i between 43 and 44 then null
         else timestamp '2026-01-01' + to_days(cast(i as integer) + 1) end as closed_at,
    case when i between 50 and 53 then 'dup' when i = 54 then null else 'k' || i end as k2,
    case when i between 50 and 53 then 'same' when i = 54 then null else 'c' || i end as k3
from range(103) r(i)
"""


def _suite(name: str) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=name,
        expectations=[
            E.ExpectTableColumnsToMatchSet(
                column_set=["k", "name", "code", "ref_ok", "age", "tag", "reported_at", "closed_at", "k2", "k3"],
                exact_match=True,
            ),
            E.ExpectColumnValuesToNotBeNull(column="name"),
            E.ExpectColumnValuesToBeUnique(column="k"),
            E.ExpectColumnValuesToBeInSet(column="code", value_set=["a", "b"]),
            E.ExpectColumnValuesToBeInSet(column="ref_ok", value_set=[True]),
            E.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=100),
            E.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=89, strict_max=True, mostly=0.5),
            E.ExpectColumnValuesToMatchRegex(column="tag", regex="^C[0-9]+$"),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="closed_at", column_B="reported_at", or_equal=True, ignore_row_if="either_value_is_missing"
            ),
            E.ExpectCompoundColumnsToBeUnique(column_list=["k2", "k3"]),
            E.ExpectColumnValuesToNotBeNull(column="k"),  # passes: nothing to list
        ],
    )


def _run(context, batch_definition, suite_name: str, batch_parameters=None, result_format="SUMMARY"):
    suite = context.suites.add(_suite(suite_name))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=suite_name, validation_definitions=[definition], result_format={"result_format": result_format}
        )
    )
    run = checkpoint.run(batch_parameters=batch_parameters)
    (validation,) = run.run_results.values()
    return validation.results


KEYS = (
    "element_count",
    "missing_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_percent_nonmissing",
    "partial_unexpected_list",
    "partial_unexpected_index_list",
    "partial_unexpected_counts",
    "observed_value",
    "unexpected_list",  # COMPLETE only
    "unexpected_index_list",
)


def _plain(value):
    """One spelling of a value across engines: pandas' NaN/NaT/NA and DuckDB's None are missing,
    numpy and pandas scalars become Python's."""
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or (not isinstance(value, str | bytes) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _comparable(result) -> dict:
    out = {"success": result.success, "raised": (result.exception_info or {}).get("raised_exception", False)}
    for key in KEYS:
        value = (result.result or {}).get(key)
        if key == "observed_value" and isinstance(value, list):
            value = sorted(value)
        out[key] = _plain(value)
    return out


def _key(result) -> tuple[str, str]:
    kwargs = {k: v for k, v in result.expectation_config.kwargs.items() if k != "batch_id"}
    return result.expectation_config.type, str(kwargs)


@pytest.fixture
def planted_connection():
    con = duckdb.connect()
    con.execute(PLANTED)
    yield con
    con.close()


@pytest.mark.parametrize("result_format", ["SUMMARY", "COMPLETE"])
def test_every_metric_equals_gx_pandas_on_planted_data(planted_connection, result_format):
    context = gx.get_context(mode="ephemeral")
    pandas_batch = (
        context.data_sources.add_pandas("p").add_dataframe_asset("t").add_batch_definition_whole_dataframe("b")
    )
    frame = planted_connection.execute("select * from t").df()
    by_pandas = _run(context, pandas_batch, "pandas", {"dataframe": frame}, result_format)

    register_connection("test-planted", planted_connection)
    try:
        source = context.data_sources.add_yw_duckdb(name="d", connection_key="test-planted")
        duck_batch = source.add_query_asset("t", "select * from t").add_batch_definition_whole_table("b")
        by_duckdb = _run(context, duck_batch, "duckdb", result_format=result_format)
    finally:
        release_connection("test-planted")

    assert len(by_pandas) == len(by_duckdb) == len(_suite("x").expectations)
    pandas = {_key(r): _comparable(r) for r in by_pandas}
    duck = {_key(r): _comparable(r) for r in by_duckdb}
    for key, expected in pandas.items():
        assert not expected["raised"], key
        assert duck[key] == expected, key

    # and the numbers are the planted ones, not merely equal (both engines could be wrong alike)
    def got(kind, **kwargs):
        return next(
            v for (t, kw), v in duck.items() if t == kind and all(f"'{k}': {v!r}" in kw for k, v in kwargs.items())
        )

    assert got("expect_column_values_to_not_be_null", column="name")["unexpected_count"] == 7
    assert got("expect_column_values_to_be_unique", column="k")["unexpected_count"] == 6
    assert got("expect_column_values_to_be_in_set", column="code")["unexpected_count"] == 2
    refs = got("expect_column_values_to_be_in_set", column="ref_ok")
    assert (refs["unexpected_count"], refs["missing_count"], refs["element_count"]) == (3, 1, 103)
    assert got("expect_column_values_to_be_between", column="age", max_value=100)["unexpected_count"] == 4
    assert got("expect_column_values_to_match_regex", column="tag")["unexpected_count"] == 5
    pair = got("expect_column_pair_values_a_to_be_greater_than_b")
    assert (pair["unexpected_count"], pair["success"]) == (3, False)
    compound = got("expect_compound_columns_to_be_unique")
    assert (compound["unexpected_count"], compound["partial_unexpected_index_list"]) == (4, [50, 51, 52, 53])
    assert got("expect_column_values_to_not_be_null", column="k")["success"] is True


def test_the_warehouse_suite_through_duckdb_reports_planted_nulls_duplicates_and_references(planted, tmp_path):
    """The planted marts (planted_marts.py: 7 null names, 3 duplicated keys, 2 broken references)
    through the gate's own path: stage_query and one checkpoint."""
    path = planted
    models = warehouse_models()
    con = duckdb.connect()
    con.execute(f"attach '{path}' as wh (read_only)")
    session = GxSession(tmp_path / "docs", "test")
    session.stage_query(con, warehouse_suite_name("dim_grid"), batch_query(models["dim_grid"]), asset="dim_grid")
    session.stage_query(con, warehouse_suite_name("dim_person"), batch_query(models["dim_person"]), asset="no_mart")
    outcomes = session.run_staged()
    grid = outcomes["dim_grid"]
    assert all(o.element_count is not None or o.observed_value is not None for o in grid), "empty metric"

    def by(kind, column):
        return next(o for o in grid if o.expectation == kind and o.kwargs.get("column") == column)

    nulls = by("expect_column_values_to_not_be_null", "grid_name")
    assert (nulls.success, nulls.unexpected_count, nulls.element_count) == (False, 7, 103)
    unique = by("expect_column_values_to_be_unique", "grid_code")
    assert (unique.success, unique.unexpected_count) == (False, 6)
    refs = by("expect_column_values_to_be_in_set", "_yw_ref__community_code")
    assert (refs.success, refs.unexpected_count) == (False, 2)
    assert by("expect_column_values_to_not_be_null", "grid_code").success
    # a mart that does not exist fails every expectation with the error, it does not pass empty
    missing = outcomes["no_mart"]
    assert missing and all(not o.success for o in missing)
    assert all(o.error for o in missing) and any("dim_person does not exist" in o.error for o in missing)
    assert session.build_docs().is_file()


def test_a_metric_the_engine_does_not_compute_fails_the_expectation(planted_connection):
    context = gx.get_context(mode="ephemeral")
    register_connection("test-closed", planted_connection)
    try:
        source = context.data_sources.add_yw_duckdb(name="d", connection_key="test-closed")
        batch = source.add_query_asset("t", "select * from t").add_batch_definition_whole_table("b")
        suite = context.suites.add(
            gx.ExpectationSuite(
                name="closed",
                expectations=[
                    E.ExpectColumnMeanToBeBetween(column="age", min_value=0, max_value=1000),  # no such metric here
                    E.ExpectColumnValuesToNotBeNull(
                        column="name", row_condition='code=="a"', condition_parser="pandas"
                    ),
                    E.ExpectColumnValuesToNotBeNull(column="k"),
                ],
            )
        )
        definition = context.validation_definitions.add(gx.ValidationDefinition(name="closed", data=batch, suite=suite))
        run = context.checkpoints.add(gx.Checkpoint(name="closed", validation_definitions=[definition])).run()
    finally:
        release_connection("test-closed")
    (validation,) = run.run_results.values()
    results = {
        r.expectation_config.type + str(bool(r.expectation_config.kwargs.get("row_condition"))): r
        for r in validation.results
    }
    assert not results["expect_column_mean_to_be_betweenFalse"].success
    assert not results["expect_column_values_to_not_be_nullTrue"].success  # row conditions are refused
    assert results["expect_column_values_to_not_be_nullFalse"].success
    assert not validation.success


def _drift_suite(name: str) -> gx.ExpectationSuite:
    """The expectation types the drift checks use (quality/drift.py), with bounds that pass and fail."""
    partition = {"values": ["a", "b", "X"], "weights": [0.5, 0.3, 0.2]}
    return gx.ExpectationSuite(
        name=name,
        expectations=[
            E.ExpectTableRowCountToBeBetween(min_value=100, max_value=110),
            E.ExpectTableRowCountToBeBetween(min_value=200, max_value=None),
            E.ExpectColumnProportionOfUniqueValuesToBeBetween(column="k", min_value=0.9),  # 100 of 103: passes
            E.ExpectColumnProportionOfUniqueValuesToBeBetween(column="k2", min_value=0.99),  # 'dup' x4: fails
            E.ExpectColumnProportionOfUniqueValuesToBeBetween(column="code", min_value=0.5),  # 2 of 103
            E.ExpectColumnValuesToNotBeNull(column="name", mostly=0.9),  # 96 of 103 filled: passes
            E.ExpectColumnValuesToNotBeNull(column="name", mostly=0.95),  # fails
            E.ExpectColumnValuesToBeInSet(column="ref_ok", value_set=[True], mostly=0.95),  # 99 of 102: passes
            E.ExpectColumnValuesToBeInSet(column="ref_ok", value_set=[True], mostly=0.99),  # fails
            E.ExpectColumnKLDivergenceToBeLessThan(column="code", partition_object=partition, threshold=1.0),  # 0.61
            E.ExpectColumnKLDivergenceToBeLessThan(
                column="code",
                partition_object={"values": ["a"], "weights": [1.0]},  # X: the holdout, KL 0.003
                threshold=0.001,
                tail_weight_holdout=0.01,
            ),
            E.ExpectColumnKLDivergenceToBeLessThan(
                column="ref_ok", partition_object={"values": [True, False], "weights": [0.5, 0.5]}, threshold=0.6
            ),
        ],
    )


def test_the_drift_metrics_equal_gx_pandas_on_planted_data(planted_connection):
    """Row counts, unique proportions, null shares with `mostly`, value shares (KL divergence):
    the DuckDB engine's column.unique_proportion, column.distinct_values.count,
    column_values.nonnull.count and column.value_counts give GX's Pandas results."""
    context = gx.get_context(mode="ephemeral")

    def run(batch, name, parameters=None):
        suite = context.suites.add(_drift_suite(name))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(name=name, validation_definitions=[definition]))
        (validation,) = checkpoint.run(batch_parameters=parameters).run_results.values()
        return validation.results

    pandas_batch = (
        context.data_sources.add_pandas("p").add_dataframe_asset("t").add_batch_definition_whole_dataframe("b")
    )
    by_pandas = run(pandas_batch, "pandas", {"dataframe": planted_connection.execute("select * from t").df()})
    register_connection("test-drift", planted_connection)
    try:
        source = context.data_sources.add_yw_duckdb(name="d", connection_key="test-drift")
        by_duckdb = run(source.add_query_asset("t", "select * from t").add_batch_definition_whole_table("b"), "duckdb")
    finally:
        release_connection("test-drift")

    def comparable(result):
        out = _comparable(result)
        out["details"] = _plain(json.loads(json.dumps((result.result or {}).get("details"), default=str)))
        return out

    pandas = {_key(r): comparable(r) for r in by_pandas}
    duck = {_key(r): comparable(r) for r in by_duckdb}
    assert len(pandas) == len(duck) == len(_drift_suite("x").expectations)
    for key, expected in pandas.items():
        assert not expected["raised"], key
        assert duck[key] == expected, key
    outcome = {
        str(i): duck[_key(SimpleNamespace(expectation_config=e.configuration))]
        for i, e in enumerate(_drift_suite("x").expectations)
    }
    successes = [outcome[str(i)]["success"] for i in range(len(outcome))]
    assert successes == [True, False, True, False, False, True, False, True, False, True, False, True]
    assert [outcome[str(i)]["observed_value"] for i in (2, 3, 4)] == [100 / 103, 99 / 102, 2 / 103]
    assert outcome["0"]["observed_value"] == 103
