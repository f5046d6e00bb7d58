"""What a failed write in the workspace means: transient or terminal, and what to do."""

from __future__ import annotations

import errno
import os

import duckdb

from connectors.base import ErrorKind
from connectors.registry import TableConfig
from connectors.staging import MEMORY_LIMIT

_STORAGE_ADVICE = {
    errno.ENOSPC: "free space on that disk (or move YIWANG_HOME or YIWANG_LANDING_DIR to a larger one)",
    errno.EDQUOT: "free space in the quota (or move YIWANG_HOME or YIWANG_LANDING_DIR)",
    errno.EROFS: "make the workspace writable (YIWANG_HOME, or YIWANG_LANDING_DIR and YIWANG_STATE_DIR)",
    errno.EACCES: "make the workspace writable (YIWANG_HOME, or YIWANG_LANDING_DIR and YIWANG_STATE_DIR)",
    errno.EPERM: "make the workspace writable (YIWANG_HOME, or YIWANG_LANDING_DIR and YIWANG_STATE_DIR)",
}


_SPACE = (errno.ENOSPC, errno.EDQUOT)  # space other runs free when they end: worth a later retry


def _storage_code(error: Exception) -> int | None:
    code = getattr(error, "errno", None)
    if code in _STORAGE_ADVICE:
        return code
    text = " ".join(str(error).split())  # DuckDB and Arrow pass the OS message on, not the errno
    return next((c for c in _STORAGE_ADVICE if os.strerror(c) in text), None)


def storage_kind(error: Exception) -> ErrorKind:
    """Whether a failed write may pass later: full disks and I/O hiccups may, a read-only or
    forbidden workspace, exhausted working memory and DuckDB's own (non-I/O) errors do not."""
    code = _storage_code(error)
    if code is not None:
        return "transient" if code in _SPACE else "terminal"
    if isinstance(error, duckdb.Error) and not isinstance(error, duckdb.IOException):
        return "terminal"  # includes OutOfMemoryException: the same data needs the same memory
    return "transient"


def storage_error(cfg: TableConfig, error: Exception) -> str:
    """One line for a failed write: what the OS said, where, and what to do."""
    text = " ".join(str(error).split())
    if isinstance(error, duckdb.OutOfMemoryException):
        return (
            f"{cfg.name}: staging ran out of DuckDB's {MEMORY_LIMIT} of working memory; nothing landed: look for "
            "an oversized value in the source (or raise connectors.staging.MEMORY_LIMIT), then run again"
        )
    code = _storage_code(error)
    if code is None:
        return f"{cfg.name}: {error.__class__.__name__}: {text[:300]}"
    where = getattr(error, "filename", None) or text[:200]
    return (
        f"{cfg.name}: {os.strerror(code).lower()} ({where}); nothing landed and the partial files were "
        f"removed: {_STORAGE_ADVICE[code]}, then run again"
    )
