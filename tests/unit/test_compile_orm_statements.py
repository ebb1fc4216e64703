"""The SQL of issue 13's ORM and DML statement forms, per dialect, as SQLAlchemy 2.0 writes it."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from corral import (
    Bundle,
    DeclarativeBase,
    ForeignKey,
    Integer,
    Mapped,
    String,
    aliased,
    column,
    delete,
    exc,
    exists,
    insert,
    load_only,
    mapped_column,
    relationship,
    select,
    text,
    update,
    values,
    with_parent,
)
from corral.engine.row import make_row
from tests.unit.compile_helpers import (
    DIALECT_NAMES,
    compiled,
    executed_sql,
    sql,
    translate,
)


def one_line(statement: Any) -> str:
    """The SQL SQLite would run for ``statement`` (ORM options applied), as one line."""
    return executed_sql(statement, "sqlite")


class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    status: Mapped[Optional[str]] = mapped_column(String(10), default="new")  # noqa: UP045
    mails: Mapped[list[Mail]] = relationship(back_populates="person")


class Mail(Base):
    __tablename__ = "mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    email: Mapped[str] = mapped_column(String(50))
    person: Mapped[Person] = relationship(back_populates="mails")


person = Person.__table__
mail = Mail.__table__


# -- DML --------------------------------------------------------------------------------------


def test_str_of_insert_without_values_lists_every_column() -> None:
    """str(insert(t)) shows every column as a parameter, as SQLAlchemy prints it."""
    assert (
        str(insert(person)) == "INSERT INTO person (id, name, status) VALUES (:id, :name, :status)"
    )
    assert str(insert(person).values()) == "INSERT INTO person (status) VALUES (:status)"


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_executed_insert_without_values_still_uses_defaults(dialect: str) -> None:
    """Compiled for execution with no parameters, insert(t) sets only the defaulted columns."""
    executed = sql(insert(person), dialect).split(" RETURNING ")[0]  # PostgreSQL: the new key
    assert executed == translate("INSERT INTO person (status) VALUES (?)", dialect)


def test_str_of_update_without_values_sets_every_column() -> None:
    """str(update(t)) shows SET for every column, as SQLAlchemy prints it."""
    assert str(update(person)) == "UPDATE person SET id=:id, name=:name, status=:status"


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_update_values_keyed_by_column_and_attribute(dialect: str) -> None:
    """update().values({column: v}) and {Class.attr: v} name the columns, as keywords do."""
    by_column = update(person).values({person.c.name: "a"})
    by_attribute = update(Person).values({Person.name: "a"})
    expected = translate("UPDATE person SET name=?", dialect)
    assert sql(by_column, dialect) == expected
    assert sql(by_attribute, dialect) == expected


def test_multi_table_update_sets_columns_of_both_tables_on_mariadb() -> None:
    """MariaDB's multi-table UPDATE sets another table's columns, those first (as SQLAlchemy)."""
    stmt = (
        update(person)
        .where(person.c.id == mail.c.person_id)
        .values({person.c.name: "n", mail.c.email: "e"})
    )
    assert sql(stmt, "mysql") == (
        "UPDATE person, mail SET mail.email=%s, person.name=%s WHERE person.id = mail.person_id"
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_setting_another_tables_column_is_refused_elsewhere(dialect: str) -> None:
    """Where UPDATE cannot set two tables, a value for another table's column is refused."""
    stmt = (
        update(person)
        .where(person.c.id == mail.c.person_id)
        .values({person.c.name: "n", mail.c.email: "e"})
    )
    with pytest.raises(exc.UnsupportedCompilationError, match="other tables"):
        sql(stmt, dialect)
    with pytest.raises(exc.UnsupportedCompilationError, match="not a multi-table UPDATE"):
        sql(update(person).values({mail.c.email: "e"}), "mysql")


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_ordered_values_keeps_the_given_set_order(dialect: str) -> None:
    """ordered_values() writes SET in the order given, not the table's."""
    stmt = update(person).ordered_values((person.c.status, "s"), (person.c.name, "n"))
    assert sql(stmt, dialect) == translate("UPDATE person SET status=?, name=?", dialect)
    with pytest.raises(exc.ArgumentError, match="ordered_values"):
        stmt.values(name="x")


