"""The flags ``compile(linting=...)`` takes (SQLAlchemy's names and values): ``FROM_LINTING``
checks a statement for FROMs nothing joins and warns of the cartesian product, as running it
on an engine does (``sql/compiler/from_linting.py``); ``NO_LINTING`` does not."""

from __future__ import annotations

from enum import IntFlag


class Linting(IntFlag):
    NO_LINTING = 0
    COLLECT_CARTESIAN_PRODUCTS = 1
    WARN_LINTING = 2
    FROM_LINTING = COLLECT_CARTESIAN_PRODUCTS | WARN_LINTING


NO_LINTING = Linting.NO_LINTING
COLLECT_CARTESIAN_PRODUCTS = Linting.COLLECT_CARTESIAN_PRODUCTS
WARN_LINTING = Linting.WARN_LINTING
FROM_LINTING = Linting.FROM_LINTING
