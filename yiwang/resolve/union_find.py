"""Union-find over row positions, with a guard: two sets that each hold a different
"exclusive" value (a valid ID number, a credit code) are never merged; the refusal is returned,
so the caller can record the conflict instead of silently merging two real entities."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


class GuardedUnionFind:
    def __init__(self, exclusive: Sequence[Any]):
        self.parent = np.arange(len(exclusive))
        # the exclusive value each set holds (None when it holds none)
        self.value: list[Any] = [v if isinstance(v, str) and v else None for v in exclusive]
        self.refused: list[tuple[int, int]] = []

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        va, vb = self.value[ra], self.value[rb]
        if va is not None and vb is not None and va != vb:
            self.refused.append((a, b))
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.value[ra] = va if va is not None else vb
        return True

    def union_groups(self, groups: Iterable[np.ndarray]) -> None:
        """Join every row position of each group to the group's first."""
        for members in groups:
            first = int(members[0])
            for other in members[1:]:
                self.union(first, int(other))

    def roots(self) -> np.ndarray:
        return np.array([self.find(i) for i in range(len(self.parent))])
