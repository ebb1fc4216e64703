"""Settings for the whole test suite, applied before corral is imported."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

# pytester runs corral's pytest plugin (corral.testing) the way a user's suite does.
pytest_plugins = ["pytester"]

# Every Session the tests make refuses N+1 loading unless a test says otherwise
# (Session(n_plus_one=None)): corral's own code and fixtures must not lazy-load in loops.
os.environ.setdefault("CORRAL_N_PLUS_ONE", "raise")


@pytest.fixture(autouse=True)
def engine_logger_restored() -> Iterator[None]:
    """``echo=True`` configures the ``corral.engine`` logger for the whole process (as
    SQLAlchemy's does); each test leaves it as it found it, so no test sees another's echo."""
    engine_logger = logging.getLogger("corral.engine")
    level, handlers = engine_logger.level, list(engine_logger.handlers)
    yield
    engine_logger.setLevel(level)
    engine_logger.handlers[:] = handlers
