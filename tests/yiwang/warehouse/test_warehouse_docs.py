"""docs/warehouse.md: every `yiwang` command it shows parses with the real command line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer

from yiwang.cli import app

DOC = Path(__file__).resolve().parents[3] / "docs" / "warehouse.md"


def _documented_commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().rstrip("&").strip()
            if line.startswith("uv run yiwang "):
                commands.append(shlex.split(line)[3:])
    return commands


def _parse(command, name: str, args: list[str]) -> None:
    """Parse like the real command line would; raises on an unknown command, option or value."""
    ctx = command.make_context(name, list(args))
    if hasattr(command, "get_command"):  # a group (typer ships its own click)
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if rest:
            sub = command.get_command(ctx, rest[0])
            assert sub is not None, f"no command {rest[0]!r}"
            _parse(sub, rest[0], rest[1:])


def test_the_documented_commands_parse() -> None:
    commands = _documented_commands()
    assert any(c[:1] == ["build"] for c in commands)
    for args in commands:
        _parse(typer.main.get_command(app), "yiwang", args)
