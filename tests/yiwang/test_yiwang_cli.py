"""`yiwang`'s help: light to start (no heavy library imported for any `--help`), every default
shown, the same `-t/--target` on every command that takes a warehouse."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from yiwang.cli import app

# what a command imports when it runs, never for its help (each costs seconds of CPU)
HEAVY = ("great_expectations", "splink", "dbt", "airflow", "pyspark", "pandas")
BUILT_IN = {"help", "install_completion", "show_completion"}

PROBE = r"""
import json, sys
from importlib.metadata import entry_points
from typer.testing import CliRunner

app = entry_points(group="console_scripts")["yiwang"].load()  # what the `yiwang` script runs
heavy = json.loads(sys.argv[1])
loaded = {}
for path in json.loads(sys.argv[2]):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output)
    new = sorted(h for h in heavy if h in sys.modules and h not in {m for ms in loaded.values() for m in ms})
    loaded[" ".join(["yiwang", *path])] = new
print(json.dumps(loaded))
"""


def commands(command=None, path: tuple[str, ...] = ()):
    """(path, click command) for the root and every command and sub-command."""
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def params(command):
    return [p for p in command.params if p.name not in BUILT_IN]


def rendered_help(path: tuple[str, ...]) -> str:
    """The help as a wide terminal shows it, box drawing removed and spaces collapsed."""
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"})
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def test_no_help_imports_a_heavy_library() -> None:
    paths = [list(path) for path, _ in commands()]
    assert len(paths) > 10
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), json.dumps(paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout)
    assert set(loaded) == {" ".join(["yiwang", *p]) for p in paths}
    assert {command: heavy for command, heavy in loaded.items() if heavy} == {}


def _shows_a_default(param) -> bool:
    if param.required:
        return False
    if isinstance(param.show_default, str):
        return True
    if getattr(param, "is_flag", False) and not param.secondary_opts and param.default is False:
        return False  # a plain on-switch: off unless given
    return param.default is not None


@pytest.mark.parametrize("path", [path for path, _ in commands()], ids=lambda p: " ".join(["yiwang", *p]))
def test_every_default_is_shown(path: tuple[str, ...]) -> None:
    command = dict(commands())[path]
    shown = rendered_help(path)
    for param in params(command):
        assert param.help, f"{param.name}: no help text"
        text = " ".join(param.help.split())
        # a default goes in show_default, where typer prints it; written into the help text,
        # rich took "[default: ...]" for markup and ate it
        assert "default" not in text.lower(), f"{param.name}: declare the default with show_default"
        if _shows_a_default(param):
            assert f"{text} [default: " in shown, f"{param.name}: {text!r} without its default in {shown}"
        else:
            assert text in shown, f"{param.name}: {text!r} not shown whole in {shown}"


def test_target_is_the_same_option_everywhere() -> None:
    targets = {
        " ".join(path): param for path, command in commands() for param in params(command) if param.name == "target"
    }
    assert {"build", "resolve", "evaluate", "check", "publish", "rollback", "quarantine", "share", "report"} <= set(
        targets
    )
    assert {name: sorted(p.opts) for name, p in targets.items()} == {name: ["--target", "-t"] for name in targets}
    assert {p.help for p in targets.values()} == {"Warehouse: duckdb or postgres."}
    assert {p.default for p in targets.values()} == {"duckdb"}
