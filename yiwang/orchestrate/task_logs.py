"""Task log files for `yiwang run`, where Airflow's UI reads them (任务日志).

`dag.test()` runs every task in-process and writes no per-task log file, so a task run by
`yiwang run` would show an empty log in the UI. While a task runs, `task_log_file(ti)` writes our
own loggers' records (yiwang.*, quality.*, connectors.*, dags.*: never a library's, which might
echo rows) as the JSON lines Airflow 3's task supervisor writes ({"timestamp", "event", "level",
"logger"}), at Airflow's default `log_filename_template` under the base log folder:

    <AIRFLOW_HOME>/logs/dag_id=<dag>/run_id=<run>/task_id=<task>/[map_index=<i>/]attempt=<try>.log

Only when YIWANG_TASK_LOG_DIR is set (`yiwang run` sets it): under a real scheduler the task
supervisor writes that file itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

TASK_LOG_DIR_ENV = "YIWANG_TASK_LOG_DIR"
OWN_LOGGERS = ("yiwang", "quality", "connectors", "dags")


def log_path(base: Path, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> Path:
    """Airflow's default log_filename_template, rendered (config_templates/config.yml)."""
    folder = base / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    if map_index >= 0:
        folder = folder / f"map_index={map_index}"
    return folder / f"attempt={try_number}.log"


class JsonLinesHandler(logging.Handler):
    """One JSON object a line, as Airflow's FileTaskHandler parses it (StructuredLogMessage);
    times on the city's clock. A record at or above the level its namespace had before
    (`forward_levels`) goes on to the root handlers, so the console shows what it showed before."""

    def __init__(self, path: Path, forward_levels: dict[str, int]) -> None:
        super().__init__(logging.INFO)
        from yiwang.settings import city_timezone

        self.zone = city_timezone()
        self.forward_levels = forward_levels
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = path.open("a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        self.write(record)
        if record.levelno >= self.forward_levels.get(record.name.split(".")[0], logging.WARNING):
            logging.getLogger().handle(record)

    def write(self, record: logging.LogRecord) -> None:
        try:
            event = record.getMessage()
            if record.exc_info:
                event += "\n" + logging.Formatter().formatException(record.exc_info)
            line = {
                "timestamp": datetime.fromtimestamp(record.created, self.zone).isoformat(timespec="microseconds"),
                "event": event,
                "level": record.levelname.lower(),
                "logger": record.name,
            }
            self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.stream.flush()
        except Exception:  # a log line must never fail the task
            self.handleError(record)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stream.close()
        super().close()


@contextlib.contextmanager
def task_log_file(ti) -> Iterator[Path | None]:
    """Our loggers' records into the task's log file while the block runs (see the module
    docstring); yields the path, or None when YIWANG_TASK_LOG_DIR is unset."""
    base = os.environ.get(TASK_LOG_DIR_ENV)
    if not base:
        yield None
        return
    path = log_path(
        Path(base), ti.dag_id, ti.run_id, ti.task_id, int(ti.try_number or 1), int(getattr(ti, "map_index", -1))
    )
    loggers = [logging.getLogger(name) for name in OWN_LOGGERS]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    # the console keeps its level: records below it reach only the file
    handler = JsonLinesHandler(path, {lg.name: lg.getEffectiveLevel() for lg in loggers})
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
        lg.propagate = False  # the handler forwards what the console showed
    try:
        yield path
    except BaseException as error:
        # the file only: the failure callback already puts the error on the console
        skipped = type(error).__name__ == "AirflowSkipException"
        handler.write(
            logging.LogRecord(
                "yiwang.orchestrate",
                logging.INFO if skipped else logging.ERROR,
                __file__,
                0,
                "task %s: %s: %s",
                ("skipped" if skipped else "failed", type(error).__name__, str(error)[:1000]),
                None,
            )
        )
        raise
    finally:
        for lg, (level, propagate) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
        handler.close()
