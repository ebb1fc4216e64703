"""Issue 13's ORM and DML statement forms, run on each database: the SQL sent, the rows
or objects returned and the end state."""

from __future__ import annotations

import itertools
from typing import Any, Optional

import pytest

from corral import (
    Bundle,
    DeclarativeBase,
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    Session,
    String,
    aliased,
    column,
    delete,
    exc,
    exists,
    insert,
    mapped_column,
    relationship,
    select,
    text,
    update,
    values,
    with_parent,
)
from tests.integration.orm_models import dml, normalize, recorded_sql

_serial = itertools.count(100)


class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "st_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[Optional[str]] = mapped_column(String(30))  # noqa: UP045
    status: Mapped[Optional[str]] = mapped_column(String(10), default="new")  # noqa: UP045
    ticket: Mapped[Optional[int]] = mapped_column(Integer, default=lambda: next(_serial))  # noqa: UP045
    mails: Mapped[list[Mail]] = relationship(back_populates="person", order_by="Mail.id")


class Mail(Base):
    __tablename__ = "st_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("st_person.id"))
    email: Mapped[str] = mapped_column(String(50))
    person: Mapped[Person] = relationship(back_populates="mails")


person = Person.__table__
mail = Mail.__table__


def _seed(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Person(
                    id=1, name="ann", mails=[Mail(id=10, email="ann@a"), Mail(id=11, email="x")]
                ),
                Person(id=2, name="bob", mails=[Mail(id=20, email="bob@b")]),
                Person(id=3, name="cy"),
            ]
        )
        session.commit()


def _names(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(person.c.id, person.c.name).order_by(person.c.id)).all())


# -- ORM selects ------------------------------------------------------------------------------


def test_from_statement_loads_objects_from_text_and_select(engine: Engine) -> None:
    """select(C).from_statement(text or select) returns C objects, one per identity."""
    _seed(engine)
    raw = text("SELECT name, id FROM st_person WHERE id < :n ORDER BY id")
    with Session(engine) as session, recorded_sql() as statements:
        people = session.scalars(select(Person).from_statement(raw), {"n": 3}).all()
        again = session.scalars(
            select(Person).from_statement(select(Person).where(Person.name == "bob"))
        ).all()
        assert [(p.id, p.name) for p in people] == [(1, "ann"), (2, "bob")]
        assert again == [people[1]]  # the identity map gives the same object
        assert people[0].status == "new"  # a column the text did not select loads on access
    assert (
        normalize(dml(statements)[0]) == "SELECT name, id FROM st_person WHERE id < ? ORDER BY id"
    )


def test_aliased_entity_over_a_textual_subquery_loads_objects(engine: Engine) -> None:
    """aliased(C, text(...).columns(...).subquery()) filters and loads C objects."""
    _seed(engine)
    raw = text("SELECT id, name FROM st_person").columns(Person.id, Person.name)
    named = aliased(Person, raw.subquery())
    with Session(engine) as session, recorded_sql() as statements:
        found = session.scalars(select(named).where(named.name != "bob").order_by(named.id))
        assert [(p.id, p.name) for p in found] == [(1, "ann"), (3, "cy")]
    assert normalize(dml(statements)[0]) == (
        "SELECT anon_1.id, anon_1.name FROM (SELECT id, name FROM st_person) AS anon_1 "
        "WHERE anon_1.name != ? ORDER BY anon_1.id"
    )


