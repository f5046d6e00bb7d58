"""yiwang run's task log files: Airflow's JSON lines at Airflow's path, the console unchanged."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from yiwang.orchestrate.task_logs import TASK_LOG_DIR_ENV, task_log_file

TI = SimpleNamespace(dag_id="yiwang_extract_hotline", run_id="manual__2026-12-02T10:00:00+00:00", task_id="extract")


def _ti(try_number: int = 1, map_index: int = -1) -> SimpleNamespace:
    return SimpleNamespace(**vars(TI), try_number=try_number, map_index=map_index)


def test_records_go_to_airflows_path_and_only_what_the_console_showed_goes_on(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(TASK_LOG_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("YIWANG_TIMEZONE", "Asia/Shanghai")
    own = logging.getLogger("yiwang")
    monkeypatch.setattr(own, "level", logging.WARNING)
    caplog.set_level(logging.DEBUG)  # caplog's handler stands for the console; it would take an INFO line
    with task_log_file(_ti(try_number=2)) as path:
        logging.getLogger("yiwang.orchestrate").info("hotline.t_gd_workorder: ok %s", {"landed": 3})
        logging.getLogger("quality.gate").warning("landing gate: 1 check failed")
        logging.getLogger("splink").warning("a library's note")  # not ours: not in the file
    expected = tmp_path / f"dag_id={TI.dag_id}" / f"run_id={TI.run_id}" / "task_id=extract" / "attempt=2.log"
    assert path == expected
    lines = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    assert [(line["level"], line["logger"]) for line in lines] == [
        ("info", "yiwang.orchestrate"),
        ("warning", "quality.gate"),
    ]
    assert lines[0]["event"] == "hotline.t_gd_workorder: ok {'landed': 3}"
    assert lines[0]["timestamp"].endswith("+08:00")
    console = [r.getMessage() for r in caplog.records]
    assert "landing gate: 1 check failed" in console and not any("t_gd_workorder" in m for m in console)
    assert own.level == logging.WARNING and own.propagate and not own.handlers  # as it was


def test_a_failed_task_ends_its_log_with_the_error_and_a_mapped_task_has_its_index(tmp_path, monkeypatch):
    monkeypatch.setenv(TASK_LOG_DIR_ENV, str(tmp_path))
    with pytest.raises(RuntimeError), task_log_file(_ti(map_index=3)) as path:
        raise RuntimeError("warehouse marts failed: model dim_person")
    assert path.parent.name == "map_index=3"
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["level"] == "error" and "RuntimeError: warehouse marts failed" in last["event"]


def test_nothing_is_written_outside_yiwang_run(tmp_path, monkeypatch):
    monkeypatch.delenv(TASK_LOG_DIR_ENV, raising=False)
    with task_log_file(_ti()) as path:
        logging.getLogger("yiwang.orchestrate").warning("under a real scheduler")
    assert path is None and not any(tmp_path.iterdir())
