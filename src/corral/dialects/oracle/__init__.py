"""Oracle Database, for printing only: ``statement.compile(dialect=oracle.dialect())`` writes
the SQL SQLAlchemy prints for Oracle. corral has no Oracle driver support, so an engine
cannot connect to it (``create_engine("oracle://...")`` says so)."""

from corral.dialects.oracle.base import OracleDialect

dialect = OracleDialect

__all__ = ["OracleDialect", "dialect"]
