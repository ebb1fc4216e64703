"""FROM linting: a warning when a statement about to run reads FROM elements that nothing
joins, so that the database would pair every row of one with every row of the other (a
cartesian product), as SQLAlchemy 2.0 warns (``create_engine(enable_from_linting=False)``
turns it off).

The FROM elements of one SELECT (or of an UPDATE ... FROM / DELETE ... USING) are the nodes
of a graph; a JOIN links everything on its left to everything on its right, and a comparison
in the WHERE or an ON clause links the FROMs its two sides read (``a.id = b.a_id``). A
LATERAL subquery is linked to the enclosing FROMs its own comparisons read. When some node
cannot be reached from the first, the statement warns, naming both. Pure: no I/O; run while
a statement is compiled for execution (``str()`` never warns).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from corral import exc
from corral.sql.conditions import BooleanClauseList
from corral.sql.elements import BinaryExpression, ClauseElement, UnaryExpression
from corral.sql.from_clause import FromClause, Join
from corral.sql.table_valued import Lateral
from corral.sql.wrappers import Grouping


class FromGraph:
    """The FROM elements of one statement and what links them."""

    def __init__(self) -> None:
        self.nodes: dict[int, FromClause] = {}
        self._links: dict[int, set[int]] = {}

    def add_from(self, from_: FromClause) -> None:
        """A FROM of the statement: a join's sides are linked to each other."""
        if isinstance(from_, Join):
            self.add_from(from_.left)
            self.add_from(from_.right)
            self._link_all(_leaves(from_.left), _leaves(from_.right))
            if from_.onclause is not None:
                self.add_condition(from_.onclause)
            return
        self.nodes.setdefault(id(from_), from_)
        if isinstance(from_, Lateral):
            for condition in getattr(from_.element, "_where", ()):
                self._link_lateral(from_, condition)

    def add_condition(self, condition: ClauseElement) -> None:
        """A WHERE or ON condition: each comparison in it links the FROMs of its sides."""
        for left, right in _comparisons(condition):
            self._link_all(left._from_objects(), right._from_objects())

    def _link_lateral(self, lateral: FromClause, condition: ClauseElement) -> None:
        for left, right in _comparisons(condition):
            self._link_all([*left._from_objects(), lateral], [*right._from_objects(), lateral])

    def _link_all(self, left: Iterable[FromClause], right: Iterable[FromClause]) -> None:
        right = list(right)
        for a in left:
            for b in right:
                if a is not b:
                    self._links.setdefault(id(a), set()).add(id(b))
                    self._links.setdefault(id(b), set()).add(id(a))

    def unreached(self) -> tuple[FromClause, list[FromClause]] | None:
        """The first FROM and those no link reaches from it (None: all are linked)."""
        if len(self.nodes) < 2:
            return None
        order = list(self.nodes)
        seen = {order[0]}
        stack = [order[0]]
        while stack:
            for other in self._links.get(stack.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        left = [self.nodes[key] for key in order if key not in seen]
        return (self.nodes[order[0]], left) if left else None


def warn_cartesian(
    graph: FromGraph, name: Callable[[FromClause], str], kind: str = "SELECT"
) -> None:
    """Warn (``SAWarning``) when ``graph`` has FROMs that nothing links to the first."""
    found = graph.unreached()
    if found is None:
        return
    start, rest = found
    others = ", ".join(f'"{name(from_)}"' for from_ in rest)
    warnings.warn(
        f"{kind} statement has a cartesian product between FROM element(s) {others} and "
        f'FROM element "{name(start)}".  Apply join condition(s) between each element to '
        "resolve.",
        exc.SAWarning,
        stacklevel=2,
    )


def _leaves(from_: FromClause) -> list[FromClause]:
    if isinstance(from_, Join):
        return [*_leaves(from_.left), *_leaves(from_.right)]
    return [from_]


def _comparisons(
    condition: ClauseElement,
) -> Iterable[tuple[ClauseElement, ClauseElement]]:
    """The two sides of every comparison in ``condition``, through AND / OR / NOT and
    parentheses (a subquery's own comparisons belong to it)."""
    stack: list[ClauseElement] = [condition]
    while stack:
        element = stack.pop()
        if isinstance(element, BooleanClauseList):
            stack.extend(element.clauses)
        elif isinstance(element, Grouping | UnaryExpression):
            stack.append(element.element)
        elif isinstance(element, BinaryExpression):
            if element.operator.kind == "comparison":
                yield element.left, element.right
            stack.extend((element.left, element.right))


def graph_of(froms: Sequence[FromClause], conditions: Sequence[Any]) -> FromGraph:
    """The graph of a statement's FROM list and WHERE conditions."""
    graph = FromGraph()
    for from_ in froms:
        graph.add_from(from_)
    for condition in conditions:
        graph.add_condition(condition)
    return graph
