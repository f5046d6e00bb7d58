"""Unsupervised training of the linker's Splink model, so that every parameter ends trained or set
on purpose: no level left at Splink's defaults, no warnings on a normal run.

- EM rules: the given `training_blocking`, else the blocking rules without those made only of
  contact columns (phone, address): a family shares its phone and flat, so the pairs such a rule
  brings are households, and EM on them learns "same household" instead of "same person". A rule
  is added back when some comparison would otherwise be trained in no session.
- Splink notes a level that one EM session did not observe; that is expected of rare levels in one
  session when another trains them, so those notes are collected, not shown.
- No m is left at Splink's default or at zero: a level EM saw only among non-matches gets m =
  M_FLOOR (a typo can hit any field of a true match, so no level alone rules a match out); a
  level no session observed gets m = min(M_FLOOR, u) (at most no evidence either way); a level the
  random sample never met gets u = 1 / pairs sampled. The m of each comparison are then scaled
  to sum to 1 (EM's per-session estimates are averaged and need not). What was set is listed at
  INFO level and written with the model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from splink import block_on

from yiwang.resolve.link.settings import LinkSettings

log = logging.getLogger(__name__)
CONTACT_KINDS = ("phone", "address")
_SESSION_NOTE = "not observed in dataset"
M_FLOOR = 1e-3


def training_rules(settings: LinkSettings) -> list[tuple[str, ...]]:
    """The blocking rules EM runs on (see the module docstring)."""
    if settings.training_blocking:
        return list(settings.training_blocking)
    kinds = {c.name: c.kind for c in settings.columns}
    rules = [r for r in settings.blocking if not all(kinds[c] in CONTACT_KINDS for c in r)] or list(settings.blocking)
    for column in settings.columns:  # a comparison on the columns of every rule is never trained
        if all(column.name in r for r in rules):
            rules += [r for r in settings.blocking if column.name not in r][:1]
    return rules


class _SessionNotes(logging.Filter):
    """Keeps Splink's per-session 'level not observed' notes out of the log, counting them."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if _SESSION_NOTE in record.getMessage():
            self.notes.append(" ".join(record.getMessage().split()))
            return False
        return True


@contextmanager
def _collect_session_notes() -> Iterator[_SessionNotes]:
    notes = _SessionNotes()
    loggers = [logging.getLogger(n) for n in ("splink", "splink.internals.expectation_maximisation")]
    for one in loggers:
        one.addFilter(notes)
    try:
        yield notes
    finally:
        for one in loggers:
            one.removeFilter(notes)


def train(linker, settings: LinkSettings) -> None:
    """The prior from the training rules, u by random sampling, m by EM once per training rule."""
    rules = training_rules(settings)
    try:
        linker.training.estimate_probability_two_random_records_match([block_on(*r) for r in rules], recall=0.8)
    except Exception:  # too few pairs to estimate: keep Splink's default prior
        log.warning("could not estimate the prior match probability; using the default")
    with _collect_session_notes():
        linker.training.estimate_u_using_random_sampling(max_pairs=settings.max_pairs_for_u, seed=settings.seed)
        for rule in rules:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
            except Exception as error:  # a rule that blocks nothing trains nothing; the others still do
                log.info("EM on %s skipped: %s", rule, error)


def _is_set(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def complete_model(model: dict, settings: LinkSettings) -> list[str]:
    """Sets, in place, the m and u training left unset or at zero (see the module docstring);
    returns what it set, one line each."""
    filled = []
    floor_u = 1.0 / max(settings.max_pairs_for_u, 1.0)
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            where = f"{comparison['output_column_name']}: {level.get('label_for_charts')}"
            if not _is_set(level.get("u_probability")):
                level["u_probability"] = floor_u
                filled.append(f"{where}: u = {floor_u:g} (never met in the random sample)")
            m = level.get("m_probability")
            if not _is_set(m):
                level["m_probability"] = min(M_FLOOR, level["u_probability"])
                filled.append(f"{where}: m = {level['m_probability']:g} (no training pair at this level)")
            elif m < M_FLOOR:
                level["m_probability"] = M_FLOOR
                if m < M_FLOOR / 10:
                    filled.append(f"{where}: m = {M_FLOOR:g} (EM found it only among non-matches)")
        total = sum(lv["m_probability"] for lv in levels)
        for level in levels:
            level["m_probability"] /= total
    for line in filled:
        log.info("set, not trained: %s", line)
    return filled
