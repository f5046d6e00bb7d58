"""The one reader of the resolver's settings files (yiwang/resolve/settings/*.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SETTINGS_DIR = Path(__file__).parent / "settings"


def read_settings(path: Path) -> dict[str, Any]:
    """The mapping in a settings file ({} when empty); each entity type checks its own keys."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML ({error})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a settings file holds a mapping, not {type(doc).__name__}")
    return doc