def test_aliased_entity_over_subquery_and_cte_loads_objects(engine: Engine) -> None:
    """aliased(Mail, subquery) joined by foreign key, and aliased(Mail, cte), give Mails."""
    _seed(engine)
    subq = select(Mail).where(Mail.email != "x").subquery()
    found = aliased(Mail, subq, name="mail")
    cte = select(Mail.email, Mail.id, Mail.person_id).where(Mail.person_id == 1).cte()
    from_cte = aliased(Mail, cte)
    with Session(engine) as session, recorded_sql() as statements:
        pairs = session.execute(select(Person, found).join(found).order_by(found.id)).all()
        assert [(p.name, m.email) for p, m in pairs] == [("ann", "ann@a"), ("bob", "bob@b")]
        assert isinstance(pairs[0][1], Mail)
        listed = session.scalars(select(from_cte).order_by(from_cte.id)).all()
        assert [(m.id, m.email) for m in listed] == [(10, "ann@a"), (11, "x")]
    assert normalize(dml(statements)[0]) == (
        "SELECT st_person.id, st_person.name, st_person.status, st_person.ticket, anon_1.id, "
        "anon_1.person_id, anon_1.email FROM st_person JOIN (SELECT st_mail.id, "
        "st_mail.person_id, st_mail.email FROM st_mail WHERE st_mail.email != ?) AS anon_1 "
        "ON anon_1.person_id = st_person.id ORDER BY anon_1.id"
    )


def test_two_aliased_entities_over_one_subquery_load_both(engine: Engine) -> None:
    """aliased(Person, subq, name="who") and aliased(Mail, subq, name="mail") load both
    kinds of object from one subquery; rows name them who / mail."""
    _seed(engine)
    subq = (
        select(Person.id, Person.name, Mail.id, Mail.email)
        .join_from(Person, Mail)
        .where(Mail.email != "x")
        .subquery()
    )
    who = aliased(Person, subq, name="who")
    letter = aliased(Mail, subq, name="mail")
    with Session(engine) as session, recorded_sql() as statements:
        rows = session.execute(select(who, letter).order_by(letter.id)).all()
        assert [(r.who.name, r.mail.id, r.mail.email) for r in rows] == [
            ("ann", 10, "ann@a"),
            ("bob", 20, "bob@b"),
        ]
        assert rows[0].mail.person_id == 1  # not in the subquery: loaded when read
    assert normalize(dml(statements)[0]) == (
        "SELECT anon_1.id, anon_1.name, anon_1.id_1, anon_1.email FROM (SELECT st_person.id, "
        "st_person.name, st_mail.id AS id_1, st_mail.email FROM st_person JOIN st_mail "
        "ON st_mail.person_id = st_person.id WHERE st_mail.email != ?) AS anon_1 "
        "ORDER BY anon_1.id_1"
    )


def test_aliased_adapt_on_names_loads_computed_values(engine: Engine) -> None:
    """aliased(C, subq, adapt_on_names=True) loads a computed column into the attribute."""
    _seed(engine)
    subq = select(
        Person.id, Person.status, Person.ticket, (Person.name + "!").label("name")
    ).subquery()
    shouted = aliased(Person, subq, adapt_on_names=True)
    with Session(engine) as session:
        rows = session.scalars(select(shouted).order_by(shouted.id)).all()
        assert [p.name for p in rows] == ["ann!", "bob!", "cy!"]


def test_join_inferred_to_subquery(engine: Engine) -> None:
    """select(table).join(subquery) takes its ON clause from the foreign key inside."""
    _seed(engine)
    counts = select(mail.c.person_id, mail.c.email).where(mail.c.email.like("%@%")).subquery("m")
    stmt = select(person.c.name, counts.c.email).join(counts).order_by(person.c.id)
    with engine.connect() as conn, recorded_sql() as statements:
        assert conn.execute(stmt).all() == [("ann", "ann@a"), ("bob", "bob@b")]
    assert normalize(dml(statements)[0]).endswith(
        "AS m ON m.person_id = st_person.id ORDER BY st_person.id"
    )


def test_select_from_then_relationship_join_returns_each_row_once(engine: Engine) -> None:
    """select(Mail).select_from(Person).join(Mail.person) joins once (no cross join)."""
    _seed(engine)
    stmt = select(Mail).select_from(Person).join(Mail.person).where(Person.name == "ann")
    with Session(engine) as session, recorded_sql() as statements:
        assert [m.id for m in session.scalars(stmt.order_by(Mail.id))] == [10, 11]
    assert normalize(dml(statements)[0]) == (
        "SELECT st_mail.id, st_mail.person_id, st_mail.email FROM st_mail JOIN st_person "
        "ON st_person.id = st_mail.person_id WHERE st_person.name = ? ORDER BY st_mail.id"
    )


