"""Where yiwang keeps its data, from environment variables with the prefix YIWANG_.

One workspace (YIWANG_HOME, default ./var/yiwang) holds every stage's output:

    sources/    the simulated legacy platforms (only when you simulate)
    landing/    immutable Parquet batches with manifests (the raw layer)
    state/      extraction cursors and key indexes
    warehouse/  DuckDB warehouse files (candidate and published versions)
    quality/    gate results and data docs
    exports/    department data-sharing exports
    reports/    run reports

Every path can be moved on its own with YIWANG_<NAME>_DIR (for example YIWANG_LANDING_DIR).
See .env.example for the complete list; `yiwang` reads ./.env (or YIWANG_ENV_FILE) at start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ENV_PREFIX = "YIWANG_"
DEFAULT_HOME = Path("var") / "yiwang"
SUBDIRS = ("sources", "landing", "state", "warehouse", "quality", "exports", "reports", "review")


def home() -> Path:
    """The workspace root: YIWANG_HOME, else ./var/yiwang (relative to the working directory)."""
    return Path(os.environ.get(f"{ENV_PREFIX}HOME", DEFAULT_HOME))


def workspace_dir(name: str) -> Path:
    """A stage's folder: YIWANG_<NAME>_DIR when set, else YIWANG_HOME/<name>."""
    if name not in SUBDIRS:
        raise ValueError(f"unknown workspace folder {name!r}; known: {SUBDIRS}")
    override = os.environ.get(f"{ENV_PREFIX}{name.upper()}_DIR")
    return Path(override) if override else home() / name


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in os.environ for the block, then each variable as it was (or unset again)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


ENV_FILE_ENV = f"{ENV_PREFIX}ENV_FILE"


def load_env_file() -> Path | None:
    """Read YIWANG_ENV_FILE, else ./.env, into the environment without overriding what is set;
    the file read, or None. A named file that is missing is an error; a missing ./.env is not."""
    from dotenv import load_dotenv

    named = os.environ.get(ENV_FILE_ENV)
    path = Path(named) if named else Path(".env")
    if not path.is_file():
        if named:
            raise FileNotFoundError(f"{ENV_FILE_ENV}={named}: no such file")
        return None
    load_dotenv(path, override=False)
    return path


AIRFLOW_HOME_ENV = f"{ENV_PREFIX}AIRFLOW_HOME"


def airflow_home() -> Path:
    """Airflow's home for `yiwang run`: YIWANG_AIRFLOW_HOME, else <workspace>/airflow."""
    return Path(os.environ.get(AIRFLOW_HOME_ENV) or home() / "airflow").resolve()


TIMEZONE_ENV = f"{ENV_PREFIX}TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"  # the city's clock: what its staff read in reports and exports


def city_timezone():
    """The city's time zone (YIWANG_TIMEZONE, an IANA name; default Asia/Shanghai)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{TIMEZONE_ENV}={name!r} is not an IANA time zone (for example Asia/Shanghai)") from error


def local_time(moment=None) -> str:
    """`moment` (an aware datetime; naive means UTC; None means now) on the city's clock, one
    format everywhere people read it: 2026-12-02 11:16:20+08:00."""
    from datetime import UTC, datetime

    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(city_timezone()).isoformat(sep=" ", timespec="seconds")
