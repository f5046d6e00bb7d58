"""The test hook that stops a run at a named point, so fault tests can kill it there."""

from __future__ import annotations

import os
import time
from pathlib import Path

FAULT_ENV = "YIWANG_CONNECTORS_FAULT"  # tests only: "pause:<point>:<marker file>"


def fault(point: str) -> None:
    """Test hook: with YIWANG_CONNECTORS_FAULT=pause:<point>:<marker>, stop here until killed."""
    spec = os.environ.get(FAULT_ENV, "")
    if not spec.startswith("pause:"):
        return
    _, wanted, marker = spec.split(":", 2)
    if wanted == point:
        Path(marker).write_text(point)
        while True:
            time.sleep(1)
