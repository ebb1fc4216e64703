"""Inheritance mapping on SQLite, PostgreSQL and MariaDB: what a flush sends, in which
order, what the tables hold, and which classes loading builds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import pytest

from corral import Engine, delete, exc, insert, or_, select, update
from corral.orm import (
    Session,
    joinedload,
    selectin_polymorphic,
    selectinload,
    with_polymorphic,
)
from tests.integration.inheritance_models import (
    Car,
    Cashier,
    Clerk,
    Company,
    Digger,
    Employee,
    Engineer,
    InheritanceBase,
    Machine,
    Manager,
    Painter,
    Paperwork,
    Plumber,
    Shop,
    Truck,
    Vehicle,
    Welder,
    Worker,
)
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import rows, shape


@pytest.fixture
def idb(engine: Engine) -> Iterator[Engine]:
    """An engine whose database holds the inheritance models' tables."""
    InheritanceBase.metadata.create_all(engine)
    yield engine


def _selects(statements: list[str]) -> list[str]:
    """The SELECTs among recorded statements (servers also log BEGIN)."""
    return [s for s in statements if s.startswith("SELECT")]


def _staff(engine: Engine) -> dict[str, int]:
    """A company with a manager (two papers), two engineers and a plain employee."""
    with Session(engine) as session:
        company = Company(name="Krusty Krab")
        krabs = Manager(name="krabs", manager_name="Eugene", company=company)
        krabs.paperwork = [Paperwork(document_name="plan"), Paperwork(document_name="budget")]
        bob = Engineer(name="bob", engineer_info="fry cook", company=company)
        squid = Engineer(name="squid", engineer_info="cashier", company=company)
        plain = Employee(name="plankton", company=company)
        session.add_all([company, krabs, bob, squid, plain])
        session.commit()
        return {"krabs": krabs.id, "bob": bob.id, "squid": squid.id, "plain": plain.id}


def test_joined_insert_writes_the_base_row_first_and_copies_its_key(idb: Engine) -> None:
    """A new Manager is an employee row, then a manager row with the employee's new key."""
    with Session(idb) as session:
        session.add(Manager(name="krabs", manager_name="Eugene"))
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql) == ["INSERT employee", "INSERT manager"]
    ((employee_id, kind),) = rows(idb, "SELECT id, type FROM employee")
    assert kind == "manager"
    assert rows(idb, "SELECT id, manager_name FROM manager") == [(employee_id, "Eugene")]


def test_joined_insert_of_mixed_classes_batches_each_table(idb: Engine) -> None:
    """Managers and engineers: the employee rows first, then each subclass table's rows."""
    with Session(idb) as session:
        session.add_all(
            [
                Manager(name="a", manager_name="A"),
                Engineer(name="b", engineer_info="B"),
                Engineer(name="c", engineer_info="C"),
            ]
        )
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql)[0] == "INSERT employee"
    assert sorted(shape(sql)[-2:]) == ["INSERT engineer", "INSERT manager"]
    assert rows(idb, "SELECT name, type FROM employee ORDER BY name") == [
        ("a", "manager"),
        ("b", "engineer"),
        ("c", "engineer"),
    ]
    joined = "SELECT e.name, g.engineer_info FROM employee e JOIN engineer g ON g.id = e.id"
    assert sorted(rows(idb, joined)) == [("b", "B"), ("c", "C")]


def test_joined_delete_removes_the_subclass_row_first(idb: Engine) -> None:
    """Deleting a Manager deletes its manager row, then its employee row."""
    ids = _staff(idb)
    with Session(idb) as session:
        krabs = session.get(Manager, ids["krabs"])
        assert krabs is not None
        for paper in krabs.paperwork:
            session.delete(paper)
        session.flush()
        session.delete(krabs)
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql) == ["DELETE manager", "DELETE employee"]
    assert rows(idb, "SELECT id FROM manager") == []
    assert (ids["krabs"],) not in rows(idb, "SELECT id FROM employee")


