"""Test support for applications built on corral: a pytest plugin and a model factory.

The pytest plugin (:mod:`corral.testing.plugin`) is registered through the ``pytest11`` entry
point, so installing corral makes its fixtures available by name (``corral_engine``,
``corral_connection``, ``corral_session``, ``corral_sessionmaker``, ``corral_bind``,
``corral_factory``); none is autouse, so a test suite that names none of them runs as before.
:class:`ModelFactory` builds mapped instances with the required columns filled in and imports
nothing from pytest. This package sits at the top layer: it may import any of corral.
"""

from __future__ import annotations

from corral.testing.factory import ModelFactory

__all__ = ["ModelFactory"]
