"""Printed SQL of statements on single-table subclasses, as SQLAlchemy 2.0 prints it:
``update()`` / ``delete()`` of a subclass carry its ``type IN (...)``, and the class's
criteria met twice in one statement print as one parameter."""

from __future__ import annotations

from corral import bindparam, delete, exists, select, update
from corral.orm import aliased
from tests.integration.single_table_join_models import Coder, Firm, Lead, Staff
from tests.unit.compile_helpers import compile_dialect, compiled

IN = "IN (__[POSTCOMPILE_type_1])"


def _flat(statement: object) -> str:
    return " ".join(str(statement).split())


def test_update_of_a_subclass_prints_its_criteria() -> None:
    """update(Coder): WHERE staff.type IN (...), after the statement's own WHERE."""
    assert (
        str(update(Coder).values(name="x")) == f"UPDATE staff SET name=:name WHERE staff.type {IN}"
    )
    assert str(update(Coder).where(Coder.name == "a").values(name="b")) == (
        f"UPDATE staff SET name=:name WHERE staff.name = :name_1 AND staff.type {IN}"
    )
    assert str(update(Staff).values(name="x")) == "UPDATE staff SET name=:name"
    assert str(update(Coder.__table__).values(name="x")) == "UPDATE staff SET name=:name"


def test_delete_of_a_subclass_prints_its_criteria() -> None:
    """delete(Coder): WHERE type IN (...), with RETURNING after it; delete(Staff) has none."""
    assert str(delete(Coder)) == f"DELETE FROM staff WHERE staff.type {IN}"
    assert str(delete(Coder).where(Coder.id == 5).returning(Coder.id)) == (
        f"DELETE FROM staff WHERE staff.id = :id_1 AND staff.type {IN} RETURNING staff.id"
    )
    assert str(delete(Staff)) == "DELETE FROM staff"


def test_update_from_another_table_prints_the_targets_criteria_only() -> None:
    """UPDATE staff ... FROM firm: the subclass's criteria after the join condition, per
    dialect; update(Firm) naming Coder in WHERE adds none."""
    statement = update(Coder).where(Coder.firm_id == Firm.id, Firm.name == "f").values(name="x")
    assert str(statement.compile(dialect=compile_dialect("postgresql"))) == (
        "UPDATE staff SET name=%(name)s FROM firm WHERE staff.firm_id = firm.id "
        "AND firm.name = %(name_1)s AND staff.type IN (__[POSTCOMPILE_type_1])"
    )
    assert str(statement.compile(dialect=compile_dialect("mysql"))) == (
        "UPDATE staff, firm SET staff.name=%s WHERE staff.firm_id = firm.id "
        "AND firm.name = %s AND staff.type IN (__[POSTCOMPILE_type_1])"
    )
    other = update(Firm).where(Firm.id == Coder.firm_id).values(name="x")
    assert "type IN" not in str(other)


def test_dml_criteria_are_part_of_what_runs() -> None:
    """The executed UPDATE / DELETE of a subclass have the criteria too (as in SQLAlchemy,
    also through a Connection), with the identities as the value."""
    sql = compiled(update(Coder).values(name="x"), "sqlite")
    assert sql.sql == "UPDATE staff SET name=? WHERE staff.type IN (?)"
    sql = compiled(delete(Coder).where(Coder.name == "n"), "sqlite")
    assert sql.sql == "DELETE FROM staff WHERE staff.name = ? AND staff.type IN (?)"
    assert compiled(delete(Staff), "sqlite").sql == "DELETE FROM staff"


def test_a_bulk_update_by_primary_key_runs_without_the_criteria() -> None:
    """The statement a bulk UPDATE by primary key runs names rows by key only."""
    statement = update(Coder).where(Coder.id == bindparam("k")).values(name=bindparam("n"))
    bulk = statement.where()
    bulk._adds_entity_criteria = False
    assert compiled(bulk, "sqlite").sql == "UPDATE staff SET name=? WHERE staff.id = ?"
    assert bulk._key([]) != statement._key([])


def test_the_classs_criteria_twice_print_as_one_parameter() -> None:
    """A subclass selected with its criteria inside an EXISTS or an IN subquery too:
    type_1 both times; two subclasses (or aliases) each have their own."""
    statement = select(Coder.name).where(Coder.firm.has(Firm.coders.any(Coder.name == "z")))
    assert _flat(statement) == (
        "SELECT staff.name FROM staff WHERE (EXISTS (SELECT 1 FROM firm WHERE firm.id = "
        f"staff.firm_id AND (EXISTS (SELECT 1 FROM staff WHERE firm.id = staff.firm_id AND "
        f"staff.type {IN} AND staff.name = :name_1)))) AND staff.type {IN}"
    )
    assert statement.compile().params == {"type_1": ["coder"], "name_1": "z"}
    inner = select(Coder.id).where(Coder.name == "z")
    assert _flat(update(Coder).where(Coder.id.in_(inner)).values(name="x")) == (
        "UPDATE staff SET name=:name WHERE staff.id IN (SELECT staff.id FROM staff "
        f"WHERE staff.name = :name_1 AND staff.type {IN}) AND staff.type {IN}"
    )
    two = _flat(select(Coder.name, Lead.name))
    assert two.endswith(
        "WHERE staff.type IN (__[POSTCOMPILE_type_1]) AND staff.type IN (__[POSTCOMPILE_type_2])"
    )
    coder = aliased(Coder)
    assert _flat(select(coder.name, Coder.name).where(coder.id != Coder.id)).endswith(
        "WHERE staff_1.id != staff.id AND staff_1.type IN (__[POSTCOMPILE_type_1]) "
        "AND staff.type IN (__[POSTCOMPILE_type_2])"
    )


def test_shared_parameter_name_leaves_executed_sql_apart() -> None:
    """What runs keeps one placeholder per occurrence, each with the identities."""
    statement = select(Coder.id).where(Coder.firm.has(Firm.coders.any()))
    sql = compiled(statement, "postgresql")
    assert sql.sql.count("staff.type IN") == 2


def test_exists_in_dml_of_a_subclass_is_grouped() -> None:
    """EXISTS beside the subclass's criteria prints in parentheses, as SQLAlchemy groups it."""
    assert _flat(delete(Coder).where(~exists().where(Firm.id == Coder.firm_id))) == (
        "DELETE FROM staff WHERE NOT (EXISTS (SELECT * FROM firm WHERE firm.id = "
        f"staff.firm_id)) AND staff.type {IN}"
    )
    assert _flat(update(Coder).where(Coder.firm.has()).values(name="x")) == (
        "UPDATE staff SET name=:name WHERE (EXISTS (SELECT 1 FROM firm WHERE firm.id = "
        f"staff.firm_id)) AND staff.type {IN}"
    )
