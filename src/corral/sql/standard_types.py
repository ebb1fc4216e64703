"""The SQL standard's type names in capitals (``INTEGER``, ``VARCHAR``, ``TIMESTAMP``, ...).

Each is the generic type of the same meaning under the name a database spells,
as SQLAlchemy has them: reflection gives these back (a column read from the
database shows as ``Column('x', INTEGER(), ...)``). Each behaves as its generic
type, with the same conversions, checks and DDL (``TIMESTAMP`` is a ``DateTime``,
``REAL`` a ``Float``, created as corral's 8-byte float); only ``CHAR`` has DDL of
its own, ``CHAR(length)``.
"""

from __future__ import annotations

from corral.sql.datetime_types import Date, DateTime, Time
from corral.sql.types import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
)

__all__ = [
    "BIGINT",
    "BLOB",
    "BOOLEAN",
    "CHAR",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "DOUBLE",
    "DOUBLE_PRECISION",
    "FLOAT",
    "INTEGER",
    "NUMERIC",
    "REAL",
    "SMALLINT",
    "TEXT",
    "TIME",
    "TIMESTAMP",
    "VARCHAR",
]


class INTEGER(Integer):
    """``INTEGER``."""


class BIGINT(BigInteger):
    """``BIGINT``."""


class SMALLINT(SmallInteger):
    """``SMALLINT``."""


class VARCHAR(String):
    """``VARCHAR(length)``."""


class CHAR(String):
    """``CHAR(length)``: text padded to a fixed length."""

    visit_name = "char"


class TEXT(Text):
    """``TEXT``."""


class BOOLEAN(Boolean):
    """``BOOLEAN``."""


class NUMERIC(Numeric):
    """``NUMERIC(precision, scale)``."""


class DECIMAL(Numeric):
    """``DECIMAL(precision, scale)``, spelled ``NUMERIC`` in DDL (the same type)."""


class FLOAT(Float):
    """``FLOAT``: a floating point number."""


class DOUBLE(Float):
    """``DOUBLE``: an 8-byte floating point number."""


class DOUBLE_PRECISION(Float):
    """``DOUBLE PRECISION``: an 8-byte floating point number."""


class REAL(Float):
    """``REAL``: a floating point number (created as corral's 8-byte float, like Float)."""


class DATE(Date):
    """``DATE``."""


class DATETIME(DateTime):
    """``DATETIME``."""


class TIMESTAMP(DateTime):
    """``TIMESTAMP``."""


class TIME(Time):
    """``TIME``."""


class BLOB(LargeBinary):
    """``BLOB``."""
