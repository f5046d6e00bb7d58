"""Union-find over row positions, with two guards:
- two sets that each hold a different "exclusive" value (a valid ID number, a credit code) are
  never merged; the refusal is returned, so the caller can record the conflict instead of
  silently merging two real entities;
- a `veto` callable may refuse a merge on the evidence of the two sets' members (a birth date or
  a sex that contradicts): weak rules and scored pairs pass one, the identifier rules do not.

With a `rule` named, each merge made and each merge refused is recorded (which rows, which
rule, why refused), so a merge can explain itself afterwards.

Parents are a Python list (a numpy scalar per look-up costs more than the look-up itself) and
each set keeps the list of its members, so a veto sees whole clusters, not just the two rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

Veto = Callable[[list[int], list[int]], str | None]


class GuardedUnionFind:
    def __init__(self, exclusive: Sequence[Any]):
        self.parent: list[int] = list(range(len(exclusive)))
        # the exclusive value each set holds (None when it holds none)
        self.value: list[Any] = [v if isinstance(v, str) and v else None for v in exclusive]
        self.refused: list[tuple[int, int]] = []  # refused for two exclusive values
        self.vetoed: dict[str, int] = {}  # merges a veto refused, by its reason
        self._members: dict[int, list[int]] = {}  # root → members, for sets of two or more
        self.merges: list[tuple[int, int, str]] = []  # (a, b, rule) of each merge made under a rule
        self.refusals: list[tuple[int, int, str, str]] = []  # (a, b, rule, reason) refused under a rule

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    def members(self, root: int) -> list[int]:
        return self._members.get(root) or [root]

    def union(self, a: int, b: int, veto: Veto | None = None, rule: str | None = None) -> bool:
        """Join the sets of `a` and `b`; False when the guard or the veto refuses. `rule`: the
        evidence the caller joins them on, recorded with the merge or the refusal."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        va, vb = self.value[ra], self.value[rb]
        if va is not None and vb is not None and va != vb:
            self.refused.append((a, b))
            if rule is not None:
                self.refusals.append((a, b, rule, "two_valid_ids"))
            return False
        if veto is not None:
            reason = veto(self.members(ra), self.members(rb))
            if reason:
                self.vetoed[reason] = self.vetoed.get(reason, 0) + 1
                if rule is not None:
                    self.refusals.append((a, b, rule, reason))
                return False
        if rule is not None:
            self.merges.append((a, b, rule))
        if rb < ra:  # the smaller row position is the root: stable, order-independent labels
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.value[ra] = va if va is not None else vb
        joined = self._members.pop(ra, None) or [ra]
        joined.extend(self._members.pop(rb, None) or [rb])
        self._members[ra] = joined
        return True

    def union_groups(self, groups: Iterable[np.ndarray], veto: Veto | None = None, rule: str | None = None) -> None:
        """Join every row position of each group to the group's first."""
        for members in groups:
            first = int(members[0])
            for other in members[1:]:
                self.union(first, int(other), veto, rule)

    def roots(self) -> np.ndarray:
        find = self.find
        return np.fromiter((find(i) for i in range(len(self.parent))), dtype=np.int64, count=len(self.parent))
