"""Waiting in tests without failing because the machine is busy.

A wait fails when nothing has progressed for `budget` seconds of a quiet machine (wall time is
counted at the speed the machine runs now: divided by the load per CPU), or at the overall cap
(YIWANG_TEST_WAIT_CAP seconds, default 45 min) for a hang that still looks alive. Progress is
whatever the caller can observe: task states, a log's size, a row count.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
CAP_SECONDS = float(os.environ.get("YIWANG_TEST_WAIT_CAP", 45 * 60))


def load_factor() -> float:
    """How many times slower than a quiet machine this one runs now (at least 1)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1.0, os.getloadavg()[0] / cpus)


def wait_for(
    what: str,
    check: Callable[[], T],
    budget: float,
    *,
    progress: Callable[[], Any] | None = None,
    interval: float = 1.0,
    cap: float | None = None,
    started: float | None = None,
) -> T:
    """Poll `check` until it returns something truthy and return that. `budget` is the quiet
    machine's seconds without progress; `started` (a time.monotonic()) shares one cap between waits."""
    cap = CAP_SECONDS if cap is None else cap
    started = time.monotonic() if started is None else started
    last = time.monotonic()
    idle = 0.0
    seen = progress() if progress else None
    while True:
        value = check()
        if value:
            return value
        time.sleep(interval)
        now = time.monotonic()
        idle += (now - last) / load_factor()
        last = now
        if progress is not None:
            current = progress()
            if current != seen:
                seen, idle = current, 0.0
        if idle > budget:
            raise AssertionError(
                f"no progress in {budget:.0f} s (load-adjusted) waiting for {what}; last seen: {str(seen)[:500]}"
            )
        if now - started > cap:
            raise AssertionError(f"gave up after {cap / 60:.0f} min waiting for {what}")


def wait_exit(process: subprocess.Popen, budget: float, *, progress: Callable[[], Any] | None = None) -> int:
    """`process.wait()` with a load-adjusted budget (and progress, when the caller has a sign)."""
    wait_for(f"{process.args!r} to exit", lambda: process.poll() is not None, budget, progress=progress, interval=0.2)
    return process.returncode


def run(args: list[str], budget: float, **popen: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(args, capture_output=True, text=True)` whose timeout is `budget` quiet-machine
    seconds without new output (the output so far is the progress sign); a process left over is killed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, stdout=out, stderr=err, text=True, **popen)
        output = (out.fileno(), err.fileno())
        try:
            wait_exit(process, budget, progress=lambda: tuple(os.fstat(f).st_size for f in output))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(args, process.returncode, out.read(), err.read())


def file_size(path: os.PathLike | str) -> int:
    """A log's size as a progress sign (0 while it does not exist)."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
