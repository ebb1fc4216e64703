"""``sessionmaker(autocommit=False, autoflush=False, bind=engine)``: the FastAPI tutorial's form."""

from __future__ import annotations

from corral import Engine, select
from corral.orm import Session, sessionmaker
from tests.integration.orm_models import User, create_schema, recorded_sql


def test_fastapi_sessionmaker_form(engine: Engine) -> None:
    """autocommit=False is accepted; autoflush=False holds the INSERT back until commit()."""
    create_schema(engine)
    SessionLocal: sessionmaker[Session] = sessionmaker(
        autocommit=False, autoflush=False, bind=engine
    )
    db = SessionLocal()
    try:
        with recorded_sql() as sql:
            db.add(User(id=1, name="ann"))
            assert db.scalars(select(User.name)).all() == []  # not flushed: autoflush=False
            db.commit()
    finally:
        db.close()
    dml = [s for s in sql if s.split(" ", 1)[0] in ("SELECT", "INSERT")]
    assert dml == [
        "SELECT users.name FROM users",
        "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?)",
    ]
    with engine.connect() as connection:
        assert list(connection.scalars(select(User.name))) == ["ann"]