_WHERE = "WHERE person.id = mail.person_id AND mail.email = ?"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("sqlite", f"UPDATE person SET name=? FROM mail {_WHERE}"),
        ("postgresql", f"UPDATE person SET name=? FROM mail {_WHERE}"),
        ("mysql", f"UPDATE person, mail SET person.name=? {_WHERE}"),
    ],
)
def test_update_naming_another_table_is_update_from(dialect: str, expected: str) -> None:
    """A WHERE naming another table makes UPDATE ... FROM (MariaDB: multi-table UPDATE)."""
    stmt = (
        update(person)
        .where(person.c.id == mail.c.person_id)
        .where(mail.c.email == "x")
        .values(name="z")
    )
    assert sql(stmt, dialect) == translate(expected, dialect)


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", f"DELETE FROM person USING mail {_WHERE}"),
        ("mysql", f"DELETE FROM person USING person, mail {_WHERE}"),
    ],
)
def test_delete_naming_another_table_is_multi_table(dialect: str, expected: str) -> None:
    """A WHERE naming another table makes DELETE ... USING (MariaDB: USING both tables)."""
    stmt = delete(person).where(person.c.id == mail.c.person_id).where(mail.c.email == "x")
    assert sql(stmt, dialect) == translate(expected, dialect)


def test_multi_table_delete_on_sqlite_is_refused() -> None:
    """SQLite has no multi-table DELETE: the error says so and suggests a subquery."""
    stmt = delete(person).where(person.c.id == mail.c.person_id)
    with pytest.raises(exc.UnsupportedCompilationError, match="subquery"):
        sql(stmt, "sqlite")


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_multi_row_insert_applies_python_defaults_per_row(dialect: str) -> None:
    """insert().values([...]) adds a column with a Python default, one value per row."""
    stmt = insert(person).values([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    done = compiled(stmt, dialect)
    assert done.sql == translate(
        "INSERT INTO person (id, name, status) VALUES (?, ?, ?), (?, ?, ?)", dialect
    )
    assert [slot.default is not None for slot in done.slots] == [False, False, True] * 2


def test_returning_accepts_sort_by_parameter_order() -> None:
    """returning(..., sort_by_parameter_order=True) is accepted and recorded."""
    stmt = insert(person).returning(person.c.id, sort_by_parameter_order=True)
    assert stmt._sort_by_parameter_order is True


# -- values() ---------------------------------------------------------------------------------


_UNION = "(SELECT ? AS id, ? AS name UNION ALL SELECT ?, ?) AS v"


@pytest.mark.parametrize(
    ("dialect", "rows"),
    [
        ("postgresql", "(VALUES (?, ?), (?, ?)) AS v (id, name)"),
        ("sqlite", _UNION),
        ("mysql", _UNION),
    ],
)
def test_values_as_a_from(dialect: str, rows: str) -> None:
    """values().data() is a FROM: VALUES with named columns, else SELECTs with UNION ALL."""
    v = values(column("id", Integer), column("name", String), name="v").data([(1, "a"), (2, "b")])
    stmt = select(person.c.id, v.c.name).join(v, person.c.id == v.c.id)
    expected = f"SELECT person.id, v.name FROM person JOIN {rows} ON person.id = v.id"
    assert sql(stmt, dialect) == translate(expected, dialect)


def test_values_rows_must_match_the_columns() -> None:
    """A row with the wrong number of values is refused, naming the columns."""
    v = values(column("id", Integer), column("name", String))
    with pytest.raises(exc.ArgumentError, match="id, name"):
        v.data([(1,)])


# -- ORM selects ------------------------------------------------------------------------------


def test_select_from_then_join_along_relationship_is_not_a_cartesian_product() -> None:
    """select(Mail).select_from(Person).join(Mail.person) joins once, as SQLAlchemy does."""
    stmt = select(Mail).select_from(Person).join(Mail.person)
    assert one_line(stmt) == (
        "SELECT mail.id, mail.person_id, mail.email FROM mail "
        "JOIN person ON person.id = mail.person_id"
    )


def test_join_to_a_subquery_infers_the_on_clause_through_its_columns() -> None:
    """select(Person).join(subquery of Mail) finds the foreign key through the subquery."""
    subq = select(Mail).where(Mail.email == "x").subquery()
    assert one_line(select(Person.name).join(subq)) == (
        "SELECT person.name FROM person JOIN (SELECT mail.id, mail.person_id, mail.email "
        "FROM mail WHERE mail.email = ?) AS anon_1 ON anon_1.person_id = person.id"
    )


def test_join_to_a_cte_infers_the_on_clause() -> None:
    """select(Person).join(cte of Mail) finds the foreign key through the CTE's columns."""
    cte = select(Mail.person_id, Mail.email).cte("m")
    assert one_line(select(Person.name).join(cte)) == (
        "WITH m AS (SELECT mail.person_id, mail.email FROM mail) "
        "SELECT person.name FROM person JOIN m ON m.person_id = person.id"
    )


def test_aliased_entity_over_a_subquery_selects_its_columns() -> None:
    """aliased(Mail, subq) reads Mail's columns from the subquery, in the class's order."""
    subq = select(Mail.email, Mail.id, Mail.person_id).subquery("s")
    m = aliased(Mail, subq)
    assert one_line(select(m).where(m.email == "a")) == (
        "SELECT s.id, s.person_id, s.email FROM (SELECT mail.email, mail.id, mail.person_id "
        "FROM mail) AS s WHERE s.email = ?"
    )


def test_aliased_entity_over_a_subquery_joins_by_foreign_key() -> None:
    """select(Person, aliased(Mail, subq)).join(that) and .join(Person.mails.of_type(that))."""
    subq = select(Mail).subquery("s")
    m = aliased(Mail, subq, name="ignored")
    inner = "(SELECT mail.id, mail.person_id, mail.email FROM mail) AS s"
    assert one_line(select(Person.id, m).join(m)) == (
        f"SELECT person.id, s.id, s.person_id, s.email FROM person JOIN {inner} "
        "ON s.person_id = person.id"
    )
    assert one_line(select(Person.id, m).join(Person.mails.of_type(m))) == (
        f"SELECT person.id, s.id, s.person_id, s.email FROM person JOIN {inner} "
        "ON person.id = s.person_id"
    )


def test_subquery_of_two_tables_names_a_repeated_column_uniquely() -> None:
    """Two columns named id in a subquery become id and id_1, in its SQL and its .c."""
    subq = select(Person.id, Mail.id, Mail.email).join_from(Person, Mail).subquery("s")
    assert subq.c.keys() == ["id", "id_1", "email"]
    assert one_line(select(subq)) == (
        "SELECT s.id, s.id_1, s.email FROM (SELECT person.id, mail.id AS id_1, mail.email "
        "FROM person JOIN mail ON mail.person_id = person.id) AS s"
    )


def test_two_entities_aliased_over_one_subquery_read_it_once() -> None:
    """aliased(Person, subq) and aliased(Mail, subq) select from the one subquery; a class
    column the subquery lacks (Mail.person_id) is left out, to load when read."""
    subq = select(Person.id, Person.name, Mail.id, Mail.email).join_from(Person, Mail).subquery()
    p = aliased(Person, subq, name="p")
    m = aliased(Mail, subq, name="m")
    assert one_line(select(p, m).where(p.name == "x")) == (
        "SELECT anon_1.id, anon_1.name, anon_1.id_1, anon_1.email FROM (SELECT person.id, "
        "person.name, mail.id AS id_1, mail.email FROM person JOIN mail "
        "ON mail.person_id = person.id) AS anon_1 WHERE anon_1.name = ?"
    )


def test_aliased_adapt_on_names_matches_computed_columns_by_name() -> None:
    """adapt_on_names=True takes a column of the class's name when no column selects it."""
    subq = select(Person.id, (Person.name + "!").label("name"), Person.status).subquery("s")
    inner = "(SELECT person.id, person.name || ? AS name, person.status FROM person) AS s"
    assert one_line(select(aliased(Person, subq))) == f"SELECT s.id, s.status FROM {inner}"
    keyless = select(Person.name).subquery()
    with pytest.raises(exc.ArgumentError, match="primary key id"):
        aliased(Person, keyless)
    p = aliased(Person, subq, adapt_on_names=True)
    assert one_line(select(p)) == (
        "SELECT s.id, s.name, s.status FROM (SELECT person.id, person.name || ? AS name, "
        "person.status FROM person) AS s"
    )


def test_aliased_with_a_name_keyword_and_a_string_second_argument() -> None:
    """aliased(C, name="x") names the alias; aliased(C, "x") is refused with the fix."""
    assert one_line(select(aliased(Person, name="p").id)) == "SELECT p.id FROM person AS p"
    with pytest.raises(exc.ArgumentError, match="name='p'"):
        aliased(Person, "p")


def test_exists_forms() -> None:
    """exists().where(), exists(column) and Select.exists() as SQLAlchemy writes them."""
    assert one_line(select(exists().where(Person.id == 1))) == (
        "SELECT EXISTS (SELECT * FROM person WHERE person.id = ?)"
    )
    assert one_line(select(exists(Mail.id).where(Mail.person_id == Person.id))) == (
        "SELECT EXISTS (SELECT mail.id FROM mail, person WHERE mail.person_id = person.id)"
    )
    assert one_line(select(Person.id).where(exists().where(Mail.person_id == Person.id))) == (
        "SELECT person.id FROM person WHERE EXISTS (SELECT * FROM mail "
        "WHERE mail.person_id = person.id)"
    )


def test_bundle_selects_its_columns() -> None:
    """select(Bundle(...)) selects the bundle's columns and reads FROM their tables."""
    stmt = select(Bundle("p", Person.id, Person.name), Bundle("m", Mail.email)).join_from(
        Person, Mail
    )
    assert one_line(stmt) == (
        "SELECT person.id, person.name, mail.email FROM person "
        "JOIN mail ON mail.person_id = person.id"
    )


def test_bundle_needs_columns() -> None:
    """A Bundle of something other than column expressions is refused."""
    with pytest.raises(exc.ArgumentError, match="column expressions"):
        Bundle("b", Person)


def test_with_parent_compares_the_targets_with_the_objects_key() -> None:
    """with_parent(obj, Parent.rel) is the targets' criterion for that object."""
    owner = Person(id=5, name="p")
    assert one_line(select(Mail.id).where(with_parent(owner, Person.mails))) == (
        "SELECT mail.id FROM mail WHERE mail.person_id = ?"
    )
    letter = Mail(id=1, person_id=5, email="e")
    assert one_line(select(Person.id).where(with_parent(letter, Mail.person))) == (
        "SELECT person.id FROM person WHERE person.id = ?"
    )
    with pytest.raises(exc.ArgumentError, match="expected a Person"):
        with_parent(letter, Person.mails)


def test_from_statement_compiles_as_its_statement() -> None:
    """select(C).from_statement(text) runs the text as written; options are refused."""
    raw = text("SELECT id, name, status FROM person")
    assert one_line(select(Person).from_statement(raw)) == "SELECT id, name, status FROM person"
    with pytest.raises(exc.InvalidRequestError, match="as written"):
        select(Person).options(load_only(Person.name)).from_statement(raw)


def test_aliased_entity_over_a_textual_subquery() -> None:
    """aliased(C, text(...).columns(C.id, ...).subquery()) reads C from the text."""
    raw = text("SELECT id, name FROM person").columns(Person.id, Person.name)
    p = aliased(Person, raw.subquery("t"))
    assert one_line(select(p).where(p.name == "a")) == (
        "SELECT t.id, t.name FROM (SELECT id, name FROM person) AS t WHERE t.name = ?"
    )
    with pytest.raises(exc.ArgumentError, match="columns"):
        text("SELECT 1").subquery()


def test_str_of_orm_select_applies_load_only() -> None:
    """str(select(C).options(load_only(...))) shows the columns it would load."""
    stmt = select(Person).options(load_only(Person.name))
    assert one_line(stmt) == "SELECT person.id, person.name FROM person"


# -- rows -------------------------------------------------------------------------------------


def test_row_attribute_named_count_or_index_is_the_column() -> None:
    """row.count / row.index are the columns so named (SQLAlchemy 2.0's rule)."""
    row: Any = make_row(["index", "count"], [4, 9])  # typed as a tuple's methods
    assert (row.index, row.count) == (4, 9)
    assert row._asdict() == {"index": 4, "count": 9}
    assert row._fields == ("index", "count")
