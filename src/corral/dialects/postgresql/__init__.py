"""PostgreSQL, through psycopg 3 (``pip install corral[postgresql]``)."""

from corral.dialects.postgresql.base import PostgreSQLDialect

dialect = PostgreSQLDialect

__all__ = ["PostgreSQLDialect", "dialect"]
