"""Mapping extensions against each database: what they load, and the SQL their flushes emit."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any, cast

import pytest

from corral import (
    JSON,
    Column,
    Engine,
    ForeignKey,
    Session,
    String,
    Table,
    exc,
    func,
    select,
    text,
    update,
)
from corral.ext.associationproxy import AssociationProxy, association_proxy
from corral.ext.hybrid import hybrid_method, hybrid_property
from corral.ext.mutable import MutableDict, MutableList
from corral.orm import (
    DeclarativeBase,
    DynamicMapped,
    Mapped,
    MappedAsDataclass,
    WriteOnlyCollection,
    WriteOnlyMapped,
    attribute_keyed_dict,
    column_property,
    composite,
    declared_attr,
    mapped_column,
    relationship,
    synonym,
    validates,
)
from corral.orm.relationships.dynamic import AppenderQuery
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "mx_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[str] = mapped_column(String(20))
    last: Mapped[str] = mapped_column(String(20))
    balance: Mapped[int] = mapped_column(default=0)
    fullname: Mapped[str] = column_property(first + " " + last)
    surname: Mapped[str] = synonym("last")
    settings: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON), default=dict)
    history: Mapped[list[int]] = mapped_column(MutableList.as_mutable(JSON), default=list)
    entries: DynamicMapped[Entry] = relationship(lazy="dynamic", order_by="Entry.id")
    tags_by_name: Mapped[dict[str, Tag]] = relationship(
        collection_class=attribute_keyed_dict("name"), cascade="all, delete-orphan"
    )
    tag_names: AssociationProxy[list[str]] = association_proxy(
        "tags_by_name", "name", creator=lambda key, value: Tag(name=key, note=value)
    )
    labels: Mapped[list[Label]] = relationship(cascade="all, delete-orphan")
    label_texts: AssociationProxy[list[str]] = association_proxy(
        "labels", "text", creator=lambda value: Label(text=value)
    )

    @hybrid_property
    def rich(self) -> bool:
        return self.balance > 100

    @hybrid_method
    def owes_more_than(self, amount: int) -> Any:
        return self.balance < -amount

    @hybrid_property
    def display(self) -> str:
        return self.first + " " + self.last

    @display.inplace.update_expression
    @classmethod
    def _display_update(cls, value: str) -> list[tuple[Any, Any]]:
        first, last = value.split(" ", 1)
        return [(cls.first, first), (cls.last, last)]

    @validates("labels")
    def _check_label(self, key: str, label: Label) -> Label:
        if not label.text:
            raise ValueError("a label needs text")
        label.text = label.text.strip()
        return label


class Entry(Base):
    __tablename__ = "mx_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("mx_account.id"))
    amount: Mapped[int] = mapped_column()


class Tag(Base):
    __tablename__ = "mx_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("mx_account.id"))
    name: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(20), default="")


class Label(Base):
    __tablename__ = "mx_label"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("mx_account.id"))
    text: Mapped[str] = mapped_column(String(20))


class Ledger(Base):
    __tablename__ = "mx_ledger"
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # The annotation alone makes these write-only / dynamic, as in SQLAlchemy.
    lines: WriteOnlyMapped[Line] = relationship(order_by="Line.id")
    audited: WriteOnlyMapped[Line] = relationship(secondary="mx_ledger_audit", viewonly=False)
    recent: DynamicMapped[Line] = relationship(viewonly=True)


class Line(Base):
    __tablename__ = "mx_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int | None] = mapped_column(ForeignKey("mx_ledger.id"))
    text: Mapped[str] = mapped_column(String(30))


ledger_audit = Table(
    "mx_ledger_audit",
    Base.metadata,
    Column("ledger_id", ForeignKey("mx_ledger.id"), primary_key=True),
    Column("line_id", ForeignKey("mx_line.id"), primary_key=True),
)


class Owned:
    """Each class using the mixin gets its own foreign key and relationship to Account."""

    account_id: Mapped[int] = mapped_column(ForeignKey("mx_account.id"))

    @declared_attr
    def account(cls) -> Mapped[Account]:
        built: Mapped[Account] = relationship("Account")
        return built


class Card(Owned, Base):
    __tablename__ = "mx_card"

    id: Mapped[int] = mapped_column(primary_key=True)


class Loan(Owned, Base):
    __tablename__ = "mx_loan"

    id: Mapped[int] = mapped_column(primary_key=True)


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Segment(Base):
    __tablename__ = "mx_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[Point] = composite(mapped_column("x1"), mapped_column("y1"))
    end: Mapped[Point] = composite(mapped_column("x2"), mapped_column("y2"))


class DataBase(MappedAsDataclass, DeclarativeBase):
    pass


class Book(DataBase):
    __tablename__ = "mx_book"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    title: Mapped[str] = mapped_column(String(30))
    pages: Mapped[int] = mapped_column(default=100)
    chapters: Mapped[list[Chapter]] = relationship(default_factory=list, repr=False)


class Chapter(DataBase):
    __tablename__ = "mx_chapter"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    book_id: Mapped[int | None] = mapped_column(ForeignKey("mx_book.id"), init=False)
    name: Mapped[str] = mapped_column(String(30))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    DataBase.metadata.create_all(engine)
    yield engine


def _words(sql: str) -> str:
    return re.sub(r"[`\"]", "", sql)


def _account(session: Session, **values: Any) -> Account:
    values.setdefault("first", "ada")
    values.setdefault("last", "lovelace")
    account = Account(**values)
    session.add(account)
    session.flush()
    return account


def test_hybrid_property_and_method_filter_rows(db: Engine) -> None:
    """A hybrid's class-level SQL selects the rows its Python version describes."""
    with Session(db) as session:
        _account(session, balance=500)
        _account(session, first="bob", balance=-50)
        session.commit()
        rich = session.scalars(select(Account.first).where(Account.rich)).all()
        owing = session.scalars(select(Account.first).where(Account.owes_more_than(10))).all()
    assert rich == ["ada"] and owing == ["bob"]


