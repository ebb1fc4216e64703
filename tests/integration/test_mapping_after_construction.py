"""Extending a mapping as SQLAlchemy's versioned_history example does: a listener of
``after_mapper_constructed`` appends a column to the table, maps it with
``Mapper.add_property()``, makes it the version counter (``mapper.version_id_col = ...``)
and sets ``active_history``; a column default reads ``context.connection`` in the flush."""

from __future__ import annotations

import re
from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Session,
    String,
    Table,
    event,
    func,
    inspect,
    select,
    text,
)
from corral.exc import MappingError, StaleDataError
from corral.orm import DeclarativeBase, attributes, column_property
from corral.orm.attributes import get_history, instance_state
from tests.integration.orm_models import dml, recorded_sql


def _words(sql: str) -> str:
    return re.sub(r"[`\"]", "", sql)


def _revised_base(*, version_counter: bool, active_history: bool) -> tuple[Any, Any]:
    """A base class whose subclasses get a ``revision`` column once mapped: its default
    counts the rows of ``audit`` (a query on the flush's connection) plus one."""

    class Base(DeclarativeBase):
        pass

    audit = Table(
        "audit", Base.metadata, Column("id", Integer, primary_key=True), Column("note", String(20))
    )

    def next_revision(context: Any) -> Any:
        return context.connection.scalar(select(func.count()).select_from(audit)) + 1

    class Revised:
        def __init_subclass__(cls, **kw: Any) -> None:
            @event.listens_for(cls, "after_mapper_constructed")
            def extend(mapper: Any, class_: Any) -> None:
                table = mapper.local_table
                table.append_column(Column("revision", Integer, default=next_revision))
                mapper.add_property("revision", table.c.revision)
                if version_counter:
                    mapper.version_id_col = table.c.revision
                if active_history:
                    for prop in mapper.column_attrs:
                        prop.active_history = True

            super().__init_subclass__(**kw)

    class Document(Revised, Base):
        __tablename__ = "document"
        id = Column(Integer, primary_key=True)
        title = Column(String(30))

    return Base, Document


def test_added_column_is_written_with_a_default_that_queries_the_connection(
    engine: Engine,
) -> None:
    """The appended column is in CREATE TABLE and the INSERT; its default's SELECT runs on
    the flush's connection, inside its transaction (it sees the audit row just added)."""
    Base, Document = _revised_base(version_counter=False, active_history=False)
    Base.metadata.create_all(engine)
    assert "revision" in inspect(Document).columns
    with Session(engine) as session:
        session.execute(text("INSERT INTO audit (id, note) VALUES (1, 'one')"))
        with recorded_sql() as statements:
            session.add(Document(title="a"))
            session.commit()
    written = [_words(s) for s in dml(statements)]
    assert written[0] == "SELECT count(*) FROM audit"
    assert written[1].startswith("INSERT INTO document (title, revision) VALUES")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT title, revision FROM document")).all() == [("a", 2)]


def test_version_column_set_after_mapping_guards_updates(engine: Engine) -> None:
    """mapper.version_id_col set by the listener: UPDATE checks and bumps it, and a row
    changed behind the session's back is a StaleDataError."""
    Base, Document = _revised_base(version_counter=True, active_history=False)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        doc = Document(title="a")
        session.add(doc)
        session.commit()
        assert doc.revision == 1
        doc.title = "b"
        with recorded_sql() as statements:
            session.commit()
        (update,) = [_words(s) for s in dml(statements) if s.startswith("UPDATE")]
        assert "SET title=" in update and "revision=" in update
        assert "WHERE document.id = " in update and "AND document.revision = " in update
        assert doc.revision == 2
        with engine.begin() as other:
            other.execute(text("UPDATE document SET revision = 7"))
        doc.title = "c"
        with pytest.raises(StaleDataError):
            session.commit()


@pytest.mark.parametrize("active", [True, False], ids=["active_history", "control"])
def test_active_history_loads_the_old_value_before_it_is_replaced(
    engine: Engine, active: bool
) -> None:
    """Setting an expired attribute with active_history loads the row first, so the history
    holds the old value; without it (the control) the old value is unknown."""
    Base, Document = _revised_base(version_counter=False, active_history=active)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        doc = Document(title="first")
        session.add(doc)
        session.commit()  # expires doc
        assert "title" not in instance_state(doc).dict
        with recorded_sql() as statements:
            doc.title = "second"
        history = get_history(doc, "title")
    assert list(history.added) == ["second"]
    if active:
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["SELECT"]
        assert list(history.deleted) == ["first"]
    else:
        assert dml(statements) == []
        assert list(history.deleted) == []


def test_add_property_refuses_a_column_of_another_table(engine: Engine) -> None:
    """add_property() maps columns of the class's table only; the mapping is unchanged."""
    _, Document = _revised_base(version_counter=False, active_history=False)
    other = Table(
        "other", MetaData(), Column("id", Integer, primary_key=True), Column("x", Integer)
    )
    mapper = inspect(Document)
    with pytest.raises(Exception, match="takes a Column of table 'document'"):
        mapper.add_property("x", other.c.x)
    assert "x" not in mapper.columns
    with pytest.raises(MappingError, match="not one of its mapped columns"):
        mapper.version_id_col = other.c.x
    assert mapper.version_id_col is None


