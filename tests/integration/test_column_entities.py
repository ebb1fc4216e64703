"""Columns selected through a subclass or a class mapped against a join read that class's
rows, on SQLite, PostgreSQL and MariaDB (issue 15).

The tests whose docstring says "before:" failed on the code before the fix (checked): the
column's own table was read, every row of it, as if selected through the base class. The
others guard against adding too much (one criterion per class, none for a column only
filtered on, no FROM beside one the statement names).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, func, insert, select
from corral.orm import Session, aliased
from tests.integration.inheritance_models import (
    Car,
    Employee,
    Engineer,
    InheritanceBase,
    Manager,
    Paperwork,
    Truck,
    Vehicle,
)
from tests.integration.multi_table_models import (
    AddressUser,
    MultiTableBase,
    user_table,
)
from tests.integration.orm_models import recorded_sql


@pytest.fixture
def cdb(engine: Engine) -> Iterator[Engine]:
    """An engine holding the inheritance and multi-table models' tables, with rows: two
    cars and a truck; a manager (one paper), an engineer and a plain employee."""
    InheritanceBase.metadata.create_all(engine)
    MultiTableBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Car(name="mini", seats=4),
                Car(name="fiat", seats=2),
                Truck(name="volvo", payload=20),
            ]
        )
        krabs = Manager(name="krabs", manager_name="Eugene")
        krabs.paperwork = [Paperwork(document_name="plan")]
        session.add_all([krabs, Engineer(name="bob", engineer_info="cook"), Employee(name="pl")])
        session.commit()
    yield engine


def _selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("SELECT")]


def test_single_table_subclass_column_reads_the_subclass_rows(cdb: Engine) -> None:
    """select(Car.name) reads cars only (before: every vehicle's name)."""
    with Session(cdb) as session:
        with recorded_sql() as sql:
            names = session.scalars(select(Car.name).order_by(Car.name)).all()
        assert names == ["fiat", "mini"]
        (statement,) = _selects(sql)
        assert statement.count("vehicle.kind IN") == 1
        assert session.query(Car.name).order_by(Car.name).all() == [("fiat",), ("mini",)]
    with cdb.connect() as connection:  # Core execution compiles the same criteria
        assert len(connection.execute(select(Car.name)).all()) == 2


def test_single_table_subclass_columns_in_aggregates(cdb: Engine) -> None:
    """GROUP BY over a subclass's columns groups its rows only (before: all vehicles')."""
    with Session(cdb) as session:
        grouped = session.execute(
            select(Car.kind, func.count()).group_by(Car.kind).order_by(Car.kind)
        ).all()
        assert [tuple(r) for r in grouped] == [("car", 2)]
        ids = session.execute(select(Car.id, func.count()).group_by(Car.id)).all()
        assert len(ids) == 2


def test_expressions_built_on_a_subclass_attribute_read_its_rows(cdb: Engine) -> None:
    """func.count(Car.id), a label, arithmetic: the first attribute's class decides (before:
    every vehicle counted)."""
    with Session(cdb) as session:
        assert session.scalar(select(func.count(Car.id))) == 2
        assert session.scalar(select(func.count(Manager.id))) == 1
        labelled = session.scalars(select(Car.name.label("n")).order_by("n")).all()
        assert labelled == ["fiat", "mini"]
        assert sorted(session.scalars(select(Car.id + 0))) == sorted(
            session.scalars(select(Car.id))
        )
        assert session.query(func.max(Truck.payload), func.count()).one() == (20, 1)


def test_single_table_criteria_once_per_class(cdb: Engine) -> None:
    """Several columns of one class, or the class and its columns: one criterion."""
    shown = str(select(Car, Car.name, Car.id))
    assert shown.count("vehicle.kind IN") == 1
    with Session(cdb) as session:
        rows = session.execute(select(Car, Car.name).order_by(Car.name)).all()
        assert [(car.name, name) for car, name in rows] == [("fiat", "fiat"), ("mini", "mini")]


def test_single_table_column_in_where_only_adds_no_criteria(cdb: Engine) -> None:
    """A subclass's column named only in WHERE filters by its condition, not its class:
    SQLAlchemy adds no discriminator for it."""
    statement = select(Vehicle.name).where(Car.seats.is_(None)).order_by(Vehicle.name)
    assert "kind IN" not in str(statement)
    with Session(cdb) as session:
        assert session.scalars(statement).all() == ["volvo"]


def test_aliased_single_table_subclass_column_filters_on_the_alias(cdb: Engine) -> None:
    """aliased(Car).name reads cars, the criteria on the alias (before: all vehicles)."""
    car = aliased(Car, name="c")
    statement = select(car.name)
    assert "c.kind IN" in str(statement)
    with Session(cdb) as session:
        assert sorted(session.scalars(statement)) == ["fiat", "mini"]


def test_subqueries_of_a_single_table_subclass_carry_its_criteria(cdb: Engine) -> None:
    """query(Car).count() counts cars and IN (select(Car.id)) matches cars only (before:
    every vehicle, the criteria were added to the outermost select alone)."""
    with Session(cdb) as session:
        assert session.query(Car).count() == 2
        assert session.query(Truck).count() == 1
        assert session.query(Vehicle).count() == 3
        in_cars = select(Vehicle.name).where(Vehicle.id.in_(select(Car.id))).order_by("name")
        assert session.scalars(in_cars).all() == ["fiat", "mini"]
        assert session.scalar(select(func.count()).select_from(select(Car).subquery())) == 2


def test_select_from_a_single_table_subclass_counts_its_rows(cdb: Engine) -> None:
    """select(func.count()).select_from(Car) counts cars (before: every vehicle)."""
    with Session(cdb) as session:
        assert session.scalar(select(func.count()).select_from(Car)) == 2
        assert session.query(func.count()).select_from(Truck).scalar() == 1
        assert session.scalar(select(func.count()).select_from(Vehicle)) == 3


def test_joined_subclass_base_column_reads_the_subclass_rows(cdb: Engine) -> None:
    """select(Manager.name) reads FROM employee JOIN manager: managers' names only
    (before: FROM employee, every employee's)."""
    with Session(cdb) as session:
        with recorded_sql() as sql:
            names = session.scalars(select(Manager.name)).all()
        assert names == ["krabs"]
        (statement,) = _selects(sql)
        assert "FROM employee JOIN manager ON" in statement
        assert session.query(Manager.name).all() == [("krabs",)]
        both = session.execute(select(Manager.name, Manager.manager_name)).all()
        assert [tuple(r) for r in both] == [("krabs", "Eugene")]


def test_joined_subclass_own_column_reads_from_the_join(cdb: Engine) -> None:
    """select(Manager.manager_name) selects FROM employee JOIN manager, as SQLAlchemy
    (before: FROM manager)."""
    assert "FROM employee JOIN manager ON" in str(select(Manager.manager_name))
    with Session(cdb) as session:
        assert session.scalars(select(Manager.manager_name)).all() == ["Eugene"]


def test_join_from_a_joined_subclass_column_starts_at_its_join(cdb: Engine) -> None:
    """select(Manager.name).join(Paperwork, ...): the join starts from employee JOIN
    manager, the FROM Manager selects (before: FROM employee JOIN paperwork)."""
    statement = select(Manager.name, Paperwork.document_name).join(
        Paperwork, Paperwork.manager_id == Manager.id
    )
    shown = " ".join(str(statement).split())
    assert "FROM employee JOIN manager ON employee.id = manager.id JOIN paperwork" in shown
    with Session(cdb) as session:
        assert [tuple(r) for r in session.execute(statement)] == [("krabs", "plan")]


def test_explicit_from_is_kept(cdb: Engine) -> None:
    """select_from() names the FROM: the class's join is not added beside it (as
    SQLAlchemy, which uses the class's FROM only when the statement has none)."""
    statement = select(Manager.name).select_from(Employee.__table__)
    assert "JOIN" not in str(statement)
    with Session(cdb) as session:
        assert sorted(session.scalars(statement)) == ["bob", "krabs", "pl"]


def test_join_mapped_class_columns_read_from_its_join(cdb: Engine) -> None:
    """A class mapped against user JOIN address: its columns read from the join, so a
    user without an address is not one of its rows (before: FROM the user table alone,
    and a GROUP BY on the address's column failed)."""
    with Session(cdb) as session:
        session.add(AddressUser(name="ada", email="ada@example.org"))
        session.commit()
        session.execute(insert(user_table).values(name="lonely"))
        session.commit()
        assert session.scalars(select(AddressUser.name)).all() == ["ada"]
        counted = session.execute(
            select(AddressUser.name, func.count()).group_by(
                *AddressUser.id.expressions, AddressUser.name
            )
        ).all()
        assert [tuple(r) for r in counted] == [("ada", 1)]


def test_aliased_joined_subclass_aliases_each_table(cdb: Engine) -> None:
    """aliased(Manager): its columns, its objects and a join to it read employee AS ... JOIN
    manager AS ..., each table aliased (before: invalid SQL, the join itself aliased)."""
    boss = aliased(Manager)
    statement = select(boss.name, boss.manager_name)
    shown = " ".join(str(statement).split())
    assert shown == (
        "SELECT employee_1.name, manager_1.manager_name "
        "FROM employee AS employee_1 JOIN manager AS manager_1 ON employee_1.id = manager_1.id"
    )
    with Session(cdb) as session:
        assert [tuple(r) for r in session.execute(statement)] == [("krabs", "Eugene")]
        (loaded,) = session.scalars(select(boss)).all()
        assert isinstance(loaded, Manager)
        assert loaded.manager_name == "Eugene"
        joined = (
            select(Paperwork.document_name, boss.name)
            .join(boss, boss.id == Paperwork.manager_id)
            .where(boss.manager_name == "Eugene")
        )
        assert [tuple(r) for r in session.execute(joined)] == [("plan", "krabs")]