def test_column_property_loads_with_the_row_and_reloads_after_commit(db: Engine) -> None:
    """The expression is in the SELECT; expired by a commit or an UPDATE of the row, it
    loads again by itself."""
    with Session(db) as session:
        account = _account(session)
        session.commit()
        with recorded_sql() as statements:
            assert account.fullname == "ada lovelace"
        assert len(dml(statements)) >= 1
        session.expunge_all()
        with recorded_sql() as statements:
            loaded = session.scalars(select(Account).where(Account.fullname == "ada lovelace"))
            found = loaded.one()
        assert found.fullname == "ada lovelace"
        (query,) = dml(statements)
        assert "AS fullname" in query
        assert session.scalar(select(Account.fullname)) == "ada lovelace"
        found.last = "byron"
        session.flush()
        assert "fullname" not in found.__dict__  # the UPDATE expired it
        with recorded_sql() as statements:
            assert found.fullname == "ada byron"
        (reload,) = dml(statements)
        assert reload.startswith("SELECT")


def test_synonym_filters_like_its_column(db: Engine) -> None:
    """A query on the synonym reads the column it names."""
    with Session(db) as session:
        _account(session, last="byron")
        session.commit()
        assert session.scalars(select(Account.first).where(Account.surname == "byron")).all() == [
            "ada"
        ]


def test_validates_checks_members_added_to_a_relationship(db: Engine) -> None:
    """The validator of a collection runs on each append; what it returns is stored."""
    with Session(db) as session:
        account = _account(session)
        account.labels.append(Label(text="  vip "))
        with pytest.raises(ValueError, match="needs text"):
            account.labels.append(Label(text=""))
        session.commit()
        assert session.scalars(select(Label.text)).all() == ["vip"]


def test_declared_attr_relationship_flushes_for_each_class(db: Engine) -> None:
    """The mixin's relationship writes each class's own foreign key and loads back."""
    with Session(db) as session:
        account = _account(session)
        session.add_all([Card(account=account), Loan(account=account)])  # type: ignore[call-arg]
        session.commit()
        session.expunge_all()
        card = session.scalars(select(Card)).one()
        loan = session.scalars(select(Loan)).one()
        assert cast(Any, card.account).first == "ada" and loan.account is card.account