def test_joined_update_writes_only_the_tables_whose_columns_changed(idb: Engine) -> None:
    """A change to a base column and a subclass column: one UPDATE per table, base first."""
    ids = _staff(idb)
    with Session(idb) as session:
        krabs = session.get(Manager, ids["krabs"])
        assert krabs is not None
        krabs.manager_name = "Mr. Krabs"
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE manager"]
        krabs.name = "eugene"
        krabs.manager_name = "Eugene H."
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql) == ["UPDATE employee", "UPDATE manager"]
    assert rows(idb, f"SELECT manager_name FROM manager WHERE id = {ids['krabs']}") == [
        ("Eugene H.",)
    ]


def test_querying_the_base_builds_each_rows_class(idb: Engine) -> None:
    """select(Employee) gives a Manager, Engineers and an Employee, per discriminator."""
    _staff(idb)
    with Session(idb) as session:
        found: Sequence[Any] = session.scalars(select(Employee).order_by(Employee.id)).all()
        assert [type(o) for o in found] == [Manager, Engineer, Engineer, Employee]
        assert found[0].manager_name == "Eugene"  # loaded on access


def test_identity_is_keyed_by_the_base_class(idb: Engine) -> None:
    """The row loaded through Employee and through Manager is one object; get() of
    another subclass for that key gives None."""
    ids = _staff(idb)
    with Session(idb) as session:
        through_base = session.scalars(select(Employee).where(Employee.name == "krabs")).one()
        through_sub = session.scalars(select(Manager)).one()
        assert through_base is through_sub
        assert session.get(Employee, ids["krabs"]) is through_base
        assert session.get(Engineer, ids["krabs"]) is None
        assert isinstance(through_base, Manager)


def test_selecting_a_joined_subclass_reads_both_tables_in_one_select(idb: Engine) -> None:
    """select(Engineer) joins employee to engineer: every column loaded by that SELECT."""
    _staff(idb)
    with Session(idb) as session, recorded_sql() as sql:
        engineers = session.scalars(select(Engineer).order_by(Engineer.id)).all()
        infos = [(e.name, e.engineer_info) for e in engineers]
    assert infos == [("bob", "fry cook"), ("squid", "cashier")]
    assert len(_selects(sql)) == 1 and "JOIN engineer" in _selects(sql)[0]


def test_selectin_polymorphic_loads_subclass_columns_after_the_query(idb: Engine) -> None:
    """selectin_polymorphic(): one SELECT per subclass; reading their columns sends nothing."""
    _staff(idb)
    with Session(idb) as session:
        option = selectin_polymorphic(Employee, [Manager, Engineer])
        with recorded_sql() as sql:
            found: Sequence[Any] = session.scalars(
                select(Employee).order_by(Employee.id).options(option)
            ).all()
        assert len(_selects(sql)) == 3
        with recorded_sql() as after:
            assert found[0].manager_name == "Eugene"
            assert [f.engineer_info for f in found[1:3]] == ["fry cook", "cashier"]
        assert after == []


def test_with_polymorphic_selects_subclass_columns_in_one_select(idb: Engine) -> None:
    """with_polymorphic(): outer joins to the subclass tables; criteria on their columns."""
    _staff(idb)
    with Session(idb) as session:
        poly = with_polymorphic(Employee, [Manager, Engineer])
        stmt = (
            select(poly)
            .where(
                or_(poly.Manager.manager_name == "Eugene", poly.Engineer.engineer_info == "cashier")
            )
            .order_by(poly.id)
        )
        with recorded_sql() as sql:
            found = session.scalars(stmt).all()
            names = [(type(o).__name__, o.name) for o in found]
            assert found[0].manager_name == "Eugene"
        assert names == [("Manager", "krabs"), ("Engineer", "squid")]
        assert len(_selects(sql)) == 1 and "LEFT OUTER JOIN" in _selects(sql)[0]


