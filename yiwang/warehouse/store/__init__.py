"""Where write-audit-publish keeps candidates and versions: one small store class per engine.

    store = store_for(target)          # DuckDBFileStore or PostgresSchemaStore
    candidate = store.new_candidate(run_id)
    ... build and audit the candidate ...
    store.write_manifest(candidate, run_id, gate_ok, checks, build_summary)
    store.swap_in(candidate, run_id)   # atomic: readers see the old version or the new one
    store.prune_versions(keep); store.versions(); store.rollback(run_id)

The flow over a store is yiwang/warehouse/publish.py; a new engine is one new class here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from yiwang.targets import Target


class PublishError(RuntimeError):
    """Publish or rollback cannot proceed (unsupported target, unknown version)."""


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


class WarehouseStore(Protocol):
    """Candidates, the published version and the kept versions of one warehouse target."""

    target: Target

    def candidate(self, run_id: str) -> Target:
        """Where run `run_id` builds before the gate (not created)."""

    def run_id_of(self, candidate: Target) -> str:
        """The run id a candidate of this store was made for (PublishError for anything else)."""

    def new_candidate(self, run_id: str) -> Target:
        """A candidate made from what is published; the caller holds the warehouse lock."""

    def remove_candidate(self, candidate: Target) -> None: ...

    def prune_candidates(self, keep: Target | None = None) -> list[str]:
        """Remove the candidates no build is writing (never `keep`); the run ids removed."""

    def unusable(self, candidate: Target) -> str | None:
        """Why `candidate` cannot be audited or published (missing, partial), or None."""

    def write_manifest(self, candidate: Target, run_id: str, gate_ok: bool, checks: list, build_summary: dict) -> None:
        """The manifest row (quality.published_versions) written into the candidate."""

    def swap_in(self, candidate: Target, run_id: str, notes: dict | None = None) -> str:
        """Publish the candidate in one atomic step, keeping `notes` with the version (the
        sharing log's head); returns where the version is kept."""

    def prune_versions(self, keep: int) -> None: ...

    def versions(self) -> list[dict]:
        """Kept versions, oldest first: run_id, published_at, path, current."""

    def rollback(self, chosen: dict) -> dict:
        """Serve the kept version `chosen` (an entry of versions()) again, atomically."""


def store_for(target: Target) -> WarehouseStore:
    if target.is_duckdb:
        from yiwang.warehouse.store.duckdb_file import DuckDBFileStore

        return DuckDBFileStore(target)
    from yiwang.warehouse.store.postgres_schema import PostgresSchemaStore

    return PostgresSchemaStore(target)
