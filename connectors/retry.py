"""Read a table again, from scratch, when its source fails in a way worth retrying at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from connectors.base import SourceError

READ_ATTEMPTS = 3  # whole-table attempts on a transient source error
RETRY_BASE_SECONDS = 0.5

T = TypeVar("T")


def with_read_retries(attempt: Callable[[], T]) -> T:
    """Run `attempt`; a transient SourceError runs it again after a backoff, at most READ_ATTEMPTS
    times in all; any other error ends it at once."""
    for n in range(READ_ATTEMPTS - 1):
        try:
            return attempt()
        except SourceError as error:
            if not error.transient:
                raise
            time.sleep(min(RETRY_BASE_SECONDS * 2**n, 5))
    try:
        return attempt()
    except SourceError as error:
        if not error.transient:
            raise
        raise SourceError(f"{error} (gave up after {READ_ATTEMPTS} reads; nothing landed)", transient=True) from error
