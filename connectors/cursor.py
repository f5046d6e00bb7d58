"""Cursor watermarks: saved in the state as typed JSON, and the lower bound of the next window."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from connectors.registry import TableConfig


def cursor_to_state(value: Any) -> dict[str, Any] | None:
    """A cursor value as the state saves it: its type, and the value as JSON can hold it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return {"type": "timestamp", "value": value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, int):
        return {"type": "integer", "value": value}
    return {"type": "string", "value": str(value)}


def cursor_from_state(doc: dict[str, Any] | None) -> Any:
    """The cursor value a saved state holds, in the contract's type."""
    if not doc:
        return None
    kind, value = doc["type"], doc["value"]
    if kind == "timestamp":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


def window_start(cfg: TableConfig, saved: dict[str, Any] | None) -> Any:
    """Lower cursor bound: the saved watermark minus the lookback, inclusive (>=)."""
    if cfg.mode != "incremental":
        return None
    value = cursor_from_state(saved)
    if value is None or cfg.lookback is None:
        return value
    if isinstance(value, int):
        return value - int(cfg.lookback if isinstance(cfg.lookback, int) else 0)
    if isinstance(value, str):
        fmt = cfg.contract.column(cfg.contract.cursor).format or "%Y-%m-%d %H:%M:%S"
        return (datetime.strptime(value, fmt) - cfg.lookback).strftime(fmt)
    return value - cfg.lookback
