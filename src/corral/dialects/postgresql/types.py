"""PostgreSQL's names for SQL types; psycopg 3 needs no driver overrides.

psycopg returns ``Decimal``, ``bytes``, ``uuid.UUID``, ``timedelta`` and
parsed JSON by itself; what is left (time zones, JSON text on the way in)
follows from ``Features`` in the types themselves.

``JSON`` is PostgreSQL's ``JSON``, not ``JSONB``: ``JSONB`` stores numbers as
``numeric`` and prints ``1e+20`` back as ``100000000000000000000``, which
reads back as an ``int``; ``JSON`` keeps the text, so every value round-trips.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corral.sql.compiler.types import TypeCompiler

if TYPE_CHECKING:
    from corral.sql import types as sqltypes


class PostgreSQLTypeCompiler(TypeCompiler):
    """Type DDL as PostgreSQL spells it."""

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        return "TIMESTAMP WITH TIME ZONE" if type_.timezone else "TIMESTAMP WITHOUT TIME ZONE"

    def visit_large_binary(self, type_: sqltypes.LargeBinary) -> str:
        return "BYTEA"
