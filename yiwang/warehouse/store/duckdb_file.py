"""DuckDB: the warehouse is one file; a candidate is a copy of it, publishing is one os.replace().

    <warehouse>/yiwang.duckdb               the published file readers open
    <warehouse>/candidates/<run_id>.duckdb  candidates (a copy of the published file: raw history,
                                            the resolver's previous keys and loaded batches carry over)
    <warehouse>/versions/<run_id>.duckdb    kept versions, listed in versions/index.json

Readers that opened the old file keep reading it, new readers see the new one, nobody sees a
half-built file. Failed candidates stay for inspection until the next run prunes them.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from yiwang.targets import Target, attach
from yiwang.warehouse.lock import lock_path, try_lock
from yiwang.warehouse.store import PublishError

VERSIONS = "versions"
CANDIDATES = "candidates"
INDEX = "index.json"


class DuckDBFileStore:
    def __init__(self, target: Target):
        self.target = target

    @property
    def versions_dir(self) -> Path:
        return self.target.duckdb_path.parent / VERSIONS

    def candidate(self, run_id: str) -> Target:
        return Target("duckdb", duckdb_path=self.target.duckdb_path.parent / CANDIDATES / f"{run_id}.duckdb")

    def run_id_of(self, candidate: Target) -> str:
        if not candidate.is_duckdb or candidate.duckdb_path.parent.name != CANDIDATES:
            raise PublishError(f"{candidate.describe()} is not a DuckDB candidate: make one with make_candidate()")
        return candidate.duckdb_path.name.removesuffix(".duckdb")

    def new_candidate(self, run_id: str) -> Target:
        candidate = self.candidate(run_id)
        candidate.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.target.duckdb_path.is_file():
                shutil.copyfile(self.target.duckdb_path, candidate.duckdb_path)
        except OSError as error:
            self.remove_candidate(candidate)
            if error.errno == errno.ENOSPC:
                from yiwang.warehouse.build import disk_full_message

                raise PublishError(disk_full_message(self.target, "copying the published warehouse")) from error
            raise
        return candidate

    def remove_candidate(self, candidate: Target) -> None:
        """Delete the candidate with its write-ahead log, temp folder and lock file."""
        path = candidate.duckdb_path
        for leftover in (
            path,
            path.with_name(path.name + ".wal"),
            path.with_name(path.name + ".tmp"),
            lock_path(candidate),
        ):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    def prune_candidates(self, keep: Target | None = None) -> list[str]:
        """Also removes copies a killed publish or rollback left half written. A build writing a
        candidate holds that candidate's own lock and is skipped."""
        folder = self.target.duckdb_path.parent / CANDIDATES
        removed = []
        if folder.is_dir():
            runs = {p.name.split(".duckdb", 1)[0] for p in folder.iterdir() if ".duckdb" in p.name}
            for run_id in sorted(runs):
                candidate = self.candidate(run_id)
                if (
                    keep is not None
                    and keep.is_duckdb
                    and keep.duckdb_path.resolve() == candidate.duckdb_path.resolve()
                ):
                    continue
                with try_lock(candidate) as idle:
                    if idle:
                        self.remove_candidate(candidate)
                        removed.append(run_id)
        self._publishing().unlink(missing_ok=True)
        kept = {Path(e["path"]).name for e in self.versions()}
        for partial in self.versions_dir.glob("*.duckdb") if self.versions_dir.is_dir() else []:
            if partial.name not in kept:  # copied before a crash, never entered in the index
                partial.unlink(missing_ok=True)
        return removed

    def unusable(self, candidate: Target) -> str | None:
        if not candidate.duckdb_path.is_file():  # never create an empty warehouse to audit
            return f"FileNotFoundError: no candidate warehouse at {candidate.duckdb_path}"
        return None

    def write_manifest(self, candidate: Target, run_id: str, gate_ok: bool, checks: list, build_summary: dict) -> None:
        con = attach(candidate, "cand")
        try:
            con.execute("create schema if not exists cand.quality")
            con.execute(
                "create table if not exists cand.quality.published_versions (run_id varchar, "
                "published_at timestamptz, source_batches json, gate_ok boolean, gate_results json, build_summary json)"
            )
            batches = con.execute(
                "select to_json(list(struct_pack(platform, table_name, run_id, rows))) from cand.raw._loaded_batches"
            ).fetchone()[0]
            con.execute(
                "insert into cand.quality.published_versions values (?, now(), ?, ?, ?, ?)",
                [
                    run_id,
                    batches,
                    gate_ok,
                    json.dumps(checks, ensure_ascii=False, default=str),
                    json.dumps(build_summary, default=str),
                ],
            )
        finally:
            con.close()

    def swap_in(self, candidate: Target, run_id: str, notes: dict | None = None) -> str:
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        version = self.versions_dir / f"{run_id}.duckdb"
        shutil.copyfile(candidate.duckdb_path, version)
        os.replace(candidate.duckdb_path, self.target.duckdb_path)  # publish: one atomic rename
        entries = [{**e, "current": False} for e in self.versions() if e["run_id"] != run_id]
        entries.append(
            {
                "run_id": run_id,
                "published_at": datetime.now(UTC).isoformat(),
                "path": str(version),
                "current": True,
                **(notes or {}),
            }
        )
        self._write_index(entries)
        return str(version)

    def prune_versions(self, keep: int) -> None:
        entries = self.versions()
        for old in entries[:-keep]:
            Path(old["path"]).unlink(missing_ok=True)
        self._write_index(entries[-keep:])

    def versions(self) -> list[dict]:
        path = self.versions_dir / INDEX
        return json.loads(path.read_text()) if path.is_file() else []

    def rollback(self, chosen: dict) -> dict:
        tmp = self._publishing()
        shutil.copyfile(Path(chosen["path"]), tmp)  # copy next to the published file, fsync, rename
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.target.duckdb_path)
        self._write_index([{**e, "current": e["run_id"] == chosen["run_id"]} for e in self.versions()])
        return {**chosen, "current": True}

    def no_versions(self) -> str:
        return f"no published versions under {self.versions_dir}"

    def _publishing(self) -> Path:
        return self.target.duckdb_path.with_name(f".{self.target.duckdb_path.name}.publishing")

    def _write_index(self, entries: list[dict]) -> None:
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.versions_dir / f".{INDEX}.tmp"
        tmp.write_text(json.dumps(entries, indent=2))
        os.replace(tmp, self.versions_dir / INDEX)
