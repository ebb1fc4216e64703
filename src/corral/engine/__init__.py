"""corral.engine: URLs, create_engine, Engine, Connection, transactions and results."""

from corral.engine.base import Connection
from corral.engine.create import create_engine
from corral.engine.default import DefaultDialect
from corral.engine.engine import Engine
from corral.engine.reflection import Inspector
from corral.engine.result import FrozenResult, MappingResult, Result, ScalarResult
from corral.engine.row import Row, RowMapping
from corral.engine.transaction import NestedTransaction, Transaction
from corral.engine.url import URL, make_url
from corral.sql.compiler.compiled import Compiled
from corral.sql.compiler.types import TypeCompiler

#: SQLAlchemy's name for the result of executing a statement on a cursor: corral's ``Result``
#: (rows, ``rowcount``, ``inserted_primary_key``), named so for annotations written against it.
CursorResult = Result

__all__ = [
    "URL",
    "Compiled",
    "Connection",
    "CursorResult",
    "DefaultDialect",
    "Engine",
    "FrozenResult",
    "Inspector",
    "MappingResult",
    "NestedTransaction",
    "Result",
    "Row",
    "RowMapping",
    "ScalarResult",
    "Transaction",
    "TypeCompiler",
    "create_engine",
    "make_url",
]
