"""Isolation levels per session: from the sessionmaker, or per connection of a session."""

from __future__ import annotations

import pytest

from corral import Engine, Session, sessionmaker

LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT")


@pytest.mark.parametrize("level", LEVELS)
def test_sessionmaker_isolation_level(engine: Engine, level: str) -> None:
    """sessionmaker(isolation_level=...) runs each session's transaction at that level."""
    if level not in engine.dialect.features.isolation_levels:
        pytest.skip(f"the database has no {level}")
    factory: sessionmaker[Session] = sessionmaker(engine, isolation_level=level)
    with factory() as session:
        assert session.connection().get_isolation_level() == level
    with Session(engine) as session:
        default = engine.dialect.features.default_isolation_level
        assert session.connection().get_isolation_level() == default


def test_connection_execution_options_per_session(engine: Engine) -> None:
    """session.connection(execution_options=...) sets the level for that transaction."""
    level = "SERIALIZABLE"
    with Session(engine) as session:
        connection = session.connection(execution_options={"isolation_level": level})
        assert connection.get_isolation_level() == level
        assert session.connection() is connection
