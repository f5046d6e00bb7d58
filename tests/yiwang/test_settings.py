"""The city's clock (one format with the offset, YIWANG_TIMEZONE) and the .env file every command reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from yiwang.settings import load_env_file, local_time


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


def test_dot_env_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from yiwang.cli import app

    (tmp_path / ".env").write_text("YIWANG_TIMEZONE=Asia/Urumqi\nYIWANG_HOME=from-dot-env\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YIWANG_TIMEZONE", "recorded")  # so the teardown removes what .env sets
    monkeypatch.delenv("YIWANG_TIMEZONE")
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path / "from-environment"))
    monkeypatch.delenv("YIWANG_ENV_FILE", raising=False)
    result = CliRunner().invoke(app, ["doctor", "--json"])
    found = {f["check"]: f for f in json.loads(result.output)}
    assert found["time zone (YIWANG_TIMEZONE)"]["detail"] == "Asia/Urumqi"
    assert found["workspace (YIWANG_HOME)"]["detail"] == str(tmp_path / "from-environment")


def test_a_named_env_file_that_is_missing_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_ENV_FILE", str(tmp_path / "nope.env"))
    with pytest.raises(FileNotFoundError, match="YIWANG_ENV_FILE"):
        load_env_file()
