"""Test support for applications built on corral: a pytest plugin and a model factory.

The pytest plugin (:mod:`corral.testing.plugin`) is registered through the ``pytest11`` entry
point, so installing corral makes its fixtures available by name (``corral_engine``,
``corral_connection``, ``corral_session``, ``corral_sessionmaker``, ``corral_bind``,
``corral_factory``); none is autouse, so a test suite that names none of them runs as before.
:class:`ModelFactory` builds mapped instances with the required columns filled in and imports
nothing from pytest. This package sits at the top layer: it may import any of corral.

It also has what a test module written for SQLAlchemy imports from ``sqlalchemy.testing``
(names and meanings as there): the assertions ``eq_``, ``ne_``, ``is_``, ``is_not``,
``eq_ignore_whitespace``, ``assert_raises``, ``assert_raises_message``, the mixin
``AssertsCompiledSQL``, ``variation``, and the modules ``entities`` (``ComparableEntity``)
and ``fixtures`` (``TestBase``).
"""

from __future__ import annotations

from corral.testing import entities, fixtures
from corral.testing.assertions import (
    AssertsCompiledSQL,
    assert_raises,
    assert_raises_message,
    eq_,
    eq_ignore_whitespace,
    is_,
    is_not,
    ne_,
)
from corral.testing.factory import ModelFactory
from corral.testing.variation import variation

__all__ = [
    "AssertsCompiledSQL",
    "ModelFactory",
    "assert_raises",
    "assert_raises_message",
    "entities",
    "eq_",
    "eq_ignore_whitespace",
    "fixtures",
    "is_",
    "is_not",
    "ne_",
    "variation",
]
