"""Airflow DAG: extract one legacy platform into the landing zone (抽取落地), then run the landing gate.

`extract` runs the connectors over every table of the platform listed in
connectors/<platform>/tables.yml (incremental, snapshot or file drop; credentials from the
Airflow connection `yiwang_<platform>`); `landing_gate` checks the batch (落地质检). When both
pass, the platform's landed asset (`yiwang://landing/<platform>`) is emitted and the warehouse
DAG is triggered. Source outages and timeouts are retried with exponential backoff; contract
violations, refused file drops, held runs and a failed gate are not. To take a refused file drop
you checked (cut or much shorter than before), trigger the DAG with the param `accept_short`
(e.g. `{"accept_short": ["party_building.members"]}`).
"""

from yiwang.orchestrate.factory import build_dags

globals().update(build_dags("extract", __doc__))
