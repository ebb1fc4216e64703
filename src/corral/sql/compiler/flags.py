"""Which compile flags pass from an element to the elements inside it."""

from __future__ import annotations

from typing import Any


def plain(kw: dict[str, Any]) -> dict[str, Any]:
    """Keyword flags that pass into sub-expressions (not the column-list or ordering ones)."""
    return {
        k: v
        for k, v in kw.items()
        if k
        in (
            "correlate",
            "enclosing",
            "literal_binds",
            "include_table",
            "names_only",
            "window_scope",
        )
    }


def keep_order(kw: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in kw.items()
        if k
        in (
            "correlate",
            "enclosing",
            "literal_binds",
            "include_table",
            "in_order_by",
            "names_only",
            "label_scope",
            "window_scope",
        )
    }


def nested(kw: dict[str, Any]) -> dict[str, Any]:
    """Flags for a SELECT nested inside another: correlation carries over, nothing else."""
    return {
        "correlate": kw.get("correlate", frozenset()),
        "enclosing": kw.get("enclosing", frozenset()),
    }


def correlating(own: frozenset[int], enclosing: frozenset[int]) -> dict[str, Any]:
    """Flags for what a statement reading from ``own`` (FROM ids) contains.

    A subquery inside it correlates by itself to ``own`` only (the immediately
    enclosing statement), and through ``correlate()`` to any enclosing level.
    """
    return {"correlate": own, "enclosing": enclosing | own}


def in_from(kw: dict[str, Any]) -> dict[str, Any]:
    """Flags for a subquery in a FROM list: never correlated to the statement it is in."""
    own: frozenset[int] = kw.get("correlate", frozenset())
    enclosing: frozenset[int] = kw.get("enclosing", frozenset())
    return {"correlate": frozenset(), "enclosing": enclosing - own}