def test_aliased_with_polymorphic_joins_the_hierarchy_to_itself(idb: Engine) -> None:
    """Two aliased with_polymorphic() entities in one SELECT: managers and engineers of
    the same company, each row two objects of their classes."""
    _staff(idb)
    with Session(idb) as session:
        managers = with_polymorphic(Employee, [Manager], aliased=True, flat=True)
        engineers = with_polymorphic(Employee, [Engineer], aliased=True, flat=True)
        stmt = (
            select(managers, engineers)
            .join(engineers, engineers.company_id == managers.company_id)
            .where(managers.Manager.manager_name == "Eugene", engineers.type == "engineer")
            .order_by(engineers.name)
        )
        pairs = [(m.name, type(e).__name__, e.name) for m, e in session.execute(stmt)]
    assert pairs == [("krabs", "Engineer", "bob"), ("krabs", "Engineer", "squid")]


def test_aliased_with_polymorphic_without_flat_selects_from_subqueries(idb: Engine) -> None:
    """Without flat=True each aliased with_polymorphic() is a subquery of its tables'
    LEFT OUTER JOIN, its columns labelled table_column (the SQL SQLAlchemy prints); the
    rows are those of the flat form."""
    _staff(idb)
    found: dict[bool, list[tuple[str, str, str]]] = {}
    for flat in (True, False):
        managers = with_polymorphic(Employee, [Manager], aliased=True, flat=flat)
        engineers = with_polymorphic(Employee, [Engineer], aliased=True, flat=flat)
        stmt = (
            select(managers, engineers)
            .join(engineers, engineers.company_id == managers.company_id)
            .where(managers.Manager.manager_name == "Eugene", engineers.type == "engineer")
            .order_by(engineers.name)
        )
        with Session(idb) as session:
            found[flat] = [
                (m.manager_name, type(e).__name__, e.engineer_info)
                for m, e in session.execute(stmt)
            ]
    assert (
        found[False]
        == found[True]
        == [
            ("Eugene", "Engineer", "fry cook"),
            ("Eugene", "Engineer", "cashier"),
        ]
    )
    printed = " ".join(str(stmt).split())
    assert printed.startswith(
        "SELECT anon_1.employee_id, anon_1.employee_name, anon_1.employee_type, "
        "anon_1.employee_company_id, anon_1.manager_id, anon_1.manager_manager_name, "
        "anon_2.employee_id AS employee_id_1, "
    )
    assert (
        "FROM (SELECT employee.id AS employee_id, employee.name AS employee_name, "
        "employee.type AS employee_type, employee.company_id AS employee_company_id, "
        "manager.id AS manager_id, manager.manager_name AS manager_manager_name "
        "FROM employee LEFT OUTER JOIN manager ON employee.id = manager.id) AS anon_1 "
        "JOIN (SELECT " in printed
    )
    assert printed.endswith(
        "WHERE anon_1.manager_manager_name = :manager_manager_name_1 "
        "AND anon_2.employee_type = :employee_type_2 ORDER BY anon_2.employee_name"
    )


def test_with_polymorphic_tells_apart_sibling_columns_of_one_name(idb: Engine) -> None:
    """Two subclasses with their own ``status`` columns: each object gets its own table's."""
    with Session(idb) as session:
        session.add_all([Welder(status="hot"), Painter(status="wet")])
        session.commit()
    with Session(idb) as session:
        poly = with_polymorphic(Worker, "*")
        found = session.scalars(select(poly).order_by(poly.id)).all()
        assert [(type(w).__name__, w.status) for w in found] == [
            ("Welder", "hot"),
            ("Painter", "wet"),
        ]


def test_of_type_joins_to_the_subclass_table(idb: Engine) -> None:
    """join(Company.employees.of_type(Engineer)) joins employee and engineer to company."""
    _staff(idb)
    with Session(idb) as session:
        stmt = (
            select(Company.name, Engineer.name)
            .join(Company.employees.of_type(Engineer))
            .where(Engineer.engineer_info == "cashier")
        )
        assert session.execute(stmt).all() == [("Krusty Krab", "squid")]