def test_mapper_args_inherits_and_properties(engine: Engine) -> None:
    """__mapper_args__ inherits= (the parent the bases give) and properties= (a column
    under another attribute name) map as in SQLAlchemy; rows round-trip on every database."""

    class Base(DeclarativeBase):
        pass

    table = Table(
        "item",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("item_name", String(20)),
    )

    class Item(Base):
        __table__ = table
        __mapper_args__: Any = {"inherits": None, "properties": {"name": table.c.item_name}}

    sub_table = Table(
        "special_item",
        Base.metadata,
        Column("id", Integer, ForeignKey("item.id"), primary_key=True),
        Column("extra", String(20)),
    )

    class SpecialItem(Item):
        __table__ = sub_table
        __mapper_args__: Any = {
            "inherits": inspect(Item),
            "properties": {"id": (sub_table.c.id, table.c.id)},
        }

    assert inspect(Item).attrs.name.columns == [table.c.item_name]
    assert inspect(SpecialItem).attrs.id.columns == [sub_table.c.id, table.c.id]
    assert inspect(SpecialItem).get_property_by_column(sub_table.c.id).key == "id"
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        special: Any = SpecialItem()
        special.name, special.extra = "gear", "x"
        session.add(special)
        session.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, item_name FROM item")).all() == [(1, "gear")]
        assert connection.execute(text("SELECT id, extra FROM special_item")).all() == [(1, "x")]

    with pytest.raises(MappingError, match="inherit from Item"):

        class Stray(Item):
            __tablename__ = "stray"
            id = Column(Integer, ForeignKey("item.id"), primary_key=True)
            __mapper_args__ = {"inherits": None}


def test_column_property_of_own_and_inherited_column(engine: Engine) -> None:
    """column_property(Column(...), Parent.id) in a joined subclass maps both columns under
    ``id``; a column of another attribute is refused."""

    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "parent"
        id = Column(Integer, primary_key=True)
        code = Column(Integer)

    class Child(Parent):
        __tablename__ = "child"
        id = column_property(Column(Integer, ForeignKey("parent.id"), primary_key=True), Parent.id)

    columns = inspect(Child).attrs.id.columns
    assert [c.table.name for c in columns] == ["child", "parent"]
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Child(code=5))
        session.commit()
        assert session.scalars(select(Child)).one().id == 1

    with pytest.raises(MappingError, match="same attribute 'id'"):

        class Wrong(Parent):
            __tablename__ = "wrong"
            id = column_property(
                Column(Integer, ForeignKey("parent.id"), primary_key=True), Parent.code
            )


def test_inspect_of_a_table_is_the_table() -> None:
    """inspect(table) gives the table back, as SQLAlchemy's does."""
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    assert inspect(table) is table


def test_cached_select_sees_an_appended_column(engine: Engine) -> None:
    """A statement over a table run before append_column() is not reused after it: the
    second run selects the new column too."""
    things = Table("things", MetaData(), Column("id", Integer, primary_key=True))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY, name VARCHAR(5))"))
        connection.execute(text("INSERT INTO things (id, name) VALUES (1, 'a')"))
    with engine.connect() as connection:
        assert connection.execute(select(things)).all() == [(1,)]
        things.append_column(Column("name", String(5)))
        assert connection.execute(select(things)).all() == [(1, "a")]


def test_joined_subclass_joined_on_another_column_copies_the_parent_key(engine: Engine) -> None:
    """A joined subclass with its own key, joined by ``parent.id == child.parent_id``: the
    flush copies the parent row's id into parent_id, so the object loads back through the
    join (without the copy parent_id stays NULL and the row is not found)."""

    class Base(DeclarativeBase):
        pass

    class Vehicle(Base):
        __tablename__ = "vehicle"
        id = Column(Integer, primary_key=True)
        kind = Column(String(10))
        __mapper_args__: Any = {"polymorphic_on": kind, "polymorphic_identity": "vehicle"}

    class Truck(Vehicle):
        __tablename__ = "truck"
        id = column_property(Column(Integer, primary_key=True), Vehicle.id)
        vehicle_id = Column(Integer, ForeignKey("vehicle.id"))
        payload = Column(Integer)
        __mapper_args__: Any = {"polymorphic_identity": "truck"}

    assert inspect(Truck).flush_views[-1].inherit_sync == (("id", "vehicle_id"),)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Vehicle())
        session.flush()
        truck: Any = Truck()
        truck.payload = 9
        session.add(truck)
        with recorded_sql() as statements:
            session.commit()
    inserts = [_words(s) for s in dml(statements)]
    assert [s.split(" (", 1)[0] for s in inserts] == ["INSERT INTO vehicle", "INSERT INTO truck"]
    assert inserts[1].startswith("INSERT INTO truck (id, vehicle_id, payload) VALUES")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, vehicle_id, payload FROM truck")).all()
        assert [tuple(r) for r in rows] == [(2, 2, 9)]
    with Session(engine) as session:
        loaded: Any = session.scalars(select(Truck)).one()
        assert (loaded.id, loaded.vehicle_id, loaded.payload) == (2, 2, 9)


