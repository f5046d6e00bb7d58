"""The demo's closing commands run as printed: the workspace is set for every one of them."""

from __future__ import annotations

import subprocess

from yiwang.demo import next_steps


def test_the_next_commands_name_the_workspace_for_each_step(tmp_path):
    home = tmp_path / "my demo"
    text = next_steps(home, persons=300)
    export = next(line.strip() for line in text.splitlines() if line.strip().startswith("export "))
    # the printed export line, run by a shell, sets YIWANG_HOME to the absolute workspace
    shown = subprocess.run(["bash", "-c", f'{export}; echo "$YIWANG_HOME"'], capture_output=True, text=True)
    assert shown.stdout.strip() == str(home)
    assert "uv run yiwang simulate --day 2 --persons 300 && uv run yiwang run" in text
