"""PostgreSQL, through psycopg 3 (``pip install corral[postgresql]``; psycopg2's dialect is
``corral.dialects.postgresql.psycopg2``, ``postgresql+psycopg2://``): the dialect, its
``insert()`` with ``ON CONFLICT``, and its types."""

from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.dialects.postgresql.dml import Insert, insert
from corral.dialects.postgresql.types import ARRAY, CIDR, ENUM, INET, JSON, JSONB, UUID
from corral.sql.enum_ddl import CreateEnumType, DropEnumType

dialect = PostgreSQLDialect

__all__ = [
    "ARRAY",
    "CIDR",
    "ENUM",
    "INET",
    "JSON",
    "JSONB",
    "UUID",
    "CreateEnumType",
    "DropEnumType",
    "Insert",
    "PostgreSQLDialect",
    "dialect",
    "insert",
]
