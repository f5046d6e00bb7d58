"""Airflow DAG: build, audit and publish the warehouse (数据底座) when any platform has landed a batch.

`build`: raw load, dbt staging and intermediate, entity resolution (实体解析), dbt marts, into
the candidate; failing dbt models and tests are named in the log and in the failure.
`warehouse_gate`: the candidate's contracts, keys, references, reconciliation and drift.
`publish`: the audited candidate becomes the published version in one atomic step, and only
then is `yiwang://warehouse/published` emitted. One run at a time (max_active_runs=1) and every
writing task in the one-slot pool `yiwang_warehouse_writer`: DuckDB has a single writer.
"""

from yiwang.orchestrate.factory import build_dags

globals().update(build_dags("warehouse", __doc__))
