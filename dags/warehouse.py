"""Airflow DAG: build, audit and publish the warehouse (数据底座) when any platform has landed a batch.

`build`: raw load, then dbt seeds, staging and intermediate (the mention models), into a new
candidate. `resolve`: entity resolution (实体解析) into the candidate's resolution schema.
`marts`: dbt marts on the candidate; failing dbt models and tests are named in the log and in
the failure. `warehouse_gate`: the candidate's quarantine tables, contracts, keys, references,
reconciliation and drift. `publish`: given the gate's passing verdict on this candidate, it
becomes the published version in one atomic step, and only then is
`yiwang://warehouse/published` emitted. Incremental by default: the staging tables merge the
keys the new batches touched into the published state; trigger with the param `full_refresh` =
true to rebuild every table (dbt's --full-refresh). One run at a time (max_active_runs=1) and every task in
the one-slot pool `yiwang_warehouse_writer`: DuckDB has a single writer.
"""

from yiwang.orchestrate.factory import build_dags

globals().update(build_dags("warehouse", __doc__))
