"""Valid Chinese identifiers, computed for whole arrays at once.

- Citizen ID number (公民身份号码, GB 11643): 6-digit address code, 8-digit birth date, 3-digit
  sequence (odd for men), ISO 7064 MOD 11-2 check character.
- Unified social credit code (统一社会信用代码, GB 32100): authority, entity type, 6-digit
  division code, 9-character organisation code (GB 11714, with its own check), check character.

python-stdnum validates single values; generating millions needs array arithmetic, so the
check characters are computed here and the tests compare them with python-stdnum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) matrix of the ASCII digits of equal-length strings."""
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return (raw.reshape(-1, width) - ord("0")).astype(np.int64)


def id_check_characters(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check character for each 17-digit body."""
    sums = _digits(np.asarray(first17, dtype=object), 17) @ ID_WEIGHTS
    return ID_CHECK[sums % 11]


def citizen_ids(
    address_codes,
    birth_dates: pd.Series,
    male: np.ndarray,
    rng: np.random.Generator,
    taken: set[str] | None = None,
) -> np.ndarray:
    """Unique valid 18-character ID numbers; sequence digit parity follows sex (odd = male)."""
    addr = np.asarray(address_codes, dtype=object)
    ymd = pd.to_datetime(pd.Series(birth_dates)).dt.strftime("%Y%m%d").to_numpy(dtype=object)
    male = np.asarray(male, dtype=bool)

    def draw(idx: np.ndarray) -> np.ndarray:
        k = rng.integers(1, 500, idx.size) * 2 - np.where(male[idx], 1, 0)  # 1..999, odd = male
        body = addr[idx] + ymd[idx] + _zero_pad(k, 3)
        return body + id_check_characters(body).astype(object)

    return _unique_draws(draw, len(addr), taken)


def _zero_pad(values: np.ndarray, width: int) -> np.ndarray:
    if len(values) == 0:
        return np.array([], dtype=object)
    return np.char.zfill(np.asarray(values).astype(str), width).astype(object)


def _unique_draws(draw, n: int, taken: set[str] | None = None) -> np.ndarray:
    """Call draw(indices) until all n values are distinct (and not in `taken`)."""
    out = draw(np.arange(n))
    dup = pd.Series(out).duplicated().to_numpy().copy()
    if taken:
        dup |= np.fromiter((v in taken for v in out), bool, n)
    while dup.any():
        idx = np.flatnonzero(dup)
        seen = set(out[~dup]) | (taken or set())
        new = draw(idx)
        ok = np.fromiter((v not in seen for v in new), bool, idx.size) & ~pd.Series(new).duplicated().to_numpy()
        out[idx[ok]] = new[ok]
        dup[idx[ok]] = False
    return out


def organisation_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 9-character organisation codes (GB 11714: 8 digits/letters + check)."""
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    values = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        m = n - len(out)
        # mostly digits, as issued in practice
        idx = np.where(
            rng.random((m, 8)) < 0.85,
            rng.integers(0, 10, (m, 8)),
            rng.integers(0, len(alphabet), (m, 8)),
        )
        chars = alphabet[idx]
        vals = np.vectorize(values.get)(chars)
        check = 11 - (vals @ ORG_WEIGHTS) % 11
        check_char = np.where(check == 10, "X", np.where(check == 11, "0", check.astype(str)))
        for row, c in zip(chars, check_char, strict=True):
            code = "".join(row) + c
            if code not in seen:
                seen.add(code)
                out.append(code)
    return np.array(out[:n], dtype=object)


def credit_codes(authority_type: np.ndarray, division: np.ndarray, org_codes: np.ndarray) -> np.ndarray:
    """18-character unified social credit codes from 2-char authority+type, division, org code."""
    body = (
        np.asarray(authority_type, dtype=object)
        + np.asarray(division, dtype=object)
        + np.asarray(org_codes, dtype=object)
    )
    lookup = np.zeros(128, dtype=np.int64)
    for i, c in enumerate(USCC_ALPHABET):
        lookup[ord(c)] = i
    raw = np.frombuffer("".join(body).encode("ascii"), dtype=np.uint8).reshape(-1, 17)
    sums = lookup[raw] @ USCC_WEIGHTS
    check = np.array(list(USCC_ALPHABET))[(31 - sums % 31) % 31]
    return body + check.astype(object)


def mobile_numbers(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> np.ndarray:
    """Unique 11-digit mainland mobile numbers with real operator prefixes."""
    prefixes = np.array(
        [
            "134",
            "135",
            "136",
            "137",
            "138",
            "139",
            "150",
            "151",
            "152",
            "157",
            "158",
            "159",
            "182",
            "183",
            "187",
            "188",
            "198",
            "130",
            "131",
            "132",
            "155",
            "156",
            "185",
            "186",
            "176",
            "133",
            "153",
            "180",
            "181",
            "189",
            "177",
            "199",
            "191",
        ],
        dtype=object,
    )

    def draw(idx: np.ndarray) -> np.ndarray:
        return prefixes[rng.integers(0, len(prefixes), idx.size)] + _zero_pad(rng.integers(0, 10**8, idx.size), 8)

    return _unique_draws(draw, n, taken)


def landline_numbers(rng: np.random.Generator, n: int, area_code: str) -> np.ndarray:
    """Landlines in canonical form 0575-88123456 (8-digit local numbers starting 8 or 6)."""
    first = np.where(rng.random(n) < 0.8, 8, 6)
    rest = rng.integers(0, 10**7, n)
    return np.array([f"{area_code}-{a}{b:07d}" for a, b in zip(first, rest, strict=True)], dtype=object)
