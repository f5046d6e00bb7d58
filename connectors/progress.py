"""The progress events of an extraction, apart from the pipeline: the command line draws them and
imports this module without loading pyarrow or the database drivers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.pipeline import TableResult
    from connectors.registry import TableConfig


class Progress:
    """Receives progress events; the CLI draws them as rich progress bars."""

    def start(self, cfg: TableConfig, total: int | None) -> None: ...

    def advance(self, cfg: TableConfig, rows: int) -> None: ...

    def finish(self, cfg: TableConfig, result: TableResult) -> None: ...
