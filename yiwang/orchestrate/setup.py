"""`python -m yiwang.orchestrate.setup`: create the pools dags/pipelines.yml declares.

Run once after `airflow db migrate` (the docker stack's airflow-init service, the integration
test); idempotent. The metadata database is the one Airflow's configuration names.
"""

from __future__ import annotations

from yiwang.orchestrate.config import PipelineConfig, load_config


def create_pools(config: PipelineConfig | None = None) -> list[str]:
    from airflow.models.pool import Pool

    config = config or load_config()
    for name, pool in config.pools.items():
        Pool.create_or_update_pool(name, int(pool["slots"]), pool.get("description", ""), include_deferred=False)
    return sorted(config.pools)


if __name__ == "__main__":
    print("pools:", ", ".join(create_pools()))
