"""Loader strategies and options, on SQLite, PostgreSQL and MariaDB.

Each test asserts how many statements were emitted (and which) and the object
graph that came back.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator

import pytest

from corral import (
    Engine,
    NPlusOneWarning,
    Session,
    contains_eager,
    defaultload,
    exc,
    joinedload,
    lazyload,
    noload,
    raiseload,
    select,
    selectinload,
    subqueryload,
)
from tests.integration.orm_models import dml, recorded_sql
from tests.integration.relationship_models import (
    Customer,
    Node,
    Order,
    OrderLine,
    Post,
    Tag,
    rel_session,
)


@pytest.fixture
def shop(db: Engine) -> Iterator[Engine]:
    """Three customers with two orders of two lines each; one customer without orders."""
    engine = db
    with Session(engine) as session:
        for i in range(3):
            customer = Customer(name=f"c{i}")
            for j in range(2):
                lines = [OrderLine(product=f"p{i}{j}{k}") for k in range(2)]
                customer.orders.append(Order(reference=f"o{i}{j}", lines=lines))
            session.add(customer)
        session.add(Customer(name="empty"))
        session.commit()
    yield engine


def _graph(customers: list[Customer]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    return [
        (c.name, [(o.reference, [line.product for line in o.lines]) for o in c.orders])
        for c in customers
    ]


EXPECTED = [
    ("c0", [("o00", ["p000", "p001"]), ("o01", ["p010", "p011"])]),
    ("c1", [("o10", ["p100", "p101"]), ("o11", ["p110", "p111"])]),
    ("c2", [("o20", ["p200", "p201"]), ("o21", ["p210", "p211"])]),
    ("empty", []),
]


def _selects(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("SELECT")]


def test_selectinload_chain_emits_one_statement_per_level(shop: Engine) -> None:
    with rel_session(shop) as session, recorded_sql() as sql:
        statement = select(Customer).order_by(Customer.id)
        option = selectinload(Customer.orders).selectinload(Order.lines)
        customers = session.scalars(statement.options(option)).all()
        graph = _graph(customers)
    assert graph == EXPECTED
    selects = _selects(sql)
    assert len(selects) == 3
    assert "WHERE orders.customer_id IN (?, ?, ?, ?)" in selects[1]
    assert "FROM order_line WHERE order_line.order_id IN (?, ?, ?, ?, ?, ?)" in selects[2]


def test_selectinload_of_a_thousand_parents_emits_two_statements(db: Engine) -> None:
    engine = db
    with Session(engine) as session:
        for i in range(1000):
            session.add(Customer(name=f"c{i}", orders=[Order(reference=f"o{i}")]))
        session.commit()
    with rel_session(engine) as session, recorded_sql() as sql:
        customers = session.scalars(
            select(Customer).options(selectinload(Customer.orders)).order_by(Customer.id)
        ).all()
        references = [[o.reference for o in c.orders] for c in customers]
    assert references == [[f"o{i}"] for i in range(1000)]
    assert len(_selects(sql)) == 2


def test_selectinload_chunks_under_the_parameter_limit(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db
    with Session(engine) as session:
        session.add_all(
            [Customer(name=f"c{i}", orders=[Order(reference=f"o{i}")]) for i in range(250)]
        )
        session.commit()
    dialect = engine.dialect
    monkeypatch.setattr(
        dialect, "features", dataclasses.replace(dialect.features, max_bind_params=110)
    )
    with rel_session(engine) as session, recorded_sql() as sql:
        customers = session.scalars(select(Customer).options(selectinload(Customer.orders))).all()
        assert sorted(len(c.orders) for c in customers) == [1] * 250
    selects = _selects(sql)
    assert len(selects) == 1 + 3  # 250 keys in chunks of 100 (110 minus headroom)
    assert all(s.count("?") <= 110 for s in selects)


def test_joinedload_emits_one_statement_and_needs_unique(shop: Engine) -> None:
    statement = (
        select(Customer)
        .options(joinedload(Customer.orders).joinedload(Order.lines))
        .order_by(Customer.id)
    )
    with rel_session(shop) as session, recorded_sql() as sql:
        with pytest.raises(exc.InvalidRequestError, match=r"unique\(\)"):
            session.scalars(statement).all()
        customers = session.scalars(statement).unique().all()
        graph = _graph(customers)
    assert graph == EXPECTED
    selects = _selects(sql)
    assert len(selects) == 2  # the refused fetch and the real one: one statement each
    assert selects[1].count("LEFT OUTER JOIN") == 2


def test_joinedload_many_to_one_needs_no_unique(shop: Engine) -> None:
    with rel_session(shop) as session, recorded_sql() as sql:
        orders = session.scalars(
            select(Order).options(joinedload(Order.customer)).order_by(Order.id)
        ).all()
        names = [o.customer.name if o.customer else None for o in orders]
    assert names == ["c0", "c0", "c1", "c1", "c2", "c2"]
    assert len(_selects(sql)) == 1


def test_joinedload_with_limit_limits_parents_not_rows(shop: Engine) -> None:
    statement = (
        select(Customer).options(joinedload(Customer.orders)).order_by(Customer.id.desc()).limit(2)
    )
    with rel_session(shop) as session, recorded_sql() as sql:
        customers = session.scalars(statement).unique().all()
        got = [(c.name, [o.reference for o in c.orders]) for c in customers]
    assert got == [("empty", []), ("c2", ["o20", "o21"])]
    assert len(_selects(sql)) == 1


def test_subqueryload_emits_one_statement_per_level(shop: Engine) -> None:
    with rel_session(shop) as session, recorded_sql() as sql:
        statement = select(Customer).where(Customer.name != "c1").order_by(Customer.id)
        customers = session.scalars(statement.options(subqueryload(Customer.orders))).all()
        got = [(c.name, [o.reference for o in c.orders]) for c in customers]
    assert got == [("c0", ["o00", "o01"]), ("c2", ["o20", "o21"]), ("empty", [])]
    selects = _selects(sql)
    assert len(selects) == 2
    assert "JOIN (SELECT DISTINCT customer.id FROM customer WHERE customer.name != ?)" in selects[1]


def test_lazy_select_is_one_statement_per_parent_and_none_from_the_identity_map(
    shop: Engine,
) -> None:
    with Session(shop) as session:
        customers = session.scalars(select(Customer).order_by(Customer.id)).all()
        with recorded_sql() as sql:
            counts = [len(c.orders) for c in customers]
        assert counts == [2, 2, 2, 0]
        assert len(_selects(sql)) == 4
        with recorded_sql() as sql:
            owners = {o.customer.name for c in customers for o in c.orders if o.customer}
        assert owners == {"c0", "c1", "c2"}
        assert _selects(sql) == []  # many-to-one targets were in the identity map


def test_many_to_many_and_self_referential_eager_loads(db: Engine) -> None:
    engine = db
    with Session(engine) as session:
        python, sql_tag = Tag(name="python"), Tag(name="sql")
        session.add_all([Post(title="a", tags=[python, sql_tag]), Post(title="b", tags=[sql_tag])])
        root = Node(name="0")
        level = root
        for depth in range(1, 5):
            level = Node(name=str(depth), parent=level)
        session.add(root)
        session.commit()
    with rel_session(engine) as session, recorded_sql() as sql:
        posts = session.scalars(
            select(Post).options(selectinload(Post.tags)).order_by(Post.id)
        ).all()
        assert [[t.name for t in p.tags] for p in posts] == [["python", "sql"], ["sql"]]
        joined = session.scalars(select(Post).options(joinedload(Post.tags))).unique().all()
        assert sorted(len(p.tags) for p in joined) == [1, 2]
        option = selectinload(Node.children)
        for _ in range(4):
            option = option.selectinload(Node.children)
        top = session.scalars(select(Node).where(Node.parent_id.is_(None)).options(option)).one()
        names = []
        current: Node | None = top
        while current is not None:
            names.append(current.name)
            current = current.children[0] if current.children else None
    assert names == ["0", "1", "2", "3", "4"]
    assert len(_selects(sql)) == 2 + 1 + 6  # selectin tags; joined tags; tree: 1 + 5 levels


def test_raiseload_noload_and_lazyload_options(shop: Engine) -> None:
    with rel_session(shop) as session:
        customer = session.scalars(
            select(Customer).where(Customer.name == "c0").options(raiseload(Customer.orders))
        ).one()
        with pytest.raises(exc.RaiseLoadError) as raised:
            _ = customer.orders
        message = str(raised.value)
        assert "Customer.orders" in message and "selectinload(Customer.orders)" in message
    with rel_session(shop) as session, recorded_sql() as sql:
        customer = session.scalars(
            select(Customer).where(Customer.name == "c0").options(noload(Customer.orders))
        ).one()
        assert list(customer.orders) == []
    assert len(_selects(sql)) == 1
    with rel_session(shop) as session:
        order = session.scalars(
            select(Order)
            .where(Order.reference == "o00")
            .options(raiseload(Order.customer, sql_only=True))
        ).one()
        with pytest.raises(exc.RaiseLoadError, match="would emit SQL"):
            _ = order.customer
        held = session.get(Customer, order.customer_id)  # in the identity map: no SQL
        assert order.customer is held and held is not None and held.name == "c0"
    with rel_session(shop) as session, recorded_sql() as sql:
        statement = select(Customer).options(
            selectinload(Customer.orders), lazyload(Customer.orders)
        )
        customers = session.scalars(statement).all()
    assert len(_selects(sql)) == 1  # the later option wins: nothing loaded eagerly
    assert all("orders" not in c.__dict__ for c in customers)


def test_defaultload_walks_to_a_deeper_option(shop: Engine) -> None:
    with rel_session(shop) as session:
        orders = session.scalars(select(Order).options(selectinload(Order.lines))).all()
        customer = session.scalars(
            select(Customer)
            .where(Customer.name == "c1")
            .options(defaultload(Customer.orders).raiseload(Order.lines))
        ).one()
        assert [o.reference for o in customer.orders] == ["o10", "o11"]  # lazy, as mapped
        assert len(orders) == 6
        fresh = Session(shop, n_plus_one="raise")
        with fresh:
            customer = fresh.scalars(
                select(Customer)
                .where(Customer.name == "c1")
                .options(defaultload(Customer.orders).raiseload(Order.lines))
            ).one()
            first = customer.orders[0]
            with pytest.raises(exc.RaiseLoadError, match=r"Order\.lines"):
                _ = first.lines


def test_contains_eager_uses_the_joined_rows(shop: Engine) -> None:
    with rel_session(shop) as session, recorded_sql() as sql:
        orders = session.scalars(
            select(Order)
            .join(Customer, Order.customer_id == Customer.id)
            .where(Customer.name == "c1")
            .options(contains_eager(Order.customer))
            .order_by(Order.id)
        ).all()
        got = [(o.reference, o.customer.name if o.customer else None) for o in orders]
    assert got == [("o10", "c1"), ("o11", "c1")]
    assert len(_selects(sql)) == 1


def test_lazy_load_on_a_detached_object_names_class_and_attribute(shop: Engine) -> None:
    with Session(shop) as session:
        customer = session.scalars(select(Customer).where(Customer.name == "c0")).one()
    with pytest.raises(exc.DetachedInstanceError) as raised:
        _ = customer.orders
    message = str(raised.value)
    assert "Customer.orders" in message and "selectinload(Customer.orders)" in message


def test_n_plus_one_detector_raises_on_a_loop_over_fifty_parents(db: Engine) -> None:
    engine = db
    with Session(engine) as session:
        session.add_all([Customer(name=f"c{i}", orders=[Order(reference="x")]) for i in range(50)])
        session.commit()
    with rel_session(engine) as session:
        customers = session.scalars(select(Customer)).all()
        with pytest.raises(exc.NPlusOneError) as raised:
            for customer in customers:
                _ = customer.orders
    message = str(raised.value)
    assert "Customer.orders" in message
    assert "11 Customer objects" in message  # the first load past the threshold of 10
    assert "test_relationship_loading.py" in message  # the call site
    assert "selectinload(Customer.orders)" in message
    with Session(engine, n_plus_one="warn") as session:
        customers = session.scalars(select(Customer)).all()
        with pytest.warns(NPlusOneWarning) as caught:
            for customer in customers:
                _ = customer.orders
        assert len(caught) == 1  # once per relationship per session
        assert caught[0].filename == __file__  # attributed to the loop, not to corral
    with rel_session(engine) as session, recorded_sql() as sql, warnings.catch_warnings():
        warnings.simplefilter("error")
        customers = session.scalars(select(Customer).options(selectinload(Customer.orders))).all()
        assert sum(len(c.orders) for c in customers) == 50
    assert len(_selects(sql)) == 2
    with Session(engine, n_plus_one=None) as session:  # the control: detection off, 50 loads
        customers = session.scalars(select(Customer)).all()
        assert sum(len(c.orders) for c in customers) == 50


def test_n_plus_one_counts_start_again_when_the_session_closes(shop: Engine) -> None:
    session = Session(shop, n_plus_one="raise", n_plus_one_threshold=3)
    for _ in range(3):  # nine lazy loads in all, never more than three between closes
        customers = session.scalars(select(Customer).where(Customer.name != "empty")).all()
        assert [len(c.orders) for c in customers] == [2, 2, 2]
        session.close()
    customers = session.scalars(select(Customer).order_by(Customer.id)).all()
    with pytest.raises(exc.NPlusOneError, match="4 Customer objects"):
        for customer in customers:
            _ = customer.orders
    session.close()
