"""Attribute each failing block to the failure that caused it.

A block that fails on corral often leaves a name undefined (a class whose mapping raised, a
variable whose statement raised), and later blocks fail only for that. Counting those later
blocks under the first failure's cause shows what to build next. Later blocks are tied to an
earlier failure through the names the earlier block's source binds: a ``NameError`` for a name,
an error message naming a mapped class (``no mapped class named 'Address'``), or a block that
printed something else while reading a name whose last binding failed (it saw a stale value,
e.g. ``print(stmt)`` after the block that should have built a new ``stmt`` raised).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

MISSING_NAME = re.compile(r"name '(\w+)' is not defined|no mapped class named '(\w+)'")


@dataclass(frozen=True)
class Failure:
    """One block of a run in order: its source, whether it differed, why, and the message."""

    source: str
    failed: bool
    cause: str
    message: str
    printed_only: bool = False
    """True when the block raised as on SQLAlchemy but printed something else."""


def bound_names(source: str, imports: bool = True) -> set[str]:
    """The names a block's source binds (assignments, classes, defs and, if asked, imports)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif imports and isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def used_names(source: str) -> list[str]:
    """The names a block's source reads, in order of first use."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            seen.setdefault(node.id, None)
    return list(seen)


def root_causes(blocks: list[Failure]) -> list[str]:
    """For each block in run order, the cause of the first failure it follows from ("" if ok)."""
    cause_of_name: dict[str, str] = {}
    stale_cause: dict[str, str] = {}
    roots: list[str] = []
    for block in blocks:
        if not block.failed:
            roots.append("")
            for name in bound_names(block.source):
                cause_of_name.pop(name, None)
                stale_cause.pop(name, None)
            continue
        match = MISSING_NAME.search(block.message)
        missing = (match[1] or match[2]) if match else ""
        # A block that raised has a reason of its own, and a failed import leaves the name's
        # earlier value, which is usually the same object: neither counts as a stale value.
        stale = [name for name in used_names(block.source) if name in stale_cause]
        if not block.printed_only:
            stale = []
        if missing in cause_of_name:
            root = cause_of_name[missing]
        elif stale:
            root = stale_cause[stale[0]]
        else:
            root = block.cause
        roots.append(root)
        for name in bound_names(block.source):
            cause_of_name[name] = root
        for name in bound_names(block.source, imports=False):
            stale_cause[name] = root
    return roots