def test_bundle_rows_group_their_columns(engine: Engine) -> None:
    """Each Bundle is one value per row, with its columns by name."""
    _seed(engine)
    stmt = (
        select(Bundle("who", Person.id, Person.name), Bundle("mail", Mail.email))
        .join_from(Person, Mail)
        .order_by(Mail.id)
    )
    with Session(engine) as session:
        rows = session.execute(stmt).all()
    assert [(r.who.name, r.who.id, r.mail.email) for r in rows] == [
        ("ann", 1, "ann@a"),
        ("ann", 1, "x"),
        ("bob", 2, "bob@b"),
    ]


def test_with_parent_selects_the_objects_related_rows(engine: Engine) -> None:
    """with_parent(obj, rel) selects obj's targets without loading the collection."""
    _seed(engine)
    with Session(engine) as session:
        ann = session.get(Person, 1)
        assert ann is not None
        with recorded_sql() as statements:
            mails = session.scalars(
                select(Mail).where(with_parent(ann, Person.mails)).order_by(Mail.id)
            ).all()
        assert [m.id for m in mails] == [10, 11]
        assert normalize(dml(statements)[0]).endswith(
            "WHERE st_mail.person_id = ? ORDER BY st_mail.id"
        )
        owner = session.scalars(select(Person).where(with_parent(mails[0], Mail.person))).one()
        assert owner is ann


def test_select_exists_returns_a_bool(engine: Engine) -> None:
    """session.scalar(select(exists().where(...))) is True or False on every database."""
    _seed(engine)
    with Session(engine) as session:
        yes = session.scalar(select(exists().where(Mail.person_id == 1)))
        no = session.scalar(select(exists().where(Mail.person_id == 3)))
        without = session.scalars(
            select(Person.name).where(~exists().where(Mail.person_id == Person.id))
        ).all()
    assert yes is True and no is False  # a bool, not the 1 / 0 SQLite and MariaDB send
    assert without == ["cy"]


# -- DML --------------------------------------------------------------------------------------


def test_update_from_another_table(engine: Engine) -> None:
    """UPDATE whose WHERE names another table changes the matching rows only."""
    _seed(engine)
    stmt = (
        update(person)
        .where(person.c.id == mail.c.person_id)
        .where(mail.c.email == "x")
        .values(name="has x")
    )
    with engine.begin() as conn, recorded_sql() as statements:
        conn.execute(stmt)
    sent = normalize(dml(statements)[0])
    if engine.dialect.features.multi_table_update == "comma":
        assert sent == (
            "UPDATE st_person, st_mail SET st_person.name=? WHERE st_person.id = "
            "st_mail.person_id AND st_mail.email = ?"
        )
    else:
        assert sent == (
            "UPDATE st_person SET name=? FROM st_mail WHERE st_person.id = st_mail.person_id "
            "AND st_mail.email = ?"
        )
    assert _names(engine) == {1: "has x", 2: "bob", 3: "cy"}


def test_orm_update_from_another_table_refreshes_session_objects(engine: Engine) -> None:
    """session.execute(update(C).where(<other table>)) updates the rows and the objects."""
    _seed(engine)
    with Session(engine) as session:
        ann, bob = session.get(Person, 1), session.get(Person, 2)
        assert ann is not None and bob is not None
        with recorded_sql() as statements:
            result = session.execute(
                update(Person)
                .where(Person.id == Mail.person_id)
                .where(Mail.email == "x")
                .values(status="has x")
            )
        assert result.rowcount == 1
        assert (ann.status, bob.status) == ("has x", "new")
        session.commit()
    updates = [normalize(s) for s in dml(statements) if s.startswith("UPDATE")]
    assert len(updates) == 1 and "st_mail" in updates[0].split(" WHERE ")[0]
    with engine.connect() as conn:
        statuses = conn.execute(select(person.c.status).order_by(person.c.id)).scalars().all()
    assert statuses == ["has x", "new", "new"]


