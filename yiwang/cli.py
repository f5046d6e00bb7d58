"""The `yiwang` command line. Each command is thin: it parses options and calls a step.

Commands follow the pipeline: simulate → extract → build → resolve → check → publish → share → report.
"""

from __future__ import annotations

import typer

from connectors.cli import extract_command
from yiwang import simulate as simulate_step

app = typer.Typer(
    name="yiwang",
    help="yiwang (一网): break the data chimneys (数据烟囱) of a city's governance platforms.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

app.add_typer(simulate_step.cli, name="simulate")
app.command("extract")(extract_command)


if __name__ == "__main__":
    app()
