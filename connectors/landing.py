"""The landing zone (raw layer): immutable Parquet batches, each committed by its manifest.

Layout under `workspace_dir("landing")`:

    <platform>/<table>/<run_id>/part-00000.parquet   landed rows with lineage columns
    <platform>/<table>/<run_id>/_manifest.json       written last: the commit marker
    _quarantine/<platform>/<table>/<run_id>/part-00000.parquet   rows that failed, with reasons
    _held/<platform>/<table>/<run_id>/_manifest.json   a run held on schema drift: nothing landed
    _staging/<run_id>/<platform>/<table>/...         work in progress; readers never look here

A batch exists for readers only once its `_manifest.json` does. Files are written in staging,
fsynced, moved into place with a rename, and the manifest goes last through a temporary name and
os.replace. Anything without a manifest is debris from a crash, removed by the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from yiwang.settings import workspace_dir

MANIFEST = "_manifest.json"
MANIFEST_VERSION = 1
LINEAGE_COLUMNS = (
    "_yw_platform",
    "_yw_table",
    "_yw_run_id",
    "_yw_extracted_at",
    "_yw_row_hash",
    "_yw_op",
)
QUARANTINE_COLUMNS = ("_yw_reason", "_yw_column", "_yw_raw_value", "_yw_record", "_yw_key_status", "_yw_key")


def landing_root() -> Path:
    return workspace_dir("landing")


def batch_dir(platform: str, table: str, run_id: str, root: Path | None = None) -> Path:
    return (root or landing_root()) / platform / table / run_id


def quarantine_dir(platform: str, table: str, run_id: str, root: Path | None = None) -> Path:
    return (root or landing_root()) / "_quarantine" / platform / table / run_id


def held_dir(platform: str, table: str, run_id: str, root: Path | None = None) -> Path:
    return (root or landing_root()) / "_held" / platform / table / run_id


def staging_dir(platform: str, table: str, run_id: str, root: Path | None = None) -> Path:
    return (root or landing_root()) / "_staging" / run_id / platform / table


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (so a rename inside it is durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, doc: Any) -> None:
    """Write JSON through a temporary name, fsync, os.replace, fsync the folder."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2, sort_keys=False, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


@dataclass(frozen=True)
class Batch:
    """A committed batch: its folder and manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]

    @property
    def files(self) -> list[Path]:
        return [self.path / f["path"] for f in self.manifest["files"]]

    @property
    def quarantine_files(self) -> list[Path]:
        q = self.manifest.get("quarantine") or {}
        return [self.path / f["path"] for f in q.get("files", [])]


def committed_batches(platform: str, table: str, root: Path | None = None) -> list[Batch]:
    """Committed batches of one table, oldest first (run ids sort by time)."""
    base = (root or landing_root()) / platform / table
    batches = []
    if base.is_dir():
        for run in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            manifest = run / MANIFEST
            if manifest.is_file():
                batches.append(Batch(run, json.loads(manifest.read_text(encoding="utf-8"))))
    return batches


def write_held(platform: str, table: str, run_id: str, manifest: dict[str, Any], root: Path | None = None) -> Batch:
    """Record a held run (status held, its reason, no files); readers of batches never see it."""
    folder = held_dir(platform, table, run_id, root)
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / MANIFEST, manifest)
    return Batch(folder, manifest)


def held_batches(platform: str, table: str, root: Path | None = None) -> list[Batch]:
    """Held runs of one table, oldest first (a run id sorts by time)."""
    base = (root or landing_root()) / "_held" / platform / table
    if not base.is_dir():
        return []
    manifests = sorted(p / MANIFEST for p in base.iterdir() if (p / MANIFEST).is_file())
    return [Batch(m.parent, json.loads(m.read_text(encoding="utf-8"))) for m in manifests]


def read_landed(platform: str, table: str, root: Path | None = None, quarantine: bool = False) -> pa.Table | None:
    """Every committed row of a table (or its quarantine), in run order; None when there is none."""
    files: list[Path] = []
    for batch in committed_batches(platform, table, root):
        files += batch.quarantine_files if quarantine else batch.files
    if not files:
        return None
    return ds.dataset([str(f) for f in files], format="parquet").to_table()


def iter_committed_files(root: Path | None = None) -> Iterator[Path]:
    """Every Parquet file of every committed batch (for readers that glob the whole zone)."""
    root = root or landing_root()
    for manifest in sorted(root.glob(f"*/*/*/{MANIFEST}")):
        batch = Batch(manifest.parent, json.loads(manifest.read_text(encoding="utf-8")))
        yield from batch.files


def remove_debris(platform: str, table: str, root: Path | None = None) -> list[Path]:
    """Remove what a crashed run of this table left: staging, and batch folders with no manifest.

    Call only while holding the table's lock (see connectors.state.TableLock).
    """
    root = root or landing_root()
    removed = []
    staging = root / "_staging"
    if staging.is_dir():
        for run in staging.iterdir():
            target = run / platform / table
            if target.exists():
                shutil.rmtree(target)
                removed.append(target)
            for empty in (run / platform, run):
                try:
                    empty.rmdir()
                except OSError:
                    pass
    for base in (root / platform / table, root / "_quarantine" / platform / table):
        if not base.is_dir():
            continue
        for run in base.iterdir():
            if not run.is_dir():
                continue
            committed = (root / platform / table / run.name / MANIFEST).is_file()
            if not committed:
                shutil.rmtree(run)
                removed.append(run)
    return removed


def commit(
    staging: Path,
    platform: str,
    table: str,
    run_id: str,
    manifest: dict[str, Any],
    root: Path | None = None,
    fault=None,
) -> Batch:
    """Move a staged batch into place and write its manifest last (the commit)."""
    root = root or landing_root()
    data_stage, quarantine_stage = staging / "data", staging / "quarantine"
    for folder in (data_stage, quarantine_stage):
        folder.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            fsync_path(f)
        fsync_path(folder)
    final = batch_dir(platform, table, run_id, root)
    final.parent.mkdir(parents=True, exist_ok=True)
    if any(quarantine_stage.iterdir()):
        qfinal = quarantine_dir(platform, table, run_id, root)
        qfinal.parent.mkdir(parents=True, exist_ok=True)
        os.rename(quarantine_stage, qfinal)
        fsync_path(qfinal.parent)
    os.rename(data_stage, final)
    fsync_path(final.parent)
    if fault:
        fault("renamed")
    manifest = dict(manifest, committed=True)
    write_json_atomic(final / MANIFEST, manifest)
    shutil.rmtree(staging, ignore_errors=True)
    for empty in (staging.parent, staging.parent.parent):  # _staging/<run_id>/<platform>
        try:
            empty.rmdir()
        except OSError:
            break
    return Batch(final, manifest)
