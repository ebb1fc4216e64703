"""A relationship assigned to a mapped class after its declaration is mapped, as SQLAlchemy's
declarative allows (the 1.x ORM tutorial's ``User.addresses = relationship(...)``)."""

from __future__ import annotations

from corral import Column, ForeignKey, Integer, String, create_engine, select
from corral.orm import Session, declarative_base, relationship


def test_relationship_assigned_after_the_class_is_mapped() -> None:
    """Address names ``User.addresses`` in back_populates before it exists; assigned later,
    both sides work: loading, appending, the join it gives."""
    Base = declarative_base()

    class User(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        name = Column(String(20))

    class Address(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "addresses"
        id = Column(Integer, primary_key=True)
        email = Column(String(50))
        user_id = Column(Integer, ForeignKey("users.id"))
        user = relationship("User", back_populates="addresses")

    User.addresses = relationship(Address, order_by=Address.id, back_populates="user")
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        jack = User(name="jack")
        jack.addresses = [Address(email="b@x"), Address(email="a@x")]
        assert jack.addresses[0].user is jack  # the other side, kept in step
        session.add(jack)
        session.commit()
        statement = select(User.name, Address.email).join(User.addresses).order_by(Address.id)
        assert session.execute(statement).all() == [("jack", "b@x"), ("jack", "a@x")]
        assert [a.email for a in session.scalars(select(User)).one().addresses] == ["b@x", "a@x"]


def test_a_dynamic_relationship_assigned_later() -> None:
    """``lazy="dynamic"`` assigned after declaration gives a query on the collection."""
    Base = declarative_base()

    class Author(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)

    class Post(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "posts"
        id = Column(Integer, primary_key=True)
        title = Column(String(20))
        author_id = Column(Integer, ForeignKey("authors.id"))
        author = relationship(Author, back_populates="posts")

    Author.posts = relationship(Post, back_populates="author", lazy="dynamic")
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        writer = Author(id=1)
        session.add_all([writer, Post(title="a", author=writer), Post(title="b", author=writer)])
        session.commit()
        assert [p.title for p in writer.posts.filter(Post.title == "b")] == ["b"]


def test_both_sides_assigned_later_are_mapped_on_first_use() -> None:
    """Nothing waits for configuration when both sides come late (the tutorial's BlogPost):
    setting one on a new object, or reading the other, maps them."""
    Base = declarative_base()

    class Writer(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "writers"
        id = Column(Integer, primary_key=True)

    class Note(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "notes"
        id = Column(Integer, primary_key=True)
        writer_id = Column(Integer, ForeignKey("writers.id"))

        def __init__(self, writer: Writer) -> None:
            self.writer = writer

    Note.writer = relationship(Writer, back_populates="notes")
    Writer.notes = relationship(Note, back_populates="writer", lazy="dynamic")
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        someone = Writer(id=1)
        session.add_all([Note(someone), Note(someone)])
        session.commit()
        assert someone.notes.count() == 2
