"""The audit log against someone who can edit the file but not read the key: an edited and
re-chained line, dropped last lines, a replaced log and a missing key are all detected."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest

from yiwang import audit


@pytest.fixture
def log(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_AUDIT_DIR", str(tmp_path / "keyring"))
    path = tmp_path / "exports" / "audit.jsonl"
    for i in range(5):
        audit.append({"event": "exported", "department": "d", "what": f"m{i}", "rows": 10 + i}, path)
    return path


def _rechain(lines: list[str]) -> list[str]:
    """What an editor without the key can do: fix every chain field a reader can recompute."""
    out, previous = [], None
    for line in lines:
        record = json.loads(line)
        if previous is not None:
            if "prev_sha256" in record:
                record["prev_sha256"] = hashlib.sha256(previous.encode()).hexdigest()
            if "prev_mac" in record:
                record["prev_mac"] = json.loads(previous).get("mac")
        line = json.dumps(record, ensure_ascii=False, sort_keys=True)
        out.append(line)
        previous = line
    return out


def test_an_intact_log_verifies_and_its_key_is_private(log, tmp_path):
    assert audit.verify_chain(log)
    assert audit.verify(log)["seq"] == 5
    key = tmp_path / "keyring" / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text() not in log.read_text()


def test_an_edited_and_rechained_line_is_detected(log):
    lines = log.read_text("utf-8").splitlines()
    edited = json.loads(lines[1])
    edited["rows"] = 99999
    lines[1] = json.dumps(edited, ensure_ascii=False, sort_keys=True)
    log.write_text("\n".join(_rechain(lines)) + "\n", "utf-8")
    assert not audit.verify_chain(log)
    with pytest.raises(audit.AuditError, match=r"audit.jsonl:2 was altered"):
        audit.verify(log)


def test_dropped_last_lines_are_detected(log):
    lines = log.read_text("utf-8").splitlines()
    log.write_text("\n".join(lines[:3]) + "\n", "utf-8")
    assert not audit.verify_chain(log)
    with pytest.raises(audit.AuditError, match="ends at entry 3 but the audit head recorded entry 5"):
        audit.verify(log)


def test_a_log_cut_before_a_publish_or_replaced_is_detected(log, tmp_path):
    at_publish = audit.head(log)
    audit.append({"event": "exported", "what": "later"}, log)
    assert audit.verify(log, published=[at_publish])["seq"] == 6
    log.unlink()  # removed whole
    with pytest.raises(audit.AuditError, match="emptied or removed"):
        audit.verify(log, published=[at_publish])
    with pytest.raises(audit.AuditError, match="emptied or removed"):
        audit.append({"event": "exported", "what": "a new history"}, log)
    for head in (tmp_path / "keyring" / "heads").rglob("*.json"):
        head.unlink()  # even with the heads beside the key gone, the publish's record remains
    with pytest.raises(audit.AuditError, match="publish recorded its head"):
        audit.verify(log, published=[at_publish])
    audit.append({"event": "exported", "what": "a new history"}, log)
    with pytest.raises(audit.AuditError, match="another chain"):
        audit.verify(log, published=[at_publish])


def test_a_missing_key_refuses_instead_of_making_a_new_one(log, tmp_path):
    (tmp_path / "keyring" / "audit.key").unlink()
    with pytest.raises(audit.AuditKeyMissing, match="restore the key"):
        audit.verify(log)
    with pytest.raises(audit.AuditKeyMissing):
        audit.append({"event": "exported"}, log)  # a new key would let anyone re-sign the log
    assert not (tmp_path / "keyring" / "audit.key").exists()


def test_a_key_inside_the_workspace_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_AUDIT_DIR", str(tmp_path / "exports" / "keys"))
    with pytest.raises(audit.AuditError, match="outside the workspace"):
        audit.append({"event": "exported"}, tmp_path / "exports" / "audit.jsonl")


def test_a_broken_log_is_moved_aside_and_a_new_chain_starts(log):
    published = [audit.head(log)]
    lines = log.read_text("utf-8").splitlines()
    log.write_text("\n".join(lines[:2]) + "\n", "utf-8")
    assert not audit.verify_chain(log, published=published)
    aside = audit.restart("truncated on 2026-12-02, see incident 7", log)
    assert aside.is_file() and audit.read(log)[0]["event"] == "chain_restarted"
    assert audit.verify(log, published=published)["seq"] == 1
