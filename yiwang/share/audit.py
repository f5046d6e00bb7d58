"""Append-only audit log (审计日志) of every export and refusal: <exports>/audit.jsonl.

Each line is one JSON entry (who, what, purpose, rows, file hashes, when, outcome) carrying
the sha256 of the previous line (`prev_sha256`), so a line removed or edited later breaks the
chain: `verify_chain()` finds it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yiwang.settings import workspace_dir

GENESIS = "0" * 64


def audit_path() -> Path:
    return workspace_dir("exports") / "audit.jsonl"


def _last_hash(path: Path) -> str:
    if not path.is_file() or path.stat().st_size == 0:
        return GENESIS
    with path.open("rb") as f:
        lines = f.read().splitlines()
    return hashlib.sha256(lines[-1]).hexdigest() if lines else GENESIS


def append(entry: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    path = path or audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "actor": os.environ.get("YIWANG_ACTOR") or getpass.getuser(),
        **entry,
        "prev_sha256": _last_hash(path),
    }
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())
    return record


def read(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or audit_path()
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verify_chain(path: Path | None = None) -> bool:
    path = path or audit_path()
    previous = GENESIS
    for line in path.read_bytes().splitlines() if path.is_file() else []:
        if json.loads(line)["prev_sha256"] != previous:
            return False
        previous = hashlib.sha256(line).hexdigest()
    return True
