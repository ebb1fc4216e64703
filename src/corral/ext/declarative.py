"""corral.ext.declarative: ``declarative_base()`` and ``DeferredReflection`` under the module
path SQLAlchemy gives them."""

from corral.ext.deferred_reflection import DeferredReflection
from corral.orm.mapping.declarative_base import declarative_base

__all__ = ["DeferredReflection", "declarative_base"]
