"""Subscriptions (数据共享订阅) as data: yiwang/share/subscriptions.yml, or YIWANG_SHARE_CONFIG.

Validated against the mart contracts in schemas/warehouse: every dataset is a mart, every
column exists, and a column marked pii: direct leaves unmasked only with an approval under
有条件共享.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from yiwang.contracts import warehouse_models
from yiwang.share.masking import MASKS
from yiwang.share.row_filter import FilterError, compile_filter

CONFIG_ENV = "YIWANG_SHARE_CONFIG"
DEFAULT_CONFIG = Path(__file__).with_name("subscriptions.yml")
SHARE_TYPES = {"无条件共享": "unconditional", "有条件共享": "conditional", "不予共享": "not_shareable"}
FORMATS = ("parquet", "csv", "xlsx")
MODES = ("full", "delta")


class ConfigError(ValueError):
    """The subscriptions file is wrong."""


@dataclass(frozen=True)
class Subscription:
    department: str
    dataset: str
    share_type: str
    purpose: str
    columns: dict[str, str] = field(default_factory=dict)
    row_filter: str | None = None
    format: str = "parquet"
    mode: str = "full"
    approval: str | None = None
    group_by: dict[str, str] | None = None
    k: int | None = None

    @property
    def shareable(self) -> bool:
        return self.share_type != "不予共享"

    @property
    def is_aggregate(self) -> bool:
        return self.group_by is not None


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    subscriptions: tuple[Subscription, ...]

    def subscription(self, dataset: str) -> Subscription | None:
        return next((s for s in self.subscriptions if s.dataset == dataset), None)


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def _subscription(department: str, raw: dict, where: str) -> Subscription:
    models = warehouse_models()
    dataset = raw.get("dataset")
    if dataset not in models:
        raise ConfigError(f"{where}: dataset {dataset!r} is not a mart in schemas/warehouse")
    share_type = raw.get("share_type")
    if share_type not in SHARE_TYPES:
        raise ConfigError(f"{where}: share_type {share_type!r}; use one of {list(SHARE_TYPES)}")
    purpose = str(raw.get("purpose") or "").strip()
    if not purpose:
        raise ConfigError(f"{where}: every subscription states its purpose (用途)")
    contract = {c.name: c for c in models[dataset].columns}
    aggregate = raw.get("aggregate")
    columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
    group_by = {str(k): str(v) for k, v in aggregate["group_by"].items()} if aggregate else None
    if share_type != "不予共享":
        if not columns and not group_by:
            raise ConfigError(f"{where}: no columns granted")
        for name, mask in {**columns, **(group_by or {})}.items():
            if name not in contract:
                raise ConfigError(f"{where}: {dataset} has no column {name!r}")
            if mask not in MASKS:
                raise ConfigError(f"{where}: {name}: masking {mask!r}; use one of {MASKS}")
            if (
                contract[name].pii == "direct"
                and mask == "none"
                and not (share_type == "有条件共享" and raw.get("approval") and raw.get("unmasked_approval"))
            ):
                raise ConfigError(
                    f"{where}: {dataset}.{name} is pii: direct; share it masked or as a token, or unmasked "
                    f"only under 有条件共享 with `unmasked_approval`"
                )
        if share_type == "有条件共享" and not raw.get("approval"):
            raise ConfigError(f"{where}: 有条件共享 needs the approval (审批文号) under `approval`")
    fmt = raw.get("format", "parquet")
    mode = raw.get("mode", "full")
    if fmt not in FORMATS:
        raise ConfigError(f"{where}: format {fmt!r}; use one of {FORMATS}")
    if mode not in MODES:
        raise ConfigError(f"{where}: mode {mode!r}; use one of {MODES}")
    if group_by and mode != "full":
        raise ConfigError(f"{where}: aggregate exports are full exports")
    row_filter = raw.get("row_filter")
    if row_filter is not None:
        try:
            compile_filter(str(row_filter), dataset)
        except FilterError as error:
            raise ConfigError(f"{where}: row_filter: {error}") from error
    return Subscription(
        department=department,
        dataset=dataset,
        share_type=share_type,
        purpose=purpose,
        columns=columns,
        row_filter=None if row_filter is None else str(row_filter),
        format=fmt,
        mode=mode,
        approval=raw.get("approval"),
        group_by=group_by,
        k=int(aggregate.get("k", 5)) if aggregate else None,
    )


def load_departments(path: Path | None = None) -> dict[str, Department]:
    path = path or config_path()
    if not path.is_file():
        raise ConfigError(f"no subscriptions file at {path} (set {CONFIG_ENV})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    departments: dict[str, Department] = {}
    for i, raw in enumerate(doc.get("departments") or []):
        dep_id = str(raw.get("id") or "")
        if not dep_id.isidentifier() or not dep_id.isascii():
            raise ConfigError(f"{path}: departments[{i}].id {dep_id!r} must be an ASCII identifier")
        if dep_id in departments:
            raise ConfigError(f"{path}: department {dep_id!r} declared twice")
        subs = tuple(
            _subscription(dep_id, s, f"{path}: {dep_id}.subscriptions[{j}]")
            for j, s in enumerate(raw.get("subscriptions") or [])
        )
        datasets = [s.dataset for s in subs]
        if len(set(datasets)) != len(datasets):
            raise ConfigError(f"{path}: {dep_id} subscribes to a dataset twice")
        departments[dep_id] = Department(id=dep_id, name=str(raw.get("name") or dep_id), subscriptions=subs)
    return departments
