"""Each kind of relationship round-trips: written by a flush, read back by a new session.

Self-referential trees, backrefs, two foreign keys to one table, order_by, list
and set collections, one-to-one; on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from corral import Engine, select
from corral.orm.relationships.collections import InstrumentedList, InstrumentedSet
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import (
    Author,
    Book,
    City,
    Customer,
    Node,
    Order,
    Person,
    Post,
    Tag,
    Trip,
    rel_session,
    rows,
    shape,
)

DEPTH = 5


def _tree(name: str, depth: int) -> Node:
    """A binary tree of ``depth`` levels, children attached through ``children``."""
    node = Node(name=name)
    if depth > 1:
        node.children = [_tree(f"{name}.{i}", depth - 1) for i in range(2)]
    return node


def _shape_of(node: Node) -> tuple[str, list[object]]:
    return (node.name, [_shape_of(child) for child in node.children])


def test_tree_of_depth_five_round_trips(db: Engine) -> None:
    """31 nodes: one INSERT per level, parents first; a new session reads the same tree."""
    root = _tree("r", DEPTH)
    expected = _shape_of(root)
    with rel_session(db) as session:
        session.add(root)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT node"] * DEPTH
    links = rows(db, "SELECT c.name, p.name FROM node c JOIN node p ON c.parent_id = p.id")
    assert len(links) == 30  # every node but the root has its parent's row
    assert all(str(child).rpartition(".")[0] == parent for child, parent in links)
    with rel_session(db, n_plus_one=None) as session:
        loaded = session.scalars(select(Node).where(Node.parent_id.is_(None))).one()
        assert _shape_of(loaded) == expected
        leaf = loaded.children[1].children[1].children[1].children[1]
        assert leaf.name == "r.1.1.1.1"
        ancestors = []
        current: Node | None = leaf
        while current is not None:
            ancestors.append(current.name)
            current = current.parent
        assert ancestors == ["r.1.1.1.1", "r.1.1.1", "r.1.1", "r.1", "r"]


def test_tree_built_through_parent_inserts_parents_first(db: Engine) -> None:
    """Nodes given their parent (many-to-one side) and added child-first still insert rootward."""
    root = Node(name="root")
    middle = Node(name="middle", parent=root)
    leaf = Node(name="leaf", parent=middle)
    assert root.children == [middle]
    with rel_session(db) as session:
        session.add_all([leaf, middle, root])
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT node"] * 3
        ids = {n.name: n.id for n in (root, middle, leaf)}
    assert rows(db, "SELECT name, parent_id FROM node ORDER BY id") == [
        ("root", None),
        ("middle", ids["root"]),
        ("leaf", ids["middle"]),
    ]


def test_moving_a_subtree_updates_one_row(db: Engine) -> None:
    """A node moved to another parent: one UPDATE; its own children follow it unchanged."""
    with rel_session(db) as session:
        root = _tree("r", 3)
        session.add(root)
        session.commit()
        left, right = root.children
        subtree = left.children[0]
        right.children.append(subtree)
        assert subtree.parent is right
        assert subtree not in left.children
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE node"]
        right_id = right.id
    assert rows(db, "SELECT parent_id FROM node WHERE name = 'r.0.0'") == [(right_id,)]


def test_backref_collection_loads_from_the_database(db: Engine) -> None:
    """Author.books exists only through Book.author's backref; it loads and stays in step."""
    with rel_session(db) as session:
        author = Author(name="ann")
        Book(title="a", author=author)
        Book(title="b", author=author)
        assert [b.title for b in author.books] == ["a", "b"]
        session.add(author)
        session.commit()
    with rel_session(db) as session:
        loaded = session.scalars(select(Author)).one()
        assert sorted(b.title for b in loaded.books) == ["a", "b"]
        assert all(b.author is loaded for b in loaded.books)


def test_order_by_orders_the_loaded_collection(db: Engine) -> None:
    """Post.tags is ordered by Tag.name whatever order the rows went in."""
    with rel_session(db) as session:
        session.add(Post(title="p", tags=[Tag(name="c"), Tag(name="a"), Tag(name="b")]))
        session.commit()
    with rel_session(db) as session:
        post = session.scalars(select(Post)).one()
        assert [t.name for t in post.tags] == ["a", "b", "c"]
        assert isinstance(post.tags, InstrumentedList)


def test_set_collection_loads_as_a_set(db: Engine) -> None:
    """Tag.posts is annotated Mapped[set[Post]]: it loads as a set kept in step with Post.tags."""
    with rel_session(db) as session:
        tag = Tag(name="t")
        session.add_all([Post(title="p", tags=[tag]), Post(title="q", tags=[tag])])
        session.commit()
    with rel_session(db) as session:
        loaded = session.scalars(select(Tag)).one()
        assert isinstance(loaded.posts, InstrumentedSet)
        assert {p.title for p in loaded.posts} == {"p", "q"}
        extra = Post(title="r")
        loaded.posts.add(extra)
        assert extra.tags == [loaded]
        session.commit()
    assert rows(db, "SELECT count(*) FROM post_tag") == [(3,)]


def test_two_foreign_keys_load_their_own_targets(db: Engine) -> None:
    """Trip.origin (foreign_keys=) and Trip.destination (primaryjoin=) load different cities."""
    with rel_session(db) as session:
        paris, rome = City(name="paris"), City(name="rome")
        session.add_all(
            [Trip(origin=paris, destination=rome), Trip(origin=rome, destination=paris)]
        )
        session.commit()
    with rel_session(db) as session:
        trips = session.scalars(select(Trip).order_by(Trip.id)).all()
        assert [(t.origin.name, t.destination.name) for t in trips] == [
            ("paris", "rome"),
            ("rome", "paris"),
        ]
        rome_loaded = trips[0].destination
        assert [t.id for t in rome_loaded.arrivals] == [trips[0].id]


def test_one_to_one_absent_reads_none(db: Engine) -> None:
    """A person without a passport reads None, not an empty list."""
    with rel_session(db) as session:
        session.add(Person(name="ann"))
        session.commit()
    with rel_session(db) as session:
        person = session.scalars(select(Person)).one()
        assert person.passport is None


def test_many_to_one_reassigned_to_a_loaded_parent(db: Engine) -> None:
    """order.customer = other: both loaded collections change and one UPDATE is sent."""
    with rel_session(db) as session:
        session.add_all([Customer(name="ann", orders=[Order(reference="o")]), Customer(name="bob")])
        session.commit()
        ann, bob = session.scalars(select(Customer).order_by(Customer.id)).all()
        order = ann.orders[0]
        assert bob.orders == []
        order.customer = bob
        assert ann.orders == []
        assert bob.orders == [order]
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE orders"]
        bob_id = bob.id
    assert rows(db, "SELECT customer_id FROM orders") == [(bob_id,)]