def test_keyed_dict_collection_flushes_and_loads_as_a_dict(db: Engine) -> None:
    """Members added under keys are INSERTed; reloaded, they come back keyed."""
    with Session(db) as session:
        account = _account(session)
        with recorded_sql() as statements:
            account.tags_by_name["red"] = Tag(name="red")
            account.tags_by_name["blue"] = Tag(name="blue")
            session.flush()
        done = [_words(s) for s in dml(statements)]
        assert done[0].startswith("SELECT mx_tag.id")  # the collection loads on first use
        inserts = [s for s in done if s.startswith("INSERT")]
        assert inserts and all(s.startswith("INSERT INTO mx_tag (") for s in inserts)
        assert all("account_id, name, note) VALUES" in s for s in inserts)
        session.commit()
        session.expunge_all()
        loaded = session.scalars(select(Account)).one()
        assert sorted(loaded.tags_by_name) == ["blue", "red"]
        assert loaded.tags_by_name["red"].name == "red"
        with recorded_sql() as statements:
            del loaded.tags_by_name["red"]
            session.flush()
        assert [_words(s).split(" WHERE")[0] for s in dml(statements)] == ["DELETE FROM mx_tag"]
        session.commit()
        with db.connect() as connection:
            assert connection.execute(text("SELECT name FROM mx_tag")).scalars().all() == ["blue"]


def test_association_proxy_creates_and_queries_intermediates(db: Engine) -> None:
    """Appending a value INSERTs a Label; contains() finds the account by it."""
    with Session(db) as session:
        account = _account(session)
        account.label_texts.append("gold")
        account.tag_names = {"k": "note"}
        session.commit()
        found = session.scalars(select(Account.id).where(Account.label_texts.contains("gold")))
        assert found.all() == [account.id]
        assert session.scalars(select(Tag.note)).all() == ["note"]
        session.expunge_all()
        loaded = session.scalars(select(Account)).one()
        assert list(loaded.label_texts) == ["gold"]


def test_mutable_dict_and_list_changes_are_written(db: Engine) -> None:
    """Changing the JSON values in place makes the flush UPDATE them; nothing else does."""
    with Session(db) as session:
        account = _account(session, settings={"a": 1}, history=[1])
        session.commit()
        account.settings["b"] = 2
        account.history.append(2)
        with recorded_sql() as statements:
            session.flush()
        (statement,) = dml(statements)
        assert _words(statement).startswith("UPDATE mx_account SET settings=")
        assert "history=" in _words(statement)
        session.commit()
        with recorded_sql() as statements:
            session.flush()
        assert dml(statements) == []
        session.expunge_all()
        loaded = session.scalars(select(Account)).one()
        assert loaded.settings == {"a": 1, "b": 2} and loaded.history == [1, 2]
        assert isinstance(loaded.settings, MutableDict)


def test_dynamic_relationship_queries_and_appends(db: Engine) -> None:
    """append() writes at flush; all/count/filter/slices run SELECTs after autoflush."""
    with Session(db) as session:
        account = _account(session)
        entries = account.entries
        assert isinstance(entries, AppenderQuery)
        entries.append(Entry(amount=5))
        entries.extend([Entry(amount=7), Entry(amount=9)])
        assert entries.count() == 3
        assert [e.amount for e in entries.filter(Entry.amount > 5)] == [7, 9]
        assert [e.amount for e in entries[1:3]] == [7, 9]
        assert entries.filter_by(amount=9).one().amount == 9
        first = entries.first()
        entries.remove(first)
        with recorded_sql() as statements:
            session.flush()
        (statement,) = dml(statements)
        assert _words(statement).startswith("UPDATE mx_entry SET account_id=")
        assert [e.amount for e in account.entries.all()] == [7, 9]
        assert session.scalar(select(func.count()).select_from(Entry)) == 3


