"""The city's clock: one format with the offset, configurable through YIWANG_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yiwang.settings import local_time


def test_times_people_read_are_on_the_citys_clock_with_the_offset(monkeypatch):
    monkeypatch.delenv("YIWANG_TIMEZONE", raising=False)
    moment = datetime(2026, 12, 2, 3, 16, 20, 927140, tzinfo=UTC)
    assert local_time(moment) == "2026-12-02 11:16:20+08:00"
    assert local_time(moment.replace(tzinfo=None)) == "2026-12-02 11:16:20+08:00"  # naive is UTC
    monkeypatch.setenv("YIWANG_TIMEZONE", "Asia/Urumqi")
    assert local_time(moment) == "2026-12-02 09:16:20+06:00"


def test_an_unknown_time_zone_is_refused_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("YIWANG_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="YIWANG_TIMEZONE='Mars/Olympus' is not an IANA time zone"):
        local_time()
