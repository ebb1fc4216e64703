"""echo=True writes to the current sys.stdout, even when it was replaced after the first engine."""

from __future__ import annotations

import contextlib
import io

import pytest

from corral import create_engine, text
from corral.engine.log import _EchoHandler, logger


def test_echo_follows_a_redirected_stdout() -> None:
    """Lines echoed after stdout is redirected land in the new stdout, not the old stream."""
    create_engine("sqlite://", echo=True).dispose()  # installs the handler if nobody did
    if not any(isinstance(h, _EchoHandler) for h in logger.handlers):
        pytest.skip("the corral.engine logger was configured by someone else")
    previous = logger.level
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            engine = create_engine("sqlite://", echo=True)
            with engine.connect() as connection:
                connection.execute(text("SELECT 41 + 1"))
            engine.dispose()
    finally:
        logger.setLevel(previous)
    assert "SELECT 41 + 1" in out.getvalue()
