"""``compile(linting=FROM_LINTING)`` checks a printed statement for FROMs nothing joins, as
running it on an engine does; the graph that decides it links JOINs, comparisons in WHERE
and ON, and a LATERAL subquery to the FROMs it compares with."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from corral import Integer, exc, true
from corral.sql import FROM_LINTING, NO_LINTING, WARN_LINTING
from corral.sql.compiler.from_linting import graph_of
from corral.sql.elements import ColumnElement
from corral.sql.from_clause import FromClause
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.selectable import select

metadata = MetaData()
a = Table("a", metadata, Column("id", Integer, primary_key=True), Column("x", Integer))
b = Table(
    "b", metadata, Column("id", Integer, primary_key=True), Column("a_id", ForeignKey("a.id"))
)
c = Table(
    "c", metadata, Column("id", Integer, primary_key=True), Column("b_id", ForeignKey("b.id"))
)


def test_compile_with_from_linting_warns() -> None:
    with pytest.warns(exc.SAWarning, match='FROM element\\(s\\) "b" and FROM element "a"'):
        select(a, b).compile(linting=FROM_LINTING)


def test_compile_without_both_flags_and_str_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for linting in (NO_LINTING, WARN_LINTING):
            select(a, b).compile(linting=linting)
        str(select(a, b))
        select(a, b).compile()


def unlinked(
    froms: list[FromClause], where: list[ColumnElement[Any]] | None = None
) -> list[str | None] | None:
    found = graph_of(froms, where or []).unreached()
    return None if found is None else [f.name for f in found[1]]


def test_joins_and_comparisons_link_froms() -> None:
    assert unlinked([a, b]) == ["b"]
    assert unlinked([a.join(b)]) is None
    assert unlinked([a.join(b, true()), c]) == ["c"]
    assert unlinked([a.join(b), c], [c.c.b_id == b.c.id]) is None
    assert unlinked([a, b, c], [a.c.id == b.c.a_id]) == ["c"]
    # Linked through any comparison, however nested in AND / OR / NOT.
    assert unlinked([a, b], [(a.c.x > 1) & ~(b.c.a_id != a.c.id)]) is None
    # A comparison with a value, or arithmetic across tables, links nothing.
    assert unlinked([a, b], [(a.c.id == 1) | (b.c.id == 2)]) == ["b"]
    assert unlinked([a, b], [a.c.x + b.c.id > 5]) == ["b"]


def test_a_lateral_subquery_is_linked_by_its_own_comparisons() -> None:
    correlated = select(b.c.id).where(b.c.a_id == a.c.id).lateral("l")
    assert unlinked([a, correlated]) is None
    apart = select(b.c.id).where(b.c.id == 5).lateral("l2")
    assert unlinked([a, apart]) == ["l2"]
