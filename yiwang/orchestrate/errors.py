"""Error classes the DAGs' retry policy reads (kept tiny: imported when DAG files are parsed).

A stage's failure is either *transient* (a source or the warehouse was unreachable, a timeout,
another build holding the warehouse lock): retried with exponential backoff; or *terminal* (a
contract violation, a failed quality gate, a failing dbt model or test): failed at once with
`AirflowFailException`, since running it again gives the same answer.
"""

from __future__ import annotations


class TransientError(RuntimeError):
    """Worth retrying: the same call may succeed later (connection refused, timeout, lock held)."""


class StageUnavailable(RuntimeError):
    """The stage's function cannot be imported (its module is not installed or not written yet)."""
