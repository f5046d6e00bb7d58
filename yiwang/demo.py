"""`yiwang demo`: the whole pipeline on embedded defaults, for a newcomer's first run.

It simulates a tiny city (about 2,000 people) into a fresh workspace, then runs the pipeline's
Airflow DAGs end to end in this process (`yiwang run`: extract per platform, landing gate,
warehouse build with entity resolution, warehouse gate, publish, sharing and the report) and
prints the run's summary. No server is needed: Airflow's metadata is a SQLite file in the
workspace (<out>/airflow).
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import tempfile
from pathlib import Path

from rich.console import Console

from yiwang.orchestrate.local_run import main as run_pipeline
from yiwang.settings import SUBDIRS, workspace_dir
from yiwang.share.config import load_departments
from yiwang.share.masking import KEY_ENV_PREFIX
from yiwang.simulate import simulate


def run_demo(home: Path, console: Console, persons: int | None = None) -> bool:
    """Fresh demo workspace at `home`: simulate, then `yiwang run`. True when every DAG succeeded."""
    home = Path(home).resolve()  # every path the demo prints is absolute
    os.environ["YIWANG_HOME"] = str(home)
    for name in SUBDIRS:
        os.environ.pop(f"YIWANG_{name.upper()}_DIR", None)
        shutil.rmtree(workspace_dir(name), ignore_errors=True)
    shutil.rmtree(Path(home) / "airflow", ignore_errors=True)
    # the wiped workspace's audit log starts a new chain: its key and heads are the demo's own, kept
    # outside the workspace (a real deployment keeps one YIWANG_AUDIT_DIR for good)
    os.environ.setdefault("YIWANG_AUDIT_DIR", tempfile.mkdtemp(prefix="yiwang-demo-audit-"))
    console.rule("[bold]1. simulate the legacy platforms (仿真四个平台)")
    with console.status("simulating a tiny city (绍兴市)…"):
        result = simulate(workspace_dir("sources"), scale="tiny", persons=persons)
    console.print(f"{result.persons:,} people; {sum(result.rows.values()):,} source rows in {result.seconds:.1f} s")
    for platform, where in result.stores.items():
        console.print(f"  {platform}: {where}")
    _demo_share_keys(console)
    console.rule("[bold]2. run the pipeline's Airflow DAGs (yiwang run)")
    ok = run_pipeline(console)
    console.print(next_steps(home, persons), soft_wrap=True)
    return ok


def next_steps(home: Path, persons: int | None = None) -> str:
    """The commands that land and publish a day of changes on this workspace, complete."""
    scale = f" --persons {persons}" if persons else ""
    return (
        "Next: land and publish a day of changes (当日增量):\n"
        f"  export YIWANG_HOME={shlex.quote(str(home))}\n"
        f"  uv run yiwang simulate --day 2{scale} && uv run yiwang run\n"
        "docs/airflow.md runs the same DAGs on a real Airflow."
    )


def _demo_share_keys(console: Console) -> None:
    """Per-department pseudonym keys for this demo run only (YIWANG_SHARE_KEY_<DEPARTMENT>),
    where none is set: the demo's exports then show keyed pseudonyms. A real deployment sets its
    own secrets (docs/sharing.md); these are random, never written down."""
    made = []
    for department in load_departments():
        variable = KEY_ENV_PREFIX + department.upper()
        if not os.environ.get(variable):
            os.environ[variable] = secrets.token_urlsafe(24)
            made.append(department)
    if made:
        console.print(f"demo pseudonym keys made for {', '.join(made)} (random, this run only)")