@pytest.mark.parametrize("active", [True, False], ids=["active_history", "control"])
def test_relationship_active_history_loads_the_replaced_object(
    engine: Engine, active: bool
) -> None:
    """relationship(active_history=True): replacing an unloaded many-to-one loads the old
    related object first (one SELECT), so the history names it; the control does not."""
    from corral.orm import relationship

    class Base(DeclarativeBase):
        pass

    class Team(Base):
        __tablename__ = "team"
        id = Column(Integer, primary_key=True)

    class Player(Base):
        __tablename__ = "player"
        id = Column(Integer, primary_key=True)
        team_id = Column(Integer, ForeignKey("team.id"))
        team = relationship(Team, active_history=active)

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Team(id=1), Team(id=2), Player(id=1, team_id=1)])
        session.commit()
    with Session(engine) as session:
        player: Any = session.get(Player, 1)
        new_team = session.get(Team, 2)
        session.expunge(session.get(Team, 1))  # the old team is not in the identity map
        with recorded_sql() as statements:
            player.team = new_team
        history = get_history(player, "team", passive=attributes.PASSIVE_NO_INITIALIZE)
        assert list(history.added) == [new_team]
        if active:
            assert [s.split(" ", 1)[0] for s in dml(statements)] == ["SELECT"]
            assert [t.id for t in history.deleted] == [1]
        else:
            assert dml(statements) == []
            assert all(t is None for t in history.deleted)  # the old team is not known
        session.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT team_id FROM player")).scalar_one() == 2


def test_add_property_on_a_joined_subclass_writes_its_own_table(engine: Engine) -> None:
    """A column added to a joined subclass's own table is written by that table's INSERT
    and loaded back; a column of the parent's table is refused on the subclass."""

    class Base(DeclarativeBase):
        pass

    class Animal(Base):
        __tablename__ = "animal"
        id = Column(Integer, primary_key=True)
        kind = Column(String(10))
        __mapper_args__: Any = {"polymorphic_on": kind, "polymorphic_identity": "animal"}

    class Dog(Animal):
        __tablename__ = "dog"
        id = Column(Integer, ForeignKey("animal.id"), primary_key=True)
        __mapper_args__: Any = {"polymorphic_identity": "dog"}

    dog_table: Any = Dog.__mapper__.local_table
    dog_table.append_column(Column("bark", String(10)))
    inspect(Dog).add_property("bark", dog_table.c.bark)
    animal_table: Any = Animal.__table__
    animal_table.append_column(Column("legs", Integer))
    with pytest.raises(Exception, match="takes a Column of table 'dog'"):
        inspect(Dog).add_property("legs", animal_table.c.legs)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        dog: Any = Dog()
        dog.bark = "woof"
        session.add(dog)
        with recorded_sql() as statements:
            session.commit()
    inserts = [_words(s) for s in dml(statements)]
    assert inserts[1].startswith("INSERT INTO dog (id, bark) VALUES")
    with Session(engine) as session:
        loaded: Any = session.scalars(select(Animal)).one()
        assert type(loaded).__name__ == "Dog"
        assert loaded.bark == "woof"


def test_context_connection_outside_a_flush_says_so(engine: Engine) -> None:
    """A default reading context.connection in a Core INSERT raises, naming the way out,
    and writes no row."""
    metadata = MetaData()
    table = Table(
        "counted",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=lambda context: context.connection.scalar(select(1))),
    )
    metadata.create_all(engine)
    with engine.begin() as connection, pytest.raises(Exception, match="pass it as a parameter"):
        connection.execute(table.insert().values(id=1))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM counted")).scalar_one() == 0


def test_mapped_column_active_history(engine: Engine) -> None:
    """mapped_column(active_history=True) loads the old value before replacing an expired
    one (a subclass inherits the flag); the attribute without it does not."""
    from corral.orm import Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Account(Base):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        balance: Mapped[int] = mapped_column(active_history=True)
        note: Mapped[str] = mapped_column(String(10))
        kind: Mapped[str] = mapped_column(String(10))
        __mapper_args__: Any = {"polymorphic_on": "kind", "polymorphic_identity": "account"}

    class Savings(Account):
        __mapper_args__: Any = {"polymorphic_identity": "savings"}

    assert inspect(Savings).attrs.balance.active_history
    assert not inspect(Savings).attrs.note.active_history
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        account = Savings(balance=10, note="a")
        session.add(account)
        session.commit()
        with recorded_sql() as statements:
            account.note = "b"  # expired, not active: nothing is loaded
        assert dml(statements) == []
        session.commit()
        with recorded_sql() as statements:
            account.balance = 20  # expired, active: the row is loaded first
        assert [s.split(" ", 1)[0] for s in dml(statements)] == ["SELECT"]
        assert list(get_history(account, "balance").deleted) == [10]
