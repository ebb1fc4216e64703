"""What ``create_engine(creator=...)`` and ``Engine.execution_options()`` refuse."""

from __future__ import annotations

import sqlite3

import pytest

from corral import create_engine, exc
from corral.engine import Engine


def test_creator_and_connect_args_together_are_refused() -> None:
    """connect_args would never reach a creator's connections: refused, saying where they go."""
    with pytest.raises(exc.ArgumentError, match="both creator= and connect_args="):
        create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(":memory:"), connect_args={"timeout": 1}
        )


def test_creator_must_be_callable() -> None:
    """A creator that is not a function is refused when the engine is made."""
    with pytest.raises(exc.ArgumentError, match=r"creator=\.\.\.\) must be a function"):
        create_engine("sqlite://", creator="sqlite3.connect")  # type: ignore[arg-type]


def test_engine_execution_options_refuses_what_corral_lacks() -> None:
    """Engine.execution_options() refuses an option corral does not implement, naming it."""
    engine = create_engine("sqlite://")
    with pytest.raises(exc.ArgumentError, match=r"Engine.execution_options\(\) .*compiled_cache"):
        engine.execution_options(compiled_cache={})


def test_engine_execution_options_chain() -> None:
    """A copy of a copy holds both sets of options; the original holds none."""
    engine = create_engine("sqlite://")
    copy = engine.execution_options(a=1).execution_options(b=2)
    assert isinstance(copy, Engine) and copy.pool is engine.pool
    assert copy.get_execution_options() == {"a": 1, "b": 2}
    assert engine.get_execution_options() == {}
    with copy.connect() as connection:
        assert connection.get_execution_options() == {"a": 1, "b": 2}


def test_create_engine_future_true_is_accepted() -> None:
    """create_engine(future=True), SQLAlchemy 1.4's opt-in to 2.0 behaviour, is accepted."""
    engine = create_engine("sqlite://", future=True)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
