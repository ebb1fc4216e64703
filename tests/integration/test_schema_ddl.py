"""create_all / drop_all on real databases: foreign-key order, cycles, indexes, checkfirst."""

from __future__ import annotations

import pytest

from corral import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    exc,
    insert,
    select,
    text,
)
from corral.sql.ddl import has_table


def _cyclic() -> tuple[MetaData, Table, Table]:
    metadata = MetaData()
    departments = Table(
        "departments",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("head_id", Integer, ForeignKey("employees.id")),
    )
    employees = Table(
        "employees",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("department_id", Integer, ForeignKey("departments.id")),
        Column("name", String(40), index=True),
        Index("ix_employees_dept_name", "department_id", "name", unique=True),
    )
    return metadata, departments, employees


def test_cycle_of_foreign_keys_creates_and_drops(engine: Engine) -> None:
    """Two tables that refer to each other are created, enforced, and dropped again."""
    metadata, departments, employees = _cyclic()
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(departments).values(id=1, head_id=None))
        conn.execute(insert(employees).values(id=10, department_id=1, name="ann"))
        conn.execute(departments.update().values(head_id=10))
    with engine.connect() as conn:
        assert conn.execute(select(departments.c.head_id)).scalar() == 10
        with pytest.raises(exc.IntegrityError):
            conn.execute(insert(employees).values(id=11, department_id=99, name="x"))
        conn.rollback()
    metadata.drop_all(engine)
    with engine.connect() as conn:
        assert not has_table(conn, "departments")
        assert not has_table(conn, "employees")


def test_create_all_checkfirst_keeps_existing_rows(engine: Engine) -> None:
    """A second create_all leaves existing tables (and their rows) alone."""
    metadata, departments, _ = _cyclic()
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(departments).values(id=1))
    metadata.create_all(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM departments")).scalar() == 1
    metadata.drop_all(engine)


def test_unique_index_is_enforced(engine: Engine) -> None:
    """An Index(unique=True) from the metadata is created and enforced."""
    metadata, departments, employees = _cyclic()
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(departments).values(id=1))
        conn.execute(insert(employees).values(id=1, department_id=1, name="ann"))
    with engine.connect() as conn, pytest.raises(exc.IntegrityError):
        conn.execute(insert(employees).values(id=2, department_id=1, name="ann"))
    metadata.drop_all(engine)
