"""dags/pipelines.yml read into plain dataclasses and checked (unknown keys, bad values fail here).

Light on purpose: the DAG factory calls this while Airflow parses the DAG files, so it imports
only PyYAML and reads one small file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
CONFIG_ENV = "YIWANG_PIPELINES_FILE"  # another pipelines.yml (a deployment); default dags/pipelines.yml
IF_MISSING = ("fail", "pass", "skip")
TASK_KEYS = {"id", "call", "stage", "if_missing", "retries", "pool", "emits", "doc", "trigger_rule", "queue"}
DAG_KEYS = {"file", "dag_id", "per_platform", "schedule", "tags", "max_active_runs", "tasks", "params"}
PARAM_KEYS = {"default", "description", "title", "type", "items"}  # Airflow Param: a default and JSON schema
DEFAULT_KEYS = {
    "owner",
    "retries",
    "retry_delay_seconds",
    "max_retry_delay_seconds",
    "execution_timeout_minutes",
    "start_date",
    "tags",
}


class ConfigError(ValueError):
    """pipelines.yml is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class TaskSpec:
    id: str
    call: str
    stage: str
    if_missing: str = "fail"
    retries: int | None = None
    pool: str | None = None
    emits: str | None = None
    doc: str = ""
    trigger_rule: str | None = None
    queue: str | None = None  # a Celery queue (workers started with --queues)


@dataclass(frozen=True)
class DagSpec:
    """One configured DAG; `platform` is set for each platform's copy of a per-platform entry."""

    kind: str  # extract, warehouse, sharing
    dag_id: str
    file: str
    schedule: Any  # a cron string, None, or {"assets_any": <asset name>}
    tags: tuple[str, ...]
    max_active_runs: int
    tasks: tuple[TaskSpec, ...]
    platform: str | None = None
    params: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)  # name → PARAM_KEYS


@dataclass(frozen=True)
class PipelineConfig:
    path: Path
    defaults: dict[str, Any]
    transient_errors: tuple[str, ...]
    pools: dict[str, dict[str, Any]]
    assets: dict[str, dict[str, str]]
    dags: tuple[DagSpec, ...] = field(default_factory=tuple)

    def by_kind(self, kind: str) -> list[DagSpec]:
        return [d for d in self.dags if d.kind == kind]

    def dag(self, dag_id: str) -> DagSpec:
        for spec in self.dags:
            if spec.dag_id == dag_id:
                return spec
        raise KeyError(dag_id)

    def asset_uri(self, name: str, platform: str | None = None) -> str:
        return self.assets[name]["uri"].format(platform=platform or "")

    def platforms(self) -> list[str]:
        return [d.platform for d in self.by_kind("extract") if d.platform]


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DAGS_DIR / "pipelines.yml")


def _unknown(where: str, raw: dict, allowed: set[str]) -> None:
    extra = set(raw) - allowed
    if extra:
        raise ConfigError(f"{where}: unknown keys {sorted(extra)}; allowed: {sorted(allowed)}")


def _task(where: str, raw: dict, assets: dict) -> TaskSpec:
    _unknown(where, raw, TASK_KEYS)
    for key in ("id", "call", "stage"):
        if not raw.get(key):
            raise ConfigError(f"{where}: `{key}` is required")
    if raw.get("if_missing", "fail") not in IF_MISSING:
        raise ConfigError(f"{where}.if_missing: {raw['if_missing']!r}; use one of {IF_MISSING}")
    if raw.get("emits") and raw["emits"] not in assets:
        raise ConfigError(f"{where}.emits: unknown asset {raw['emits']!r}; declared: {sorted(assets)}")
    return TaskSpec(**raw)


def _params(where: str, raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a mapping of param name to its default and schema")
    params = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "default" not in spec:
            raise ConfigError(f"{where}.{name}: needs a `default` (scheduled runs use it)")
        _unknown(f"{where}.{name}", spec, PARAM_KEYS)
        params[str(name)] = dict(spec)
    return params


def load_config(path: Path | None = None) -> PipelineConfig:
    """Read and check pipelines.yml."""
    path = Path(path or config_path())
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    _unknown(str(path), raw, {"defaults", "transient_errors", "pools", "assets", "dags"})
    defaults = dict(raw.get("defaults") or {})
    _unknown(f"{path}: defaults", defaults, DEFAULT_KEYS)
    assets = dict(raw.get("assets") or {})
    pools = dict(raw.get("pools") or {})
    dags: list[DagSpec] = []
    for kind, entry in (raw.get("dags") or {}).items():
        where = f"{path}: dags.{kind}"
        _unknown(where, entry, DAG_KEYS)
        tasks = tuple(_task(f"{where}.tasks[{i}]", t, assets) for i, t in enumerate(entry.get("tasks") or []))
        if not tasks:
            raise ConfigError(f"{where}: no tasks")
        for task in tasks:
            if task.pool and task.pool not in pools:
                raise ConfigError(f"{where}.{task.id}.pool: {task.pool!r} is not declared under pools")
        schedule = entry.get("schedule")
        if isinstance(schedule, dict) and schedule.get("assets_any") not in assets:
            raise ConfigError(f"{where}.schedule: unknown asset {schedule.get('assets_any')!r}")
        common = {
            "kind": kind,
            "file": entry.get("file", f"{kind}.py"),
            "tags": tuple(defaults.get("tags", [])) + tuple(entry.get("tags", [])),
            "max_active_runs": int(entry.get("max_active_runs", 1)),
            "tasks": tasks,
            "params": _params(f"{where}.params", entry.get("params") or {}),
        }
        if "per_platform" in entry:
            for platform, options in entry["per_platform"].items():
                dags.append(
                    DagSpec(
                        dag_id=entry["dag_id"].format(platform=platform),
                        schedule=(options or {}).get("schedule"),
                        platform=platform,
                        **common | {"tags": common["tags"] + (platform,)},
                    )
                )
        else:
            dags.append(DagSpec(dag_id=entry.get("dag_id", f"yiwang_{kind}"), schedule=schedule, **common))
    return PipelineConfig(
        path=path,
        defaults=defaults,
        transient_errors=tuple(raw.get("transient_errors") or ()),
        pools=pools,
        assets=assets,
        dags=tuple(dags),
    )
