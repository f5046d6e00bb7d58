"""The import-layer contracts in pyproject.toml ([tool.importlinter]) hold for the tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_are_kept() -> None:
    done = lint_imports(ROOT / "pyproject.toml")
    report = done.stdout.partition("Broken contracts")[2] or done.stdout
    assert done.returncode == 0, report[-6000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_an_import_against_a_contract_breaks_it(tmp_path: Path) -> None:
    # the warehouse gate does import the suites: a contract forbidding it must be reported broken
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["quality", "yiwang", "connectors"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "planted"\ntype = "forbidden"\n'
        'source_modules = ["quality.warehouse_gate"]\nforbidden_modules = ["quality.suites"]\n',
        encoding="utf-8",
    )
    done = lint_imports(config)
    assert done.returncode != 0
    assert "planted BROKEN" in done.stdout and "quality.warehouse_gate -> quality.suites" in done.stdout
