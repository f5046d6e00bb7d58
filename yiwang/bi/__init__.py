"""BI (商业智能): Apache Superset in its own environment on the published PostgreSQL warehouse,
through a read-only role that sees the marts only, with the dashboards of docker/superset/."""

from yiwang.bi.superset import (
    BI_ROLE,
    SupersetSettings,
    ensure_env,
    grant_reader,
    reader_url,
    start,
    wait_until_healthy,
)

__all__ = [
    "BI_ROLE",
    "SupersetSettings",
    "ensure_env",
    "grant_reader",
    "reader_url",
    "start",
    "wait_until_healthy",
]
