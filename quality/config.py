"""Gate configuration (tolerances, row actions, format columns): quality/config.yml, or the file
named by YIWANG_QUALITY_CONFIG."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_ENV = "YIWANG_QUALITY_CONFIG"


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or PACKAGE_DIR / "config.yml")


@cache
def _load(path: str) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def load_config() -> dict[str, Any]:
    return _load(str(config_path()))
