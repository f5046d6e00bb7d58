"""One writer per warehouse: a build (raw load + dbt) holds the warehouse lock from start to end.

DuckDB allows one writing process per file, so two builds must never write the same file at
once. For a DuckDB target the lock is an exclusive flock on `<file>.lock` (released by the
kernel if the process dies); for PostgreSQL it is a session advisory lock in the warehouse
database. A second build waits up to `wait_seconds`, then fails naming the holder.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg

from yiwang.targets import Target

POLL_SECONDS = 0.2


class WarehouseBusy(RuntimeError):
    """Another process is writing the warehouse."""


def lock_path(target: Target):
    return target.duckdb_path.with_name(target.duckdb_path.name + ".lock")


def _advisory_key(target: Target) -> int:
    digest = hashlib.sha256(f"yiwang-warehouse:{target.lock_key()}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def try_lock(target: Target) -> Iterator[bool]:
    """DuckDB: take the warehouse's lock if nobody holds it; yields whether it was taken.

    How a sweep tells a candidate that a build is writing from one whose builder died (the
    kernel released a dead holder's flock)."""
    if not target.is_duckdb:
        raise ValueError("try_lock is for DuckDB files; PostgreSQL candidates are swept under the warehouse lock")
    path = lock_path(target)
    if not path.parent.is_dir():
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def warehouse_lock(target: Target, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the warehouse's write lock for the duration of the block."""
    deadline = time.monotonic() + max(wait_seconds, 0)
    if target.is_duckdb:
        path = lock_path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 200, 0).decode(errors="backslashreplace").strip() or "unknown"
                        raise WarehouseBusy(
                            f"another build is writing {target.describe()} (holder: {holder}); "
                            "wait for it or pass a longer --wait"
                        ) from None
                    time.sleep(POLL_SECONDS)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}".encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        return
    key = _advisory_key(target)
    with psycopg.connect(target.postgres_conninfo(), autocommit=True) as conn:
        while not conn.execute("select pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"another build is writing {target.describe()}; wait for it or pass a longer --wait"
                )
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            conn.execute("select pg_advisory_unlock(%s)", [key])
