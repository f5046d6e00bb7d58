"""What every connector kind hands to the landing writer: units of work and Arrow batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pyarrow as pa

ErrorKind = Literal["transient", "terminal"]  # what a scheduler does: retry later, or stop for a person


class ExtractError(RuntimeError):
    """An extraction failed; the message says which table and why, never a secret.

    `kind` is "terminal" unless a subclass or the raiser says otherwise: the same input gives the
    same answer (a refused file, a contract violation), so only a person can change the outcome.
    """

    kind: ErrorKind = "terminal"


class SourceError(ExtractError):
    """The source could not be read (down, failing, refusing).

    `transient`: read the table again at once (bounded, within the run), since the connector did
    not retry itself; the error is then also transient for the scheduler. `kind` overrides the
    latter alone: a source already retried until it gave up is transient but not read again now.
    """

    def __init__(self, message: str, transient: bool = False, kind: ErrorKind | None = None):
        super().__init__(message)
        if transient and kind == "terminal":
            raise ValueError("a SourceError read again at once cannot be terminal")
        self.transient = transient
        self.kind = kind or ("transient" if transient else "terminal")


class DriftError(ExtractError):
    """The source's columns differ from the contract and the table's drift policy is freeze."""


@dataclass(frozen=True)
class Unit:
    """One read: a cursor window of a table, or one file of a drop folder."""

    label: str
    since: Any = None  # lower cursor bound (inclusive), in the contract's type
    path: Path | None = None  # file drop: the file
    sha256: str | None = None
    snapshot: bool = False  # the read returns every live row (deletes may be found by diff)


@dataclass
class SourceRead:
    """The columns the source offers and a stream of raw Arrow batches with those columns."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    window_count: int | None = None  # what the source says the window holds
    file_reason: str | None = None  # the whole unit goes to quarantine with this reason
    suspect: str | None = None  # why a full export may be incomplete: refused unless accepted short
    details: dict[str, Any] = field(default_factory=dict)  # e.g. the detected encoding


class Source(Protocol):
    description: str  # where the data comes from, with secrets hidden

    def units(self, since: Any, taken_files: dict[str, str], full: bool) -> list[Unit]: ...

    def read(self, unit: Unit) -> SourceRead: ...

    def close(self) -> None: ...
