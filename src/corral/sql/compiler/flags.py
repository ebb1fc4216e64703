"""Which compile flags pass from an element to the elements inside it."""

from __future__ import annotations

from typing import Any


def plain(kw: dict[str, Any]) -> dict[str, Any]:
    """Keyword flags that pass into sub-expressions (not the column-list or ordering ones)."""
    return {
        k: v
        for k, v in kw.items()
        if k in ("correlate", "literal_binds", "include_table", "names_only")
    }


def keep_order(kw: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in kw.items()
        if k in ("correlate", "literal_binds", "include_table", "in_order_by", "names_only")
    }


def nested(kw: dict[str, Any]) -> dict[str, Any]:
    """Flags for a SELECT nested inside another: correlation carries over, nothing else."""
    return {"correlate": kw.get("correlate", frozenset())}