def test_update_set_from_another_tables_column(engine: Engine) -> None:
    """UPDATE ... FROM can set a column from the other table's row."""
    _seed(engine)
    stmt = (
        update(person)
        .where(person.c.id == mail.c.person_id)
        .where(mail.c.email.like("%@%"))
        .values({person.c.name: mail.c.email})
    )
    with engine.begin() as conn:
        conn.execute(stmt)
    assert _names(engine) == {1: "ann@a", 2: "bob@b", 3: "cy"}


def test_multi_table_update_sets_both_tables_where_supported(engine: Engine) -> None:
    """A value for another table's column: MariaDB sets both tables; the others refuse."""
    _seed(engine)
    stmt = (
        update(person)
        .where(person.c.id == mail.c.person_id)
        .where(mail.c.email == "x")
        .values({person.c.name: "Ann", mail.c.email: "y"})
    )
    with engine.begin() as conn:
        if engine.dialect.features.multi_table_update != "comma":
            with pytest.raises(exc.UnsupportedCompilationError, match="other tables"):
                conn.execute(stmt)
            return
        conn.execute(stmt)
    assert _names(engine) == {1: "Ann", 2: "bob", 3: "cy"}
    with engine.connect() as conn:
        emails = conn.execute(select(mail.c.email).order_by(mail.c.id)).scalars().all()
    assert emails == ["ann@a", "y", "bob@b"]


def test_multi_table_delete(engine: Engine) -> None:
    """DELETE whose WHERE names another table removes the matching rows (SQLite refuses)."""
    _seed(engine)
    stmt = delete(mail).where(mail.c.person_id == person.c.id).where(person.c.name == "ann")
    style = engine.dialect.features.multi_table_delete
    with engine.begin() as conn, recorded_sql() as statements:
        if style is None:
            with pytest.raises(exc.UnsupportedCompilationError, match="multi-table DELETE"):
                conn.execute(stmt)
            return
        conn.execute(stmt)
    using = "st_mail, st_person" if style == "using_all" else "st_person"
    assert normalize(dml(statements)[0]) == (
        f"DELETE FROM st_mail USING {using} WHERE st_mail.person_id = st_person.id "
        "AND st_person.name = ?"
    )
    with engine.connect() as conn:
        assert conn.execute(select(mail.c.id).order_by(mail.c.id)).scalars().all() == [20]


def test_update_values_by_column_and_ordered_values(engine: Engine) -> None:
    """values({Column: v}) and ordered_values((col, v), ...) set those columns."""
    _seed(engine)
    with engine.begin() as conn, recorded_sql() as statements:
        conn.execute(update(person).where(person.c.id == 1).values({person.c.name: "A"}))
        conn.execute(
            update(Person)
            .where(Person.id == 2)
            .ordered_values((Person.status, "s"), (Person.name, "B"))
        )
    assert normalize(dml(statements)[1]) == (
        "UPDATE st_person SET status=?, name=? WHERE st_person.id = ?"
    )
    with engine.connect() as conn:
        rows = conn.execute(select(person.c.name, person.c.status).order_by(person.c.id)).all()
    assert rows == [("A", "new"), ("B", "s"), ("cy", "new")]


def test_multi_row_insert_values_apply_python_defaults_per_row(engine: Engine) -> None:
    """insert().values([...]) fills Python-side defaults, calling a callable once per row."""
    Base.metadata.create_all(engine)
    with engine.begin() as conn, recorded_sql() as statements:
        conn.execute(insert(person).values([{"id": 7, "name": "g"}, {"id": 8, "name": "h"}]))
    assert normalize(dml(statements)[0]) == (
        "INSERT INTO st_person (id, name, status, ticket) VALUES (?, ?, ?, ?), (?, ?, ?, ?)"
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(person.c.id, person.c.status, person.c.ticket).order_by(person.c.id)
        ).all()
    assert [(r[0], r[1]) for r in rows] == [(7, "new"), (8, "new")]
    assert rows[0][2] is not None and rows[1][2] == rows[0][2] + 1


