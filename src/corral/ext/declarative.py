"""corral.ext.declarative: ``declarative_base()`` under the module path SQLAlchemy gives it."""

from corral.orm.mapping.declarative_base import declarative_base

__all__ = ["declarative_base"]
