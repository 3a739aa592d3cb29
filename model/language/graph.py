"""The one topological sort of the project: parents before children, file order kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class CycleError(ValueError):
    """The parent links loop; `ring` is the loop, each node a parent of the next, and
    `node` the one first found on it (in file order)."""

    def __init__(self, ring: Sequence[str], node: str):
        self.ring = tuple(ring)
        self.node = node
        super().__init__("cycle: " + " -> ".join(self.ring))


def topological_order(parents: Mapping[str, Sequence[str]]) -> list[str]:
    """Every node after its parents, otherwise in the mapping's order (a file already in
    order stays as written). Parents that are not keys of `parents` are ignored."""
    order: list[str] = []
    mark: dict[str, int] = {}  # 1 visiting, 2 done
    for start in parents:
        if mark.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            name, i = stack.pop()
            if i == 0:
                mark[name] = 1
                path.append(name)
            known = [p for p in parents[name] if p in parents]
            if i < len(known):
                stack.append((name, i + 1))
                nxt = known[i]
                if mark.get(nxt) == 1:
                    cycle = path[path.index(nxt):]
                    raise CycleError([*reversed(cycle), cycle[-1]], nxt)
                if not mark.get(nxt):
                    stack.append((nxt, 0))
            else:
                mark[name] = 2
                path.pop()
                order.append(name)
    return order
