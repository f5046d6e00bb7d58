"""Airflow DAG: share the published warehouse (数据共享) with the departments and write the run report.

Triggered by `yiwang://warehouse/published`: `share` writes each subscribed department's
exports (masked, entitlements enforced) and each platform's fix list (整改清单); `report`
writes the static HTML run report.
"""

from yiwang.orchestrate.factory import build_dags

globals().update(build_dags("sharing", __doc__))
