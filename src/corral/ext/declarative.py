"""corral.ext.declarative: ``declarative_base()`` and ``DeferredReflection`` under the module
path SQLAlchemy gives them."""

from corral.ext.deferred_reflection import DeferredReflection
from corral.orm.mapping.declarative_base import declarative_base
from corral.orm.mapping.inheritance import AbstractConcreteBase, ConcreteBase

__all__ = ["AbstractConcreteBase", "ConcreteBase", "DeferredReflection", "declarative_base"]
