"""corral.orm.query: the legacy ``Query`` under the module path SQLAlchemy gives it.

The class is defined in ``corral.orm.session.query``; this module re-exports it.
"""

from corral.orm.session.query import Query

__all__ = ["Query"]
