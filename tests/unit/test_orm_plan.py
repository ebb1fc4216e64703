"""The flush planner without a database: order, batches, changed columns, versions."""

from __future__ import annotations

from typing import Any, TypeVar

from corral import ObjectStatus, String
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.orm.mapping.instance_state import state_of
from corral.orm.unit_of_work.plan import (
    KEY_PARAM,
    VERSION_PARAM,
    FlushPlan,
    StepKind,
    plan_flush,
)
from tests.integration.orm_models import Address, Counter, User

T = TypeVar("T")


def persistent(obj: T) -> T:
    """Make ``obj`` look loaded from its row, as the session leaves it after a load."""
    state = state_of(obj)
    mapper = state.mapper
    state.key = mapper.identity_key(tuple(obj.__dict__[k] for k in mapper.primary_key_attrs))
    state.status = ObjectStatus.PERSISTENT
    state.committed_state = {}
    return obj


def loaded_user(id: int, name: str = "n") -> User:
    return persistent(User(id=id, name=name, nickname=None, status="new"))


def loaded_address(id: int, user_id: int = 1) -> Address:
    return persistent(Address(id=id, user_id=user_id, email="e"))


def summary(plan: FlushPlan) -> list[tuple[str, str, int]]:
    return [(s.kind.value, s.mapper.table.name, len(s.params)) for s in plan.steps]


def keys(plan: FlushPlan, index: int) -> list[Any]:
    return [p[KEY_PARAM + "id"] for p in plan.steps[index].params]


def test_empty_plan() -> None:
    """Nothing to write: no steps."""
    assert len(plan_flush([], [], [])) == 0


def test_referred_table_is_inserted_first() -> None:
    """Rows of a referred table are inserted before the rows referring to them."""
    plan = plan_flush([Address(user_id=1, email="a"), User(id=1, name="u")], [], [])
    assert summary(plan) == [("insert", "users", 1), ("insert", "addresses", 1)]


def test_same_shape_inserts_share_one_step() -> None:
    """Consecutive new rows with the same columns become one executemany."""
    users = [User(id=i, name=f"u{i}") for i in range(1, 4)]
    plan = plan_flush(users, [], [])
    assert summary(plan) == [("insert", "users", 3)]
    assert plan.steps[0].objects == users
    assert [p["id"] for p in plan.steps[0].params] == [1, 2, 3]


def test_shape_change_starts_a_new_insert_step() -> None:
    """A row with a different column set (a generated key here) splits the batch, in order."""
    first, generated, last = User(id=1, name="a"), User(name="b"), User(id=3, name="c")
    plan = plan_flush([first, generated, last], [], [])
    assert summary(plan) == [("insert", "users", 1)] * 3
    assert [s.objects for s in plan.steps] == [[first], [generated], [last]]
    assert plan.steps[1].generated_keys == ("id",)
    assert plan.steps[0].generated_keys == ()


def test_python_default_is_filled_into_object_and_row() -> None:
    """A column's Python default goes into the INSERT and onto the object."""
    user = User(id=1, name="a")
    plan = plan_flush([user], [], [])
    assert plan.steps[0].params == [{"id": 1, "name": "a", "nickname": None, "status": "new"}]
    assert user.__dict__["status"] == "new"


def test_update_has_only_changed_columns() -> None:
    """An UPDATE carries the changed columns and the row's key, nothing else."""
    user = loaded_user(1)
    user.nickname = "nick"
    plan = plan_flush([], [user], [])
    assert summary(plan) == [("update", "users", 1)]
    assert plan.steps[0].params == [{"nickname": "nick", KEY_PARAM + "id": 1}]
    assert plan.steps[0].check_rowcount


def test_change_back_to_loaded_value_is_no_update() -> None:
    """A value changed and changed back is not written."""
    user = loaded_user(1, name="a")
    user.name = "b"
    user.name = "a"
    assert len(plan_flush([], [user], [])) == 0


def test_updates_go_in_primary_key_order() -> None:
    """UPDATEs of one table run in primary-key order, whatever order they changed in."""
    users = [loaded_user(i) for i in (3, 1, 2)]
    for user in users:
        user.nickname = "x"
    plan = plan_flush([], users, [])
    assert summary(plan) == [("update", "users", 3)]
    assert keys(plan, 0) == [1, 2, 3]


def test_updates_of_different_columns_keep_key_order() -> None:
    """Rows changing different columns are not regrouped out of key order (lock order)."""
    one, two, three = loaded_user(1), loaded_user(2), loaded_user(3)
    one.nickname = "a"
    two.name = "b"
    three.nickname = "c"
    plan = plan_flush([], [three, two, one], [])
    assert summary(plan) == [("update", "users", 1)] * 3
    assert [keys(plan, i) for i in range(3)] == [[1], [2], [3]]


def test_consecutive_updates_of_same_columns_share_a_step() -> None:
    """Neighbouring rows (in key order) changing the same columns share one executemany."""
    users = [loaded_user(i) for i in (1, 2, 3, 4)]
    users[0].nickname = users[1].nickname = "n"
    users[2].name = users[3].name = "m"
    plan = plan_flush([], users, [])
    assert summary(plan) == [("update", "users", 2), ("update", "users", 2)]
    assert [keys(plan, 0), keys(plan, 1)] == [[1, 2], [3, 4]]