def test_selectinload_of_a_polymorphic_collection(idb: Engine) -> None:
    """selectinload(Company.employees) fills the collection with each row's class, and a
    subclass relationship loads through options for that subclass."""
    _staff(idb)
    with Session(idb) as session:
        stmt = select(Company).options(
            selectinload(Company.employees).options(
                selectin_polymorphic(Employee, [Manager]), selectinload(Manager.paperwork)
            )
        )
        company = session.scalars(stmt).one()
        with recorded_sql() as sql:
            kinds = [type(e).__name__ for e in company.employees]
            papers = [p.document_name for p in cast(Any, company.employees[0]).paperwork]
        assert sql == []
    assert kinds == ["Manager", "Engineer", "Engineer", "Employee"]
    assert papers == ["plan", "budget"]


def test_joinedload_of_a_polymorphic_collection(idb: Engine) -> None:
    """joinedload(Company.employees) builds the subclass each joined row names."""
    _staff(idb)
    with Session(idb) as session:
        stmt = select(Company).options(joinedload(Company.employees))
        company = session.scalars(stmt).unique().one()
        kinds = [type(e).__name__ for e in company.employees]
    assert kinds == ["Manager", "Engineer", "Engineer", "Employee"]


def test_single_table_insert_sets_the_discriminator(idb: Engine) -> None:
    """Single-table classes write one table, each row's kind its class's identity."""
    with Session(idb) as session:
        car = Car(name="mini", seats=4)
        assert car.kind == "car"  # set when the object is made
        session.add_all([car, Truck(name="volvo", payload=20), Vehicle(name="cart")])
        with recorded_sql() as sql:
            session.commit()
    assert set(shape(sql)) == {"INSERT vehicle"}
    assert rows(idb, "SELECT name, kind, seats, payload FROM vehicle ORDER BY name") == [
        ("cart", "vehicle", None, None),
        ("mini", "car", 4, None),
        ("volvo", "truck", None, 20),
    ]


def test_single_table_subclass_query_adds_the_discriminator_criteria(idb: Engine) -> None:
    """select(Car) reads only the rows whose kind is car; select(Vehicle) reads all."""
    with Session(idb) as session:
        session.add_all([Car(name="mini", seats=4), Truck(name="volvo", payload=20)])
        session.commit()
        assert [c.name for c in session.scalars(select(Car))] == ["mini"]
        everything = session.scalars(select(Vehicle).order_by(Vehicle.name)).all()
        expected: list[type] = [Car, Truck]
        assert [type(v) for v in everything] == expected
    assert "vehicle.kind IN" in str(select(Car))


def test_inline_polymorphic_load_reads_the_subclass_column_with_the_base(idb: Engine) -> None:
    """polymorphic_load='inline' (Truck): select(Vehicle) reads payload in the same row."""
    with Session(idb) as session:
        session.add(Truck(name="volvo", payload=20))
        session.commit()
        with recorded_sql() as sql:
            (truck,) = cast(Any, session.scalars(select(Vehicle)).all())
            assert truck.payload == 20
        assert len(_selects(sql)) == 1 and "payload" in _selects(sql)[0]


def test_polymorphic_abstract_class_cannot_be_made(idb: Engine) -> None:
    """An abstract class of the hierarchy is refused; its subclasses work."""
    with pytest.raises(exc.InvalidRequestError, match="polymorphic_abstract"):
        Machine(name="x")
    with Session(idb) as session:
        session.add(Digger(name="cat", bucket=3))
        session.commit()
        assert [type(v) for v in session.scalars(select(Machine))] == [Digger]


def test_deleting_a_single_table_subclass_deletes_its_row(idb: Engine) -> None:
    """A single-table subclass is one row: one DELETE."""
    with Session(idb) as session:
        car = Car(name="mini", seats=4)
        session.add(car)
        session.commit()
        session.delete(car)
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql) == ["DELETE vehicle"]
    assert rows(idb, "SELECT id FROM vehicle") == []


