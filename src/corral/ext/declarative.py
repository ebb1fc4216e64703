"""corral.ext.declarative: ``declarative_base()`` under the module path SQLAlchemy gives it."""

from corral.orm.mapping.declarative_base import declarative_base
from corral.orm.mapping.inheritance import AbstractConcreteBase, ConcreteBase

__all__ = ["AbstractConcreteBase", "ConcreteBase", "declarative_base"]
