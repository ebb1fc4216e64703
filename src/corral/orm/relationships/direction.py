"""Which way a relationship points: the kinds of relationship, shared by every module here."""

from __future__ import annotations

import enum


class Direction(enum.Enum):
    ONETOMANY = "one-to-many"
    MANYTOONE = "many-to-one"
    MANYTOMANY = "many-to-many"

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name
