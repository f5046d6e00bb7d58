"""Orchestration (编排): the Airflow DAG factory, the tasks' runtime and `yiwang run`.

    dags/pipelines.yml          the DAGs as data (schedules, tasks, pools, assets, retries)
    config.py                   reads and checks it
    factory.py                  builds the DAGs (airflow.sdk only); dags/*.py call it
    runtime.py, stages.py       what a task runs: imports the stage at run time, small XCom
    callbacks.py, errors.py     failure alerts; transient vs terminal errors
    local_run.py                `yiwang run`: the same DAGs in one process (dag.test())
    lineage.py                  OpenLineage: the provider's transport, dbt artifacts to events

See docs/airflow.md.
"""
