"""Options that several commands take, declared once so each reads and is spelt the same.

Kept light (typer only): every command module imports it, and `yiwang --help` imports them all.
"""

from __future__ import annotations

from typing import Annotated

import typer

from yiwang.targets import TARGETS

TargetOption = Annotated[
    str, typer.Option("--target", "-t", help=f"Warehouse: {' or '.join(TARGETS)}.", case_sensitive=False)
]