def test_update_uses_the_loaded_key() -> None:
    """The WHERE key is the identity the row was loaded with, even if the attribute changed."""
    user = loaded_user(1)
    user.id = 10
    plan = plan_flush([], [user], [])
    assert plan.steps[0].params == [{"id": 10, KEY_PARAM + "id": 1}]


def test_deletes_come_last_referring_tables_first() -> None:
    """DELETEs follow updates and inserts (a table's UPDATEs before its INSERTs, as in
    SQLAlchemy), and rows referring to others go first."""
    parent, child = loaded_user(1), loaded_address(5)
    changed = loaded_user(2)
    changed.nickname = "x"
    plan = plan_flush([User(id=3, name="new")], [changed], [parent, child])
    assert summary(plan) == [
        ("update", "users", 1),
        ("insert", "users", 1),
        ("delete", "addresses", 1),
        ("delete", "users", 1),
    ]


def test_deletes_go_in_primary_key_order_in_one_step() -> None:
    """The DELETEs of one table are one step, in primary-key order."""
    addresses = [loaded_address(i) for i in (7, 3, 5)]
    plan = plan_flush([], [], addresses)
    assert summary(plan) == [("delete", "addresses", 3)]
    assert keys(plan, 0) == [3, 5, 7]
    assert plan.steps[0].objects == [addresses[1], addresses[2], addresses[0]]
    assert not plan.steps[0].check_rowcount  # unversioned: a vanished row is not an error


def test_new_versioned_row_starts_at_one() -> None:
    """A versioned row is inserted with version 1, also put on the object."""
    counter = Counter(id=1)
    plan = plan_flush([counter], [], [])
    assert plan.steps[0].params == [{"id": 1, "value": 0, "version": 1}]
    assert counter.__dict__["version"] == 1


def test_versioned_update_checks_and_bumps_version() -> None:
    """A versioned UPDATE sets the next version and matches the loaded one."""
    counter = persistent(Counter(id=1, value=0, version=4))
    counter.value = 5
    plan = plan_flush([], [counter], [])
    assert plan.steps[0].params == [
        {"value": 5, KEY_PARAM + "id": 1, "version": 5, VERSION_PARAM: 4}
    ]
    assert counter.__dict__["version"] == 5
    assert plan.steps[0].check_rowcount


def test_versioned_delete_matches_loaded_version() -> None:
    """A versioned DELETE matches the loaded version and checks the rowcount."""
    counter = persistent(Counter(id=2, value=0, version=3))
    plan = plan_flush([], [], [counter])
    assert plan.steps[0].kind is StepKind.DELETE
    assert plan.steps[0].params == [{KEY_PARAM + "id": 2, VERSION_PARAM: 3}]
    assert plan.steps[0].check_rowcount


def test_planning_leaves_object_states_alone() -> None:
    """Planning only reads: statuses, identities and change history stay as they were."""
    new, changed = User(id=1, name="a"), loaded_user(2)
    changed.nickname = "x"
    plan_flush([new], [changed], [])
    assert state_of(new).status is ObjectStatus.TRANSIENT
    assert state_of(new).key is None
    assert state_of(changed).status is ObjectStatus.PERSISTENT
    assert state_of(changed).committed_state == {"nickname": None}


class _PlanBase(DeclarativeBase):
    pass


class _Stock(_PlanBase):
    """A row keyed by two columns."""

    __tablename__ = "stock"

    shop: Mapped[str] = mapped_column(String(10), primary_key=True)
    item: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(20))


def test_update_of_a_composite_key_carries_each_loaded_key_column() -> None:
    """Each row's WHERE takes every key column as loaded; rows in key order, batched by shape."""
    rows = [persistent(_Stock(shop=s, item=i, count=0, note=None)) for s, i in [("b", 1), ("a", 2)]]
    for row in rows:
        row.count = 5
    rows[0].item = 9  # the key as loaded is matched, not the new value
    plan = plan_flush([], rows, [])
    assert summary(plan) == [("update", "stock", 1), ("update", "stock", 1)]
    assert [step.params for step in plan.steps] == [
        [{"count": 5, KEY_PARAM + "shop": "a", KEY_PARAM + "item": 2}],
        [{"count": 5, "item": 9, KEY_PARAM + "shop": "b", KEY_PARAM + "item": 1}],
    ]
    assert [step.objects for step in plan.steps] == [[rows[1]], [rows[0]]]


def test_rows_changing_the_same_columns_in_any_order_share_a_step() -> None:
    """Two rows changing the same two columns (set in different orders) are one executemany."""
    first, second = loaded_user(1), loaded_user(2)
    first.name, first.nickname = "a", "b"
    second.nickname, second.name = "c", "d"
    plan = plan_flush([], [first, second], [])
    assert summary(plan) == [("update", "users", 2)]