def test_orm_insert_of_a_joined_class_writes_each_table(idb: Engine) -> None:
    """insert(Manager) with parameter sets: employee rows first, then manager rows with
    their keys; returning(Manager) gives the new objects in order."""
    with Session(idb) as session:
        with recorded_sql() as sql:
            managers = session.scalars(
                insert(Manager).returning(Manager),
                [{"name": "sandy", "manager_name": "S"}, {"name": "krabs", "manager_name": "K"}],
            ).all()
        assert [(m.name, m.manager_name, m.type) for m in managers] == [
            ("sandy", "S", "manager"),
            ("krabs", "K", "manager"),
        ]
        assert [s for s in shape(sql) if s.startswith("INSERT")] == [
            "INSERT employee",
            "INSERT employee",
            "INSERT manager",
        ]
        session.commit()
    joined = "SELECT e.name, e.type, m.manager_name FROM employee e JOIN manager m ON m.id = e.id"
    assert sorted(rows(idb, joined)) == [("krabs", "manager", "K"), ("sandy", "manager", "S")]


def test_orm_bulk_update_of_a_joined_class_updates_each_table(idb: Engine) -> None:
    """update(Manager) with sets by key: each table with columns to set gets an UPDATE."""
    ids = _staff(idb)
    with Session(idb) as session:
        with recorded_sql() as sql:
            session.execute(
                update(Manager), [{"id": ids["krabs"], "name": "eugene", "manager_name": "E"}]
            )
        assert shape(sql) == ["UPDATE employee", "UPDATE manager"]
        session.commit()
    assert rows(idb, f"SELECT name FROM employee WHERE id = {ids['krabs']}") == [("eugene",)]
    assert rows(idb, "SELECT manager_name FROM manager") == [("E",)]


def test_orm_update_and_delete_with_criteria_write_the_subclass_table(idb: Engine) -> None:
    """update(Manager).where(Manager.id == k) writes manager; delete(Manager) deletes there."""
    ids = _staff(idb)
    with Session(idb) as session:
        session.execute(delete(Paperwork))
        stmt = update(Manager).where(Manager.id == ids["krabs"]).values(manager_name="Boss")
        with recorded_sql() as sql:
            session.execute(stmt)
        # (a SELECT may come first: the session finds the objects the criteria match)
        assert [s for s in shape(sql) if s != "SELECT"] == ["UPDATE manager"]
        session.execute(delete(Manager).where(Manager.id == ids["krabs"]))
        session.commit()
    assert rows(idb, "SELECT id FROM manager") == []
    assert (ids["krabs"],) in rows(idb, "SELECT id FROM employee")


def test_concrete_classes_write_their_own_tables_and_load_through_the_union(idb: Engine) -> None:
    """Each concrete class is one row in its own table; the base reads them all (UNION),
    each row as its class; the same key in two tables is two objects."""
    with Session(idb) as session:
        shop = Shop(name="corner", staff=[Clerk(name="ann"), Cashier(name="bob", till=3)])
        session.add(shop)
        with recorded_sql() as sql:
            session.commit()
        assert sorted(s for s in shape(sql) if s.startswith("INSERT")) == [
            "INSERT cashier",
            "INSERT clerk",
            "INSERT shop",
        ]
    assert rows(idb, "SELECT name FROM clerk") == [("ann",)]
    assert rows(idb, "SELECT name, till FROM cashier") == [("bob", 3)]
    with Session(idb) as session:
        everyone = session.scalars(select(Clerk).order_by(Clerk.name)).all()
        assert [(type(c).__name__, c.name) for c in everyone] == [
            ("Clerk", "ann"),
            ("Cashier", "bob"),
        ]
        assert everyone[0].id == everyone[1].id  # both tables numbered from 1
        assert session.scalars(select(Cashier)).one() is everyone[1]
        shop = session.scalars(select(Shop)).one()
        assert sorted(c.name for c in shop.staff) == ["ann", "bob"]
        assert cast(Any, session.scalars(select(Clerk).where(Clerk.name == "bob")).one()).till == 3


def test_concrete_delete_removes_the_row_from_its_class_table(idb: Engine) -> None:
    """Deleting a concrete subclass's object deletes from its table only."""
    with Session(idb) as session:
        cashier = Cashier(name="bob", till=1)
        session.add_all([cashier, Clerk(name="ann")])
        session.commit()
        session.delete(cashier)
        with recorded_sql() as sql:
            session.commit()
    assert shape(sql) == ["DELETE cashier"]
    assert rows(idb, "SELECT name FROM clerk") == [("ann",)]
    assert rows(idb, "SELECT name FROM cashier") == []


