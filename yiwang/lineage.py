"""OpenLineage events for Airflow tasks and dbt runs, to a file or an HTTP endpoint (Marquez).

One setting drives both sides. The Airflow provider (apache-airflow-providers-openlineage) gets
it as its [openlineage] configuration (`airflow_env()`, set by `yiwang run`); the dbt runs are
turned into events by the library dbt-ol uses (`emit_dbt_run()`), sent by the openlineage-python
client with the same transport. Default: JSON lines in <AIRFLOW_HOME>/openlineage/events.jsonl;
YIWANG_OPENLINEAGE_URL sends them over HTTP instead; YIWANG_OPENLINEAGE=off sends nothing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from yiwang.settings import environment

SWITCH_ENV = "YIWANG_OPENLINEAGE"  # off: no events
URL_ENV = "YIWANG_OPENLINEAGE_URL"  # e.g. http://marquez:5000
API_KEY_ENV = "YIWANG_OPENLINEAGE_API_KEY"
NAMESPACE_ENV = "YIWANG_OPENLINEAGE_NAMESPACE"
DEFAULT_NAMESPACE = "yiwang"
PRODUCER = "urn:yiwang"  # the events' producer URI (no public URL to point at)
EVENTS_FILE = "events.jsonl"

log = logging.getLogger("yiwang.lineage")


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "").strip().lower() not in ("off", "0", "false", "no")


def sending() -> bool:
    """Whether the dbt side sends: a URL is set, YIWANG_OPENLINEAGE=on, or the run set up the
    provider's transport (`yiwang run` does); a plain `yiwang build` writes no events file."""
    switch = os.environ.get(SWITCH_ENV, "").strip().lower()
    if not enabled():
        return False
    explicit = switch in ("on", "1", "true", "yes")
    return explicit or bool(os.environ.get(URL_ENV, "").strip()) or "AIRFLOW__OPENLINEAGE__TRANSPORT" in os.environ


def namespace() -> str:
    return os.environ.get(NAMESPACE_ENV, "").strip() or DEFAULT_NAMESPACE


def events_file() -> Path:
    """Where the file transport writes (one JSON event per line)."""
    from yiwang.settings import airflow_home

    return airflow_home() / "openlineage" / EVENTS_FILE


def transport() -> dict[str, Any]:
    """The openlineage-python transport config: HTTP when a URL is set, else the events file."""
    url = os.environ.get(URL_ENV, "").strip()
    if url:
        config: dict[str, Any] = {"type": "http", "url": url, "endpoint": "api/v1/lineage"}
        if key := os.environ.get(API_KEY_ENV, "").strip():
            config["auth"] = {"type": "api_key", "apiKey": key}
        return config
    path = events_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    return {"type": "file", "log_file_path": str(path), "append": True}


def airflow_env() -> dict[str, str]:
    """The provider's [openlineage] settings as AIRFLOW__OPENLINEAGE__* variables."""
    if not enabled():
        return {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    return {
        "AIRFLOW__OPENLINEAGE__DISABLED": "False",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport()),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": namespace(),
        # a thread, not the default fork: `yiwang run` holds DuckDB and progress threads
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }


def client():
    """An openlineage-python client with the transport above."""
    from openlineage.client import OpenLineageClient

    return OpenLineageClient(config={"transport": transport()})


def dbt_events(target_dir: Path, project_dir: Path, target_name: str, env: Mapping[str, str] | None = None) -> list:
    """The run events of the dbt invocation whose artifacts are in `target_dir`: a START and a
    COMPLETE (or FAIL) per model, snapshot and test, with their input and output datasets.
    `env`: the variables profiles.yml read during that run (the warehouse's location)."""
    from openlineage.common.provider.dbt.local import DbtLocalArtifactProcessor

    with environment(env or {}):
        processor = DbtLocalArtifactProcessor(
            producer=PRODUCER,
            job_namespace=namespace(),
            project_dir=str(project_dir),
            target=target_name,
            target_path=str(Path(target_dir).resolve()),
            skip_errors=True,
            logger=logging.getLogger("openlineage.yiwang.dbt"),
        )
        return processor.parse().events()


def emit_dbt_run(target_dir: Path, project_dir: Path, target_name: str, env: Mapping[str, str] | None = None) -> int:
    """Send the events of the dbt run in `target_dir`; the number sent. Never raises: lineage must
    not fail a build, so any error is one warning."""
    if not sending():
        return 0
    try:
        events = dbt_events(target_dir, project_dir, target_name, env)
        sender = client()
        for event in events:
            sender.emit(event)
        sender.close()
        return len(events)
    except Exception as error:
        log.warning("OpenLineage events of the dbt run not sent: %s: %s", type(error).__name__, error)
        return 0
