"""corral.future: the names SQLAlchemy 1.4 offered here ahead of 2.0, kept for programs that
still import them from this path. They are the ordinary ``select``, ``create_engine``,
``Engine`` and ``Connection``."""

from corral.engine import Connection, Engine, create_engine
from corral.sql import select

__all__ = ["Connection", "Engine", "create_engine", "select"]
