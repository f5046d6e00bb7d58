"""Deterministic random streams: one numpy Generator per named purpose, derived from the seed.

Named streams keep the simulation stable: adding draws to one stream (say, events) does not
shift the values of another (say, people), so a change in one generator leaves the rest of
the city as it was.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, *names: object) -> np.random.Generator:
    """A Generator for (seed, names...); the same arguments always give the same draws."""
    words = [int.from_bytes(hashlib.sha256(str(n).encode()).digest()[:4], "little") for n in names]
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def weighted_choice(rng: np.random.Generator, values, weights, size: int) -> np.ndarray:
    """Draw `size` values with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return np.asarray(values)[rng.choice(len(p), size=size, p=p / p.sum())]


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def keyed_uniform(seed: int, purpose: str, keys) -> np.ndarray:
    """A uniform [0, 1) number per key that depends only on (seed, purpose, key).

    Used for decisions that must not move when other records come or go (which record is
    messed, which resident the grid platform never registered): splitmix64 of the key.
    """
    salt = np.uint64(int.from_bytes(hashlib.sha256(f"{seed}:{purpose}".encode()).digest()[:8], "little"))
    with np.errstate(over="ignore"):
        z = np.asarray(keys).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + salt
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
