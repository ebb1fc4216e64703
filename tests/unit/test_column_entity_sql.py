"""The SQL a select of subclass or join-mapped attributes prints, and str() of a column
or an attribute, as SQLAlchemy prints them (issue 15)."""

from __future__ import annotations

from corral import Column, Integer, MetaData, Table, column, func, select
from corral.orm import aliased
from tests.integration.inheritance_models import Car, Employee, Manager, Vehicle
from tests.integration.multi_table_models import AddressUser


def _flat(statement: object) -> str:
    return " ".join(str(statement).split())


def test_str_of_a_table_column_is_its_table_and_name_unquoted() -> None:
    """str(t.c.id) is "user.id" even where SQL quotes the names; expressions compile."""
    t = Table("user", MetaData(), Column("id", Integer), Column("Weird Name", Integer))
    assert str(t.c.id) == "user.id"
    assert str(t.c["Weird Name"]) == "user.Weird Name"
    assert str(Column("free", Integer)) == "free"
    assert str(Column(Integer)) == "(no name)"
    assert str(t.c.id + 1) == '"user".id + :id_1'
    assert str(column("order")) == '"order"'


def test_str_of_an_attribute_is_its_class_and_key() -> None:
    """str(Manager.name) is "Manager.name" (it raised before: no cache key)."""
    assert str(Manager.name) == "Manager.name"
    assert str(aliased(Car, name="c").name) == "aliased(Car).name"


def test_single_table_subclass_column_adds_the_discriminator() -> None:
    """select(Car.name): WHERE vehicle.kind IN (...), once for several columns."""
    assert _flat(select(Car.name)) == (
        "SELECT vehicle.name FROM vehicle WHERE vehicle.kind IN (__[POSTCOMPILE_kind_1])"
    )
    assert str(select(Car.name, Car.id, Car)).count("kind IN") == 1
    assert "kind IN" not in str(select(Vehicle.name).order_by(Car.seats))


def test_expressions_carry_the_class_of_their_first_attribute() -> None:
    """func.count(Car.id) and Car.name.label("n") select Car's rows; a join-mapped or joined
    class's FROM comes with them too."""
    assert "vehicle.kind IN" in str(select(func.count(Car.id)))
    assert "vehicle.kind IN" in str(select(Car.name.label("n")))
    assert "vehicle.kind IN" in str(select(func.lower(Car.name) + "x"))
    assert "FROM employee JOIN manager" in str(select(func.count(Manager.id)))
    assert "kind IN" not in str(select(func.count(Vehicle.id)))


def test_select_from_a_subclass_adds_its_criteria() -> None:
    """select_from(Car) brings Car's criteria; select_from(its table) does not."""
    assert _flat(select(func.count()).select_from(Car)) == (
        "SELECT count(*) AS count_1 FROM vehicle WHERE vehicle.kind IN (__[POSTCOMPILE_kind_1])"
    )
    assert "kind IN" not in str(select(func.count()).select_from(Vehicle.__table__))


def test_joined_subclass_columns_select_from_the_join() -> None:
    """select(Manager.name) and select(Manager.manager_name): FROM employee JOIN manager."""
    joined = "FROM employee JOIN manager ON employee.id = manager.id"
    assert _flat(select(Manager.name)) == f"SELECT employee.name {joined}"
    assert _flat(select(Manager.manager_name)) == f"SELECT manager.manager_name {joined}"
    assert _flat(select(Employee.name)) == "SELECT employee.name FROM employee"


def test_join_mapped_class_columns_select_from_its_join() -> None:
    """A class mapped against mt_user JOIN mt_address: its columns read from the join."""
    statement = select(AddressUser.name, func.count()).group_by(*AddressUser.id.expressions)
    assert _flat(statement) == (
        "SELECT mt_user.name, count(*) AS count_1 FROM mt_user JOIN mt_address "
        "ON mt_user.id = mt_address.user_id GROUP BY mt_user.id, mt_address.user_id"
    )


def test_subquery_of_a_subclass_carries_its_criteria() -> None:
    """The criteria are compiled wherever the select is, a subquery too."""
    shown = _flat(select(Vehicle.id).where(Vehicle.id.in_(select(Car.id))))
    assert shown.endswith(
        "WHERE vehicle.id IN (SELECT vehicle.id FROM vehicle "
        "WHERE vehicle.kind IN (__[POSTCOMPILE_kind_1]))"
    )


def test_criteria_stay_out_of_the_whereclause() -> None:
    """The class's criteria are compiled, not added to the statement's own WHERE."""
    assert select(Car.name).whereclause is None


def test_same_column_through_base_and_subclass_compile_apart() -> None:
    """select(Vehicle.id) and select(Car.id) read the same column yet are different
    statements: their cache keys differ, so neither reuses the other's SQL."""
    base, sub = select(Vehicle.id), select(Car.id)
    assert base._key([]) != sub._key([])
    assert "kind IN" not in str(base)
    assert "kind IN" in str(sub)