def test_orm_dml_of_a_single_table_subclass_reaches_its_rows_only(idb: Engine) -> None:
    """insert(Car) rows get kind 'car'; update(Car) and delete(Car) add the kind criteria,
    so the truck in the same table is untouched."""
    with Session(idb) as session:
        session.execute(insert(Car), [{"name": "a", "seats": 2}, {"name": "b", "seats": 4}])
        session.execute(insert(Truck), [{"name": "t", "payload": 1}])
        assert session.execute(update(Vehicle).values(name="any")).rowcount == 3
        assert session.execute(update(Car).values(name="car")).rowcount == 2
        assert session.execute(delete(Car).where(Car.seats == 2)).rowcount == 1
        session.commit()
    assert rows(idb, "SELECT name, kind FROM vehicle ORDER BY id") == [
        ("car", "car"),
        ("any", "truck"),
    ]


def test_single_table_subclass_dml_through_a_connection_and_synchronizing(idb: Engine) -> None:
    """update(Car) run on a Connection reaches cars only (as SQLAlchemy's does); through a
    session, 'evaluate' and 'fetch' update the cars in the session and not the truck; a
    bulk UPDATE by primary key names rows by key alone (no kind criteria in its SQL)."""
    with Session(idb) as session:
        session.execute(insert(Car), [{"name": "a", "seats": 2}])
        session.execute(insert(Truck), [{"name": "t", "payload": 1}])
        session.commit()
    with idb.begin() as conn:
        assert conn.execute(update(Car).values(name="c1")).rowcount == 1
    assert rows(idb, "SELECT name, kind FROM vehicle ORDER BY id") == [
        ("c1", "car"),
        ("t", "truck"),
    ]
    with Session(idb) as session:
        car, truck = session.scalars(select(Vehicle).order_by(Vehicle.id)).all()
        for mode in ("evaluate", "fetch"):
            statement = update(Car).where(Car.id > 0).values(name=f"c-{mode}")
            session.execute(statement, execution_options={"synchronize_session": mode})
            assert (car.name, truck.name) == (f"c-{mode}", "t")
        with recorded_sql() as sql:
            session.execute(update(Car), [{"id": car.id, "name": "by-key"}])
        assert [s for s in sql if s.startswith("UPDATE")] and not any("kind" in s for s in sql)
        assert car.name == "by-key"
        session.commit()
    assert rows(idb, "SELECT name FROM vehicle ORDER BY id") == [("by-key",), ("t",)]


def test_selectin_polymorphic_load_follows_every_query_of_the_base(idb: Engine) -> None:
    """polymorphic_load='selectin' (Plumber): select(Worker) is followed by one SELECT of
    the plumbers' columns; reading them sends nothing more."""
    with Session(idb) as session:
        session.add_all([Plumber(pipes=7), Welder(status="hot")])
        session.commit()
    with Session(idb) as session:
        with recorded_sql() as sql:
            found: Sequence[Any] = session.scalars(select(Worker).order_by(Worker.id)).all()
        assert len(_selects(sql)) == 2 and "plumber" in _selects(sql)[1]
        with recorded_sql() as after:
            assert found[0].pipes == 7
        assert after == []


def test_of_type_in_a_loader_option(idb: Engine) -> None:
    """selectinload(Company.employees.of_type(with_polymorphic(...))) loads the subclass
    columns with the collection."""
    _staff(idb)
    with Session(idb) as session:
        poly = with_polymorphic(Employee, "*")
        stmt = select(Company).options(selectinload(Company.employees.of_type(poly)))
        company = session.scalars(stmt).one()
        with recorded_sql() as sql:
            infos = [getattr(e, "engineer_info", None) for e in company.employees]
        assert _selects(sql) == []
    assert infos == [None, "fry cook", "cashier", None]
