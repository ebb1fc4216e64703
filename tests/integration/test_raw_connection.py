"""``engine.raw_connection()`` runs in the driver's own transactions, as under SQLAlchemy:
a raw program's ``rollback()`` undoes its work and an uncommitted checkout is rolled back
when it closes; afterwards the pooled connection is corral's again (autocommit, BEGIN sent
by corral)."""

from __future__ import annotations

from corral.engine import Engine
from corral.sql.text import text

from .conftest import EngineFactory


def _ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM raw_probe ORDER BY id"))
        return [int(value) for value in rows.scalars()]


def _make_table(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE raw_probe (id INTEGER)"))


def test_rollback_commit_and_close_of_a_raw_connection(engine: Engine) -> None:
    """Inserted 1, rolled back; 2, committed; 3, closed without a commit: only 2 is kept.
    (Before, on SQLite and PostgreSQL all three were kept: the driver autocommitted.)"""
    _make_table(engine)
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("INSERT INTO raw_probe (id) VALUES (1)")
    raw.rollback()
    cursor.execute("INSERT INTO raw_probe (id) VALUES (2)")
    raw.commit()
    cursor.execute("INSERT INTO raw_probe (id) VALUES (3)")
    cursor.close()
    raw.close()
    assert _ids(engine) == [2]


def test_the_pooled_connection_is_corrals_again_after_a_raw_checkout(
    make_engine: EngineFactory,
) -> None:
    """After a raw checkout (a pool of one: the same connection next), corral's transactions
    still begin, commit and roll back as before."""
    engine = make_engine(pool_size=1, max_overflow=0)
    _make_table(engine)
    raw = engine.raw_connection()
    raw.cursor().execute("INSERT INTO raw_probe (id) VALUES (1)")
    raw.commit()
    raw.close()
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO raw_probe (id) VALUES (2)"))
        connection.rollback()
        connection.execute(text("INSERT INTO raw_probe (id) VALUES (3)"))
        connection.commit()
    assert _ids(engine) == [1, 3]


def test_control_a_plain_pool_checkout_keeps_corrals_autocommit_mode(engine: Engine) -> None:
    """The control: ``engine.pool.connect()`` hands out the connection in corral's own mode,
    where the driver does not open transactions on SQLite and PostgreSQL: its rollback()
    undoes nothing there (MariaDB's server opens them itself)."""
    _make_table(engine)
    checkout = engine.pool.connect()
    cursor = checkout.cursor()
    cursor.execute("INSERT INTO raw_probe (id) VALUES (1)")
    checkout.rollback()
    cursor.close()
    checkout.close()
    expected = [] if engine.dialect.name == "mysql" else [1]
    assert _ids(engine) == expected
