"""``__declare_first__`` / ``__declare_last__``: class methods called around configuration.

A mapped class (or a mixin it uses) may define either; the first runs before the
mappers are configured, the last after, each as a ``before_configured`` /
``after_configured`` listener, called with the mapped class. A ``column_property()`` or
``query_expression()`` the hook sets on the class is mapped (the base's metaclass notices
only relationships assigned to a mapped class: see late_attributes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HOOKS = {"__declare_first__": "before_configured", "__declare_last__": "after_configured"}


def install_declare_hooks(cls: type) -> None:
    """Listen for configuration with the class's ``__declare_first__`` / ``__declare_last__``."""
    from corral.event import listen
    from corral.orm.mapping.mapper import Mapper

    for name, event_name in HOOKS.items():
        hook = getattr(cls, name, None)
        if hook is not None:
            listen(Mapper, event_name, _caller(cls, hook), once=True)


def _caller(cls: type, hook: Callable[[], Any]) -> Callable[[], None]:
    def call() -> None:
        hook()
        _map_expressions_added(cls)

    return call


def _map_expressions_added(cls: type) -> None:
    from corral.orm.mapping.query_expression import QueryExpression

    mapper = cls.__dict__.get("__mapper__")
    if mapper is None:
        return
    for key, value in list(cls.__dict__.items()):
        if isinstance(value, QueryExpression):
            mapper.add_query_expression(key, value.default_expr)
            setattr(cls, key, value.attribute(cls, key))


__all__ = ["HOOKS", "install_declare_hooks"]
