"""corral.types: the SQL types under the module path SQLAlchemy gives them.

A facade: the types live in ``corral.sql.types`` (and its neighbours); this module
re-exports them so that ``from sqlalchemy.types import ...`` moves over by renaming.
"""

from corral.sql.type_api import NULLTYPE, NullType, TypeEngine, to_instance
from corral.sql.type_decorator import TypeDecorator, UserDefinedType
from corral.sql.types import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    Unicode,
    UnicodeText,
    Uuid,
)

__all__ = [
    "JSON",
    "NULLTYPE",
    "BigInteger",
    "Boolean",
    "Date",
    "DateTime",
    "Enum",
    "Float",
    "Integer",
    "Interval",
    "LargeBinary",
    "NullType",
    "Numeric",
    "SmallInteger",
    "String",
    "Text",
    "Time",
    "TypeDecorator",
    "TypeEngine",
    "Unicode",
    "UnicodeText",
    "UserDefinedType",
    "Uuid",
    "to_instance",
]