def test_composite_flushes_columns_and_loads_the_value_object(db: Engine) -> None:
    """The value object's parts are INSERTed as columns; queries compare and select it."""
    with Session(db) as session:
        with recorded_sql() as statements:
            session.add(Segment(start=Point(1, 2), end=Point(3, 4)))
            session.flush()
        (insert,) = dml(statements)
        assert _words(insert).startswith("INSERT INTO mx_segment (x1, y1, x2, y2)")
        session.commit()
        session.expunge_all()
        segment = session.scalars(select(Segment).where(Segment.start == Point(1, 2))).one()
        assert segment.end == Point(3, 4)
        assert session.scalars(select(Segment.end)).all() == [Point(3, 4)]
        segment.end = Point(5, 6)
        with recorded_sql() as statements:
            session.flush()
        (statement,) = dml(statements)
        assert _words(statement).startswith("UPDATE mx_segment SET x2=")


def test_mapped_dataclass_round_trips(db: Engine) -> None:
    """Objects built with the dataclass __init__ flush and load back equal."""
    with Session(db) as session:
        book = Book("dune", chapters=[Chapter("one"), Chapter("two")])
        session.add(book)
        session.commit()
        book_id = book.id
        session.expunge_all()
        loaded = session.get(Book, book_id)
        assert loaded is not None
        assert (loaded.title, loaded.pages) == ("dune", 100)
        assert [c.name for c in loaded.chapters] == ["one", "two"]
        assert repr(loaded) == f"Book(id={book_id}, title='dune', pages=100)"


def test_write_only_collection_assigned_before_the_owner_has_a_row(db: Engine) -> None:
    """WriteOnlyMapped alone makes the collection write-only; a new owner may be given its
    members, which the flush INSERTs."""
    with Session(db) as session:
        ledger = Ledger(lines=[Line(text="a"), Line(text="b")])  # type: ignore[arg-type]
        assert isinstance(ledger.lines, WriteOnlyCollection)
        assert isinstance(ledger.recent, AppenderQuery)
        session.add(ledger)
        session.commit()
        texts = session.scalars(ledger.lines.select()).all()
        assert [line.text for line in texts] == ["a", "b"]
        with pytest.raises(exc.InvalidRequestError, match="never by assignment"):
            ledger.lines = []  # type: ignore[assignment]


def test_write_only_insert_update_delete_statements(db: Engine) -> None:
    """insert() fills the owner's key; update()/delete() reach only the members' rows,
    through the association table too."""
    with Session(db) as session:
        ledger, other = Ledger(), Ledger()
        session.add_all([ledger, other])
        session.flush()
        session.execute(ledger.lines.insert(), [{"text": "x"}, {"text": "y"}])
        session.execute(other.lines.insert(), [{"text": "z"}])
        assert "WHERE :param_1 = mx_line.ledger_id" in str(ledger.lines.select())
        session.execute(ledger.lines.update().values(text=Line.text + "!"))
        rows = session.execute(select(Line.ledger_id, Line.text).order_by(Line.id)).all()
        assert [tuple(r) for r in rows] == [(ledger.id, "x!"), (ledger.id, "y!"), (other.id, "z")]
        z = session.scalars(select(Line).where(Line.text == "z")).one()
        ledger.audited.add(z)
        session.flush()
        session.execute(ledger.audited.update().values(text="audited"))
        assert session.scalar(select(Line.text).where(Line.id == z.id)) == "audited"
        session.execute(ledger.lines.delete())
        assert session.scalars(select(Line.text)).all() == ["audited"]
        assert [line.text for line in other.recent] == ["audited"]


def test_hybrid_update_expression_in_an_update_statement(db: Engine) -> None:
    """update().values({Account.display: ...}) writes the two columns it stands for."""
    with Session(db) as session:
        account = _account(session)
        session.commit()
        session.execute(
            update(Account).where(Account.id == account.id).values({Account.display: "Ada Byron"})
        )
        session.commit()
        assert (account.first, account.last) == ("Ada", "Byron")
        assert session.scalars(select(Account.id).where(Account.display == "Ada Byron")).all() == [
            account.id
        ]
