"""The dbt docs site of each published version (数据字典): one static index.html with the catalog.

    generate(target, run_id) -> Path | None    after a publish: <warehouse>/dbt_docs/<run_id>/index.html
    docs_for(run_id) -> Path | None            the page of a version (the run report links it)
    prune(before)                              the pages of versions no longer kept

`dbt docs generate --static` against the published warehouse, read-only (DuckDB: a copy of
profiles.yml whose connection is `access_mode: READ_ONLY`, so no write lock is taken on the
file readers use; PostgreSQL: read-only transactions), with its own target folder so the build's
manifest and run results stay as they were. The catalog holds the column comments persist_docs
wrote (Chinese labels from schemas/). A failure never fails the publish: it is one warning.
YIWANG_DBT_DOCS=off skips it (see docs/report.md for its cost).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import yaml

from yiwang.settings import environment, workspace_dir
from yiwang.targets import Target

log = logging.getLogger("yiwang.warehouse")
DOCS_ENV = "YIWANG_DBT_DOCS"
PAGE = "index.html"


def enabled() -> bool:
    return os.environ.get(DOCS_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def docs_dir() -> Path:
    return workspace_dir("warehouse").resolve() / "dbt_docs"


def docs_for(run_id: str | None) -> Path | None:
    """The docs page of version `run_id`; None when that version has none."""
    page = docs_dir() / str(run_id) / PAGE if run_id else None
    return page if page is not None and page.is_file() else None


def _read_only_profiles(target: Target, folder: Path) -> Path:
    """profiles.yml of the project with the DuckDB connection opened read-only."""
    from yiwang.warehouse.build import project_dir

    profiles = yaml.safe_load((project_dir() / "profiles.yml").read_text(encoding="utf-8"))
    for profile in profiles.values():
        output = (profile.get("outputs") or {}).get(target.name)
        if output and output.get("type") == "duckdb":
            output["config_options"] = (output.get("config_options") or {}) | {"access_mode": "READ_ONLY"}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles, allow_unicode=True), encoding="utf-8")
    return folder


def generate(target: Target, run_id: str) -> Path | None:
    """The static docs page of the published version `run_id`; None when switched off or failed."""
    if not enabled():
        return None
    from dbt.cli.main import dbtRunner

    from yiwang.warehouse.build import _dbt_env, _release_duckdb, dbt_args

    started = time.monotonic()
    out = docs_dir() / run_id
    work = docs_dir() / f".work-{run_id}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        profiles = _read_only_profiles(target, work / "profiles")
    except (OSError, yaml.YAMLError) as error:
        log.warning("dbt docs for version %s not written: %s: %s", run_id, type(error).__name__, error)
        return None
    args = dbt_args(
        "docs generate", target, extra=["--static"], profiles_dir=profiles, work=work, file_log_level="warn"
    )
    env = _dbt_env(target) | {"PGOPTIONS": "-c default_transaction_read_only=on"}
    try:
        with environment(env):
            try:
                outcome = dbtRunner().invoke(args)
            finally:
                _release_duckdb()
        page = work / "target" / "static_index.html"
        if not outcome.success or not page.is_file():
            reason = outcome.exception or f"see {work / 'logs' / 'dbt.log'}"
            log.warning("dbt docs for version %s not written: %s", run_id, reason)
            return None
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".{PAGE}.tmp"
        shutil.copyfile(page, tmp)
        os.replace(tmp, out / PAGE)
    except Exception as error:  # the docs are a reading aid: the version is published either way
        log.warning("dbt docs for version %s not written: %s: %s", run_id, type(error).__name__, error)
        return None
    shutil.rmtree(work, ignore_errors=True)
    log.info("dbt docs of version %s: %s (%.1f s)", run_id, out / PAGE, time.monotonic() - started)
    return out / PAGE


def prune(before: str) -> list[str]:
    """Remove the docs of versions whose run id sorts before `before` (run ids are UTC times)."""
    removed = []
    root = docs_dir()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        name = folder.name.removeprefix(".work-")
        if folder.is_dir() and name < before:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
