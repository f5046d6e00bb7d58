"""What a gate returns and where its results go.

workspace_dir("quality")/runs/<gate>-<run_id>/results.json   every check's outcome
workspace_dir("quality")/runs/<gate>-<run_id>/data_docs/index.html   GX data docs
workspace_dir("quality")/latest/<gate>.json                   the last run's results
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.credentials import redact
from yiwang.settings import workspace_dir


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def run_dir(gate: str, run_id: str) -> Path:
    return workspace_dir("quality") / "runs" / f"{gate}-{run_id}"


@dataclass
class Check:
    """One row of the pass/fail table."""

    name: str  # e.g. landing grid_platform.zz_syrk 2026…, warehouse.dim_person unique_key
    ok: bool
    detail: str = ""
    observed: Any = None


@dataclass
class GateResult:
    gate: str  # landing or warehouse
    run_id: str
    checks: list[Check] = field(default_factory=list)
    error: str | None = None  # the gate itself failed: blocks exactly like a failing check
    blocked: list[str] = field(default_factory=list)  # landing: platform.table/run_id blocked
    docs: Path | None = None
    results_path: Path | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __setattr__(self, name: str, value: Any) -> None:
        # a gate's error often quotes a driver message, which may carry the connection string
        if name == "error" and value is not None:
            value = redact(value)
        super().__setattr__(name, value)

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "run_id": self.run_id,
            "ok": self.ok,
            "checks": len(self.checks),
            "failed": len(self.failed),
            "error": self.error,
            "blocked": self.blocked,
            "docs": str(self.docs) if self.docs else None,
            "results": str(self.results_path) if self.results_path else None,
        }

    def archive(self) -> Path:
        """Write results.json in the run folder and latest/<gate>.json; returns the run file."""
        folder = run_dir(self.gate, self.run_id)
        folder.mkdir(parents=True, exist_ok=True)
        doc = self.summary() | {
            "seconds": self.seconds,
            "extra": self.extra,
            "checks": [asdict(c) for c in self.checks],
        }
        text = redact(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        self.results_path = folder / "results.json"
        self.results_path.write_text(text, encoding="utf-8")
        latest = workspace_dir("quality") / "latest"
        latest.mkdir(parents=True, exist_ok=True)
        (latest / f"{self.gate}.json").write_text(text, encoding="utf-8")
        return self.results_path


_MASKABLE = re.compile(r"\S")


def mask(value: Any, pii: str) -> str | None:
    """Offending values as quarantine shows them: direct identifiers keep their first 3 and last
    4 characters (ID numbers, phones) or the first character (names); sensitive values are
    hidden; quasi and non-personal values are kept."""
    if value is None:
        return None
    text = str(value)
    if pii == "sensitive":
        return "***"
    if pii != "direct":
        return text
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return text[:1] + "*" * max(len(text) - 1, 1)
