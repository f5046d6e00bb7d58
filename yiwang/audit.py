"""Append-only, tamper-evident audit log (审计日志) of every export and refusal: <exports>/audit.jsonl.

Each line is one JSON entry (who, what, purpose, rows, file hashes, when, outcome) with its
place in the chain (`chain_id`, `seq`, `prev_mac`) and `mac`, an HMAC-SHA256 over the rest of
the line with a key that is kept outside the workspace:

    YIWANG_AUDIT_KEY   the key itself (at least 32 characters), e.g. from a secrets store; else
    YIWANG_AUDIT_DIR   a folder outside the workspace [default: ~/.config/yiwang] holding
                       audit.key (created on first use, mode 0600) and heads/<chain_id>.json

`yiwang share` verifies the chain before every export and refuses on a broken one (AuditError);
what it detects and what to do: docs/sharing.md, "Entitlements and audit".

    python -m yiwang.audit verify            check the log, print its head
    python -m yiwang.audit restart REASON    move a broken log aside, start a new chain
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import secrets
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yiwang.settings import workspace_dir

KEY_ENV = "YIWANG_AUDIT_KEY"
DIR_ENV = "YIWANG_AUDIT_DIR"
KEY_FILE = "audit.key"
MIN_KEY_CHARS = 32


class AuditError(RuntimeError):
    """The audit log cannot be trusted (edited, truncated, replaced) or cannot be verified."""


class AuditKeyMissing(AuditError):
    """The log has entries but the key that signed them is gone."""


def audit_path() -> Path:
    return workspace_dir("exports") / "audit.jsonl"


def audit_dir() -> Path:
    default = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "yiwang"
    return Path(os.environ.get(DIR_ENV) or default).expanduser().resolve()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _key(log: Path, *, create: bool) -> bytes:
    if os.environ.get(KEY_ENV):
        key = os.environ[KEY_ENV]
        if len(key) < MIN_KEY_CHARS:
            raise AuditError(f"{KEY_ENV} is shorter than {MIN_KEY_CHARS} characters")
        return key.encode()
    folder = audit_dir()
    if _inside(folder, log.parent.resolve()) or _inside(log.parent.resolve(), folder):
        raise AuditError(
            f"the audit key folder {folder} is inside or around the exports folder {log.parent}: "
            f"whoever can edit the log could read the key; set {DIR_ENV} to a folder outside the workspace"
        )
    path = folder / KEY_FILE
    if not path.is_file():
        if not create:
            raise AuditKeyMissing(
                f"the audit log {log} has entries but its key {path} is missing (and {KEY_ENV} is not set): "
                f"restore the key from your backup; nothing is shared while the log cannot be verified"
            )
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):  # a concurrent first use made it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    if path.stat().st_mode & 0o077:
        raise AuditError(f"the audit key {path} is readable by others: chmod 600 {path}")
    return path.read_text().strip().encode()


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def _mac(key: bytes, record: dict[str, Any]) -> str:
    return hmac.new(key, _canonical({k: v for k, v in record.items() if k != "mac"}), hashlib.sha256).hexdigest()


def _head_path(chain_id: str) -> Path:
    return audit_dir() / "heads" / f"{chain_id}.json"


def _log_head_path(log: Path) -> Path:
    """The last head written for the log at this path (an emptied or removed log shows)."""
    return audit_dir() / "heads" / "by-log" / f"{hashlib.sha256(str(log.resolve()).encode()).hexdigest()[:32]}.json"


def _read_head(key: bytes, chain_id: str, path: Path | None = None) -> dict[str, Any] | None:
    path = path or _head_path(chain_id)
    if not path.is_file():
        return None
    head = json.loads(path.read_text())
    if not hmac.compare_digest(head.get("mac", ""), _mac(key, head)):
        raise AuditError(f"the audit head {path} was altered (its MAC does not match)")
    return head


def _write_head(key: bytes, log: Path, record: dict[str, Any]) -> dict[str, Any]:
    head = {"chain_id": record["chain_id"], "seq": record["seq"], "line_mac": record["mac"], "log": str(log)}
    head["mac"] = _mac(key, head)
    for path in (_head_path(record["chain_id"]), _log_head_path(log)):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(json.dumps(head))
        os.replace(tmp, path)
    return head


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line] if path.is_file() else []


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def verify(path: Path | None = None, published: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """Check every line's MAC and place, and that the log reaches its recorded head and every
    head in `published` (heads recorded with publishes). Returns the head (None for an empty,
    never-written log); raises AuditError saying what is wrong and where."""
    path = path or audit_path()
    lines = _lines(path)
    # heads recorded by publishes for this log (another exports folder keeps its own log)
    published = [h for h in (published or []) if h and h.get("log") in (None, str(path.resolve()))]
    if not lines:
        if _log_head_path(path).is_file():
            last = json.loads(_log_head_path(path).read_text())
            raise AuditError(
                f"the audit log {path} is missing or empty, but it had {last.get('seq')} entries "
                f"(chain {last.get('chain_id')}): it was emptied or removed; restore it from backup"
            )
        if published:
            raise AuditError(
                f"the audit log {path} is missing or empty, but publish recorded its head at entry "
                f"{published[-1]['seq']}: the log was removed or replaced; restore it from backup"
            )
        return None
    key = _key(path, create=False)
    previous: dict[str, Any] | None = None
    chain_id = None
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError as error:
            raise AuditError(f"{path}:{number} is not JSON ({error})") from error
        if "mac" not in record:
            raise AuditError(f"{path}:{number} carries no MAC (written before keyed audit, or forged)")
        if not hmac.compare_digest(str(record["mac"]), _mac(key, record)):
            raise AuditError(f"{path}:{number} was altered: its MAC does not match")
        chain_id = chain_id or record.get("chain_id")
        expected_prev = previous["mac"] if previous else None
        if record.get("chain_id") != chain_id or record.get("seq") != number or record.get("prev_mac") != expected_prev:
            raise AuditError(f"{path}:{number} is out of place (lines removed, reordered or copied in)")
        previous = record
    assert previous is not None
    head = _read_head(key, chain_id)
    if head is None:
        raise AuditError(
            f"no head record for the audit chain {chain_id} in {audit_dir() / 'heads'}: "
            f"the log was written with another {DIR_ENV}; point {DIR_ENV} at that folder"
        )
    restarted = json.loads(lines[0]).get("event") == "chain_restarted"
    by_log = _read_head(key, chain_id, _log_head_path(path))
    recorded_heads = [(head, "the audit head"), *(((by_log, "the log's last head"),) if by_log else ())]
    for recorded, what in [*recorded_heads, *((h, "a publish") for h in published)]:
        seq = int(recorded["seq"])
        if recorded.get("chain_id") != chain_id:
            if restarted:  # a chain restarted with the key (restart()) supersedes the older one
                continue
            raise AuditError(f"{path} is another chain than the one {what} recorded: the log was replaced")
        if seq > len(lines):
            raise AuditError(
                f"{path} ends at entry {len(lines)} but {what} recorded entry {seq}: lines were removed at the end"
            )
        if json.loads(lines[seq - 1])["mac"] != recorded["line_mac"]:
            raise AuditError(f"{path}:{seq} is not the entry {what} recorded")
    return {"chain_id": chain_id, "seq": len(lines), "line_mac": previous["mac"]}


def verify_chain(path: Path | None = None, published: list[dict[str, Any]] | None = None) -> bool:
    try:
        verify(path, published)
    except AuditError:
        return False
    return True


def head(path: Path | None = None) -> dict[str, Any] | None:
    """The current head (chain_id, seq, line_mac) to record with a publish; None before any entry."""
    path = path or audit_path()
    lines = _lines(path)
    if not lines:
        return None
    last = json.loads(lines[-1])
    if "mac" not in last:
        return None
    return {"chain_id": last["chain_id"], "seq": last["seq"], "line_mac": last["mac"], "log": str(path.resolve())}


def append(entry: dict[str, Any], path: Path | None = None, *, new_chain: bool = False) -> dict[str, Any]:
    path = path or audit_path()
    with _locked(path):
        lines = _lines(path)
        if not lines and not new_chain and _log_head_path(path).is_file():
            raise AuditError(f"the audit log {path} was emptied or removed; restore it, or restart() the chain")
        key = _key(path, create=not lines)
        last = json.loads(lines[-1]) if lines else None
        record = json.loads(
            _canonical(
                {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "actor": os.environ.get("YIWANG_ACTOR") or getpass.getuser(),
                    **entry,
                    "chain_id": last["chain_id"] if last else uuid.uuid4().hex,
                    "seq": (last["seq"] + 1) if last else 1,
                    "prev_mac": last.get("mac") if last else None,
                }
            )
        )
        record["mac"] = _mac(key, record)
        with path.open("ab") as f:
            f.write(_canonical(record) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        _write_head(key, path, record)
    return record


def read(path: Path | None = None) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines(path or audit_path())]


def restart(reason: str, path: Path | None = None) -> Path:
    """Move a broken log aside (kept, for the investigation) and start a new chain whose first
    entry names the old file, its sha256 and `reason`."""
    path = path or audit_path()
    if not reason.strip():
        raise ValueError("say why the chain is restarted (it is written into the new log)")
    with _locked(path):
        aside = path.with_name(f"audit.broken-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.jsonl")
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        if path.is_file():
            os.replace(path, aside)
    entry = {"event": "chain_restarted", "reason": reason, "previous_log": aside.name, "previous_sha256": digest}
    append(entry, path, new_chain=True)
    return aside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yiwang.audit", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("verify")
    again = sub.add_parser("restart")
    again.add_argument("reason")
    args = parser.parse_args(argv)
    try:
        if args.command == "verify":
            print(json.dumps(verify()))
        else:
            print(f"moved aside: {restart(args.reason)}")
    except AuditError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
