"""Build a table's Source (SQL, file drop or HTTP) from its tables.yml connection."""

from __future__ import annotations

from connectors.base import Source
from connectors.credentials import redact_url, resolve_secret, resolve_url, where_to_set
from connectors.files import FileDropSource
from connectors.http import HttpJsonClient, HttpSource, RetryPolicy
from connectors.registry import TableConfig
from connectors.sql import SqlSource
from yiwang.contracts import source_platforms
from yiwang.settings import workspace_dir


def expand_location(value: str | None) -> str | None:
    if value is None:
        return None
    return value.replace("{sources}", str(workspace_dir("sources").resolve()))


def open_source(cfg: TableConfig) -> Source:
    """The table's source, located through its credentials; LookupError names what to set."""
    conn = cfg.connection
    try:
        location, _ = resolve_url(conn.credentials, expand_location(conn.default))
    except LookupError as error:
        raise LookupError(f"{cfg.name}: {error}") from None
    if conn.kind == "sql":
        return SqlSource(location, cfg.contract, batch_size=cfg.batch_size, schema=conn.options.get("schema"))
    if conn.kind in ("csv", "xlsx"):
        return FileDropSource(location, cfg.contract, conn.kind, batch_size=cfg.batch_size)
    token = resolve_secret(conn.token, conn.token_default) if conn.token else conn.token_default
    if conn.token and not token:
        raise LookupError(f"{cfg.name}: no API token for {redact_url(location)}: set {where_to_set(conn.token)}")
    options = conn.options
    client = HttpJsonClient(
        location,
        token,
        timeout=float(options.get("timeout_seconds", 30)),
        retry=RetryPolicy(
            max_attempts=int(options.get("max_attempts", 5)),
            base_seconds=float(options.get("backoff_seconds", 0.5)),
            cap_seconds=float(options.get("backoff_cap_seconds", 30)),
        ),
    )
    timezone = source_platforms()[cfg.platform].timezone
    return HttpSource(
        client,
        cfg.contract,
        timezone,
        page_size=int(options.get("page_size", 500)),
        batch_size=cfg.batch_size,
    )
