"""Topological sort: a pure module (it imports nothing from corral).

Used to order tables for CREATE/DROP and, later, rows for a flush.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def sort(nodes: Sequence[N], edges: Iterable[tuple[N, N]]) -> tuple[list[N], list[N]]:
    """Order ``nodes`` so that for each edge ``(a, b)``, ``a`` comes before ``b``.

    Returns ``(ordered, cyclic)``: ``cyclic`` holds the nodes caught in (or
    behind) a cycle, in their original order; ``ordered`` holds the rest.
    Among nodes free at the same time, the original order is kept, so the
    result is deterministic.
    """
    position = {node: i for i, node in enumerate(nodes)}
    successors: dict[N, list[N]] = {node: [] for node in nodes}
    incoming = dict.fromkeys(nodes, 0)
    for before, after in edges:
        if before == after or before not in position or after not in position:
            continue
        successors[before].append(after)
        incoming[after] += 1
    ready = [node for node in nodes if incoming[node] == 0]
    ordered: list[N] = []
    while ready:
        ready.sort(key=position.__getitem__, reverse=True)
        node = ready.pop()
        ordered.append(node)
        for after in successors[node]:
            incoming[after] -= 1
            if incoming[after] == 0:
                ready.append(after)
    done = set(ordered)
    return ordered, [node for node in nodes if node not in done]


def cycle_members(nodes: Sequence[N], edges: Iterable[tuple[N, N]]) -> list[N]:
    """The nodes that lie on a cycle (not those merely before or behind one), in order."""
    edge_list = [(a, b) for a, b in edges if a != b]
    _, stuck = sort(nodes, edge_list)
    remaining = set(stuck)
    # Nodes behind a cycle lead to no other stuck node; peel them off until none are left.
    while True:
        leads = {a for a, b in edge_list if a in remaining and b in remaining}
        peeled = remaining - leads
        if not peeled:
            break
        remaining -= peeled
    return [node for node in nodes if node in remaining]
