"""tests/waiting.py: a wait ends on success, on no progress or at its cap, never on a busy clock."""

from __future__ import annotations

import itertools
import sys

import pytest
from waiting import load_factor, run, wait_for


def test_a_wait_that_progresses_outlives_its_budget() -> None:
    polls = itertools.count()
    steps = itertools.count()
    # 100 polls of 5 ms: longer than the 0.2 s budget, but every poll shows progress
    assert wait_for("a counter", lambda: next(polls) >= 100, 0.2, progress=lambda: next(steps), interval=0.005)


def test_no_progress_fails_with_what_was_awaited_and_the_last_sign() -> None:
    with pytest.raises(AssertionError, match=r"no progress in 0 s .* waiting for nothing; last seen: stuck"):
        wait_for("nothing", lambda: False, 0.1, progress=lambda: "stuck", interval=0.01)


def test_a_hang_that_looks_alive_fails_at_the_cap() -> None:
    steps = itertools.count()
    with pytest.raises(AssertionError, match="gave up after 0 min waiting for a heartbeat"):
        wait_for("a heartbeat", lambda: False, 60, progress=lambda: next(steps), interval=0.01, cap=0.2)


def test_run_returns_the_output_and_kills_a_silent_hang() -> None:
    done = run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], 60)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    with pytest.raises(AssertionError, match="no progress"):
        run([sys.executable, "-c", "import time; time.sleep(600)"], 0.5)


def test_the_load_factor_is_at_least_one() -> None:
    assert load_factor() >= 1