def test_bare_insert_executes_with_defaults_only(engine: Engine) -> None:
    """insert(t) executed without values inserts a row of defaults (str() lists every column)."""
    Base.metadata.create_all(engine)
    assert str(insert(person)) == (
        "INSERT INTO st_person (id, name, status, ticket) VALUES (:id, :name, :status, :ticket)"
    )
    with engine.begin() as conn, recorded_sql() as statements:
        conn.execute(insert(person))
    assert normalize(dml(statements)[0]).startswith("INSERT INTO st_person (status, ticket) VALUES")
    with engine.connect() as conn:
        assert conn.execute(select(person.c.name, person.c.status)).all() == [(None, "new")]


def test_returning_sort_by_parameter_order_gives_rows_in_order(engine: Engine) -> None:
    """returning(..., sort_by_parameter_order=True) with many sets returns them in order."""
    Base.metadata.create_all(engine)
    given = [{"id": i, "name": f"n{i}"} for i in (5, 3, 9, 1)]
    stmt = insert(person).returning(person.c.id, person.c.name, sort_by_parameter_order=True)
    with engine.begin() as conn:
        rows = conn.execute(stmt, given).all()
    assert [tuple(r) for r in rows] == [(5, "n5"), (3, "n3"), (9, "n9"), (1, "n1")]


def test_orm_bulk_insert_returning_leaves_the_callers_dicts_alone(engine: Engine) -> None:
    """insert(C).returning(C) with dicts returns objects and writes nothing into the dicts."""
    Base.metadata.create_all(engine)
    given = [{"id": 4, "name": "d"}, {"id": 6, "name": "f"}]
    copies = [dict(d) for d in given]
    with Session(engine) as session:
        made = session.scalars(insert(Person).returning(Person), given).all()
        assert [(p.id, p.name, p.status) for p in made] == [(4, "d", "new"), (6, "f", "new")]
        session.commit()
    assert given == copies


def test_values_construct_as_a_from(engine: Engine) -> None:
    """values(...).data(rows) joins like a table and feeds UPDATE ... FROM."""
    _seed(engine)
    renames = values(column("id", Integer), column("name", String(30)), name="renames").data(
        [(1, "Ann"), (3, "Cy")]
    )
    with engine.begin() as conn:
        joined = conn.execute(
            select(person.c.name, renames.c.name)
            .join(renames, person.c.id == renames.c.id)
            .order_by(person.c.id)
        ).all()
        assert [tuple(r) for r in joined] == [("ann", "Ann"), ("cy", "Cy")]
        conn.execute(update(person).values(name=renames.c.name).where(person.c.id == renames.c.id))
    assert _names(engine) == {1: "Ann", 2: "bob", 3: "Cy"}


# -- results ----------------------------------------------------------------------------------


def test_rows_and_results_as_sqlalchemy_has_them(engine: Engine) -> None:
    """Row.count / .index name columns; columns(), mappings(), tuples(), unique() work."""
    _seed(engine)
    stmt = select(
        person.c.id.label("index"), person.c.name.label("count"), person.c.status
    ).order_by(person.c.id)
    with engine.connect() as conn:
        first: Any = conn.execute(stmt).first()  # row.count is typed as the tuple method
        assert first is not None
        assert (first.index, first.count) == (1, "ann")
        assert first._fields == ("index", "count", "status")
        assert first._asdict() == {"index": 1, "count": "ann", "status": "new"}
        assert first._mapping["count"] == "ann"
        picked = conn.execute(stmt).columns("count", 0).all()
        assert [tuple(r) for r in picked] == [("ann", 1), ("bob", 2), ("cy", 3)]
        assert picked[0]._fields == ("count", "index")
        mapping = conn.execute(stmt).mappings().first()
        assert mapping is not None
        assert dict(mapping) == {
            "index": 1,
            "count": "ann",
            "status": "new",
        }
        assert conn.execute(stmt).tuples().all()[2] == (3, "cy", "new")
        statuses = conn.execute(select(person.c.status)).unique().scalars().all()
        assert statuses == ["new"]
