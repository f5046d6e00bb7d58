"""The progress events of a build, apart from the build itself: the command line draws them and
imports this module without loading DuckDB or dbt."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yiwang.warehouse.load import TableLoad


class LoadProgress:
    """Receives one call per table; the CLI draws it as a progress bar."""

    def start(self, tables: int) -> None: ...

    def table_done(self, result: TableLoad) -> None: ...


class BuildProgress(LoadProgress):
    """Receives the raw load's calls and one call per dbt node; the CLI draws progress bars."""

    def dbt_started(self, total: int) -> None: ...

    def node_started(self, name: str) -> None: ...

    def node_finished(self, name: str, status: str) -> None: ...

    def dbt_warning(self, message: str) -> None: ...

    def phase(self, name: str) -> None:
        """A build phase starts: "dbt: staging and intermediate", "entity resolution", "dbt: marts"."""
