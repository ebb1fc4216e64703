"""``foreign()`` / ``remote()`` marks, a viewonly ``primaryjoin`` that is not
``column == column`` (LIKE) and a subquery ``secondary=``: the SQL they produce."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Column, Integer, String, exc, func, inspect, select
from corral.orm import (
    DeclarativeBase,
    Mapped,
    aliased,
    configure_mappers,
    foreign,
    mapped_column,
    relationship,
    remote,
)
from corral.orm.mapping import properties
from corral.orm.relationships.expressions import lazy_statement


@pytest.fixture
def pending_restored() -> Iterator[None]:
    """Relationships a test leaves unconfigurable are forgotten afterwards."""
    before = list(properties.PENDING)
    yield
    properties.PENDING[:] = before


class Base(DeclarativeBase):
    pass


class Folder(Base):
    __tablename__ = "folder"

    id = Column(Integer, primary_key=True, autoincrement=False)
    path = Column(String(100), nullable=False)
    below = relationship(
        "Folder",
        viewonly=True,
        order_by=path,
        primaryjoin=remote(foreign(path)).like(path.concat("/%")),
    )
    parts = (
        select(id.label("id"), func.length(path).label("size"))  # a stand-in for unnest()
        .where(path != "")
        .alias("parts")
    )
    sized = relationship(
        "Folder",
        viewonly=True,
        secondary=parts,
        primaryjoin=id == parts.c.id,
        secondaryjoin=parts.c.size == id,
    )


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10))


class Entry(Base):
    __tablename__ = "entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_code: Mapped[str] = mapped_column(String(10))
    # No ForeignKey in the schema: foreign() says which column refers to the other.
    account: Mapped[Account] = relationship(
        primaryjoin=lambda: foreign(Entry.account_code) == Account.code
    )


def test_like_condition_lazy_load_binds_the_parents_path() -> None:
    """The lazy SELECT keeps the remote path and binds the parent's path in its place."""
    configure_mappers()
    assert str(lazy_statement(Folder.below.prop)) == (
        "SELECT folder.id, folder.path \nFROM folder \n"
        "WHERE folder.path LIKE :corral_lazy_0 || :param_1 ORDER BY folder.path"
    )


def test_like_condition_joins_and_exists() -> None:
    """join() along it and .any() put the alias on the remote side, the parent on the local."""
    child = aliased(Folder, name="child")
    assert str(select(Folder.id).join(Folder.below.of_type(child))) == (
        "SELECT folder.id \nFROM folder JOIN folder AS child "
        "ON child.path LIKE folder.path || :param_1"
    )
    assert str(select(Folder.id).where(Folder.below.any())) == (
        "SELECT folder.id \nFROM folder \nWHERE EXISTS (SELECT 1 \nFROM folder AS folder_1 "
        "\nWHERE folder_1.path LIKE folder.path || :param_1)"
    )


def test_subquery_secondary_lazy_load() -> None:
    """A select().alias() as secondary= is joined in the lazy SELECT like a table."""
    configure_mappers()
    assert str(lazy_statement(Folder.sized.prop)) == (
        "SELECT folder.id, folder.path \nFROM folder JOIN "
        "(SELECT folder.id AS id, length(folder.path) AS size \nFROM folder \n"
        "WHERE folder.path != :param_1) AS parts ON folder.id = parts.size \n"
        "WHERE parts.id = :corral_lazy_0"
    )


def test_foreign_marks_the_referring_column() -> None:
    """foreign() stands for foreign_keys=: Entry.account is a many-to-one on account_code."""
    configure_mappers()
    prop = inspect(Entry).relationships["account"]
    assert prop.direction.name == "MANYTOONE"
    assert [(a.key, b.key) for a, b in prop.synchronize_pairs] == [("code", "account_code")]
    assert str(select(Entry.id).join(Entry.account)) == (
        "SELECT entry.id \nFROM entry JOIN account ON account.code = entry.account_code"
    )


def test_non_equality_condition_must_be_viewonly(pending_restored: None) -> None:
    """Without viewonly=True a LIKE primaryjoin is refused, naming viewonly."""

    class Other(DeclarativeBase):
        pass

    class Node(Other):
        __tablename__ = "node"
        id = Column(Integer, primary_key=True)
        path = Column(String(100))
        below = relationship("Node", primaryjoin=remote(foreign(path)).like(path.concat("/%")))

    with pytest.raises(exc.ArgumentError, match=r"Node\.below: .*viewonly=True"):
        configure_mappers()


def test_subquery_secondary_must_be_viewonly(pending_restored: None) -> None:
    """A subquery secondary= without viewonly=True is refused, naming what to add."""

    class Other(DeclarativeBase):
        pass

    class Node(Other):
        __tablename__ = "node"
        id = Column(Integer, primary_key=True)
        subq = select(id.label("id"), id.label("up")).alias()
        ups = relationship(
            "Node", secondary=subq, primaryjoin=id == subq.c.id, secondaryjoin=subq.c.up == id
        )

    with pytest.raises(exc.ArgumentError, match=r"Node\.ups: secondary= is a subquery"):
        configure_mappers()


def test_foreign_refuses_a_non_column() -> None:
    """foreign() of a non-column expression says to wrap the column itself."""
    with pytest.raises(exc.ArgumentError, match=r"foreign\(\) marks a column"):
        foreign(func.lower(Account.code))


def test_backref_of_a_custom_condition_is_refused(pending_restored: None) -> None:
    """backref= on a LIKE relationship is refused: the condition cannot be turned around."""

    class Other(DeclarativeBase):
        pass

    class Node(Other):
        __tablename__ = "node"
        id = Column(Integer, primary_key=True)
        path = Column(String(100))
        below = relationship(
            "Node",
            viewonly=True,
            backref="above",
            primaryjoin=remote(foreign(path)).like(path.concat("/%")),
        )

    with pytest.raises(exc.ArgumentError, match=r"Node\.below: backref= cannot"):
        configure_mappers()
