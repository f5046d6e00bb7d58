"""The `yiwang` command line. Each command is thin: it parses options and calls a step.

Commands follow the pipeline: simulate → extract → build → resolve → check → publish → share → report.
"""

from __future__ import annotations

from pathlib import Path

import typer

from connectors.cli import extract_command
from quality.cli import check_command, quarantine_command
from yiwang.doctor import doctor_command
from yiwang.logs import quiet_libraries
from yiwang.orchestrate.cli import airflow_command, run_command, runs_command
from yiwang.report.cli import report_command
from yiwang.resolve.cli import evaluate_command, link_command, review_cli
from yiwang.settings import load_env_file
from yiwang.share.cli import share_command
from yiwang.simulate.command import cli as simulate_cli
from yiwang.warehouse.cli import build_command, publish_command, resolve_command, rollback_command

app = typer.Typer(
    name="yiwang",
    help="yiwang (一网): break the data chimneys (数据烟囱) of a city's governance platforms.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _setup() -> None:
    """Every command reads ./.env (what the environment sets wins) and prints only our own
    warnings (YIWANG_VERBOSE=1: all)."""
    load_env_file()
    quiet_libraries()


app.add_typer(simulate_cli, name="simulate")
app.command("extract")(extract_command)
app.command("build")(build_command)
app.command("resolve")(resolve_command)
app.command("evaluate")(evaluate_command)
app.command("link")(link_command)
app.add_typer(review_cli, name="review")
app.command("run")(run_command)
app.command("runs")(runs_command)
app.command("airflow")(airflow_command)
app.command("check")(check_command)
app.command("publish")(publish_command)
app.command("rollback")(rollback_command)
app.command("quarantine")(quarantine_command)
app.command("share")(share_command)
app.command("report")(report_command)
app.command("doctor")(doctor_command)


@app.command()
def demo(
    out: Path = typer.Option(Path("var/demo"), help="Demo workspace (YIWANG_HOME); wiped and rebuilt."),
    persons: int | None = typer.Option(None, help="People in the simulated city.", show_default="tiny, about 2,000"),
) -> None:
    """Run the pipeline end to end on embedded defaults (no server needed): what `make demo` runs."""
    from rich.console import Console

    from yiwang.demo import run_demo

    if not run_demo(out, Console(), persons):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
