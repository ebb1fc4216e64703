"""Instance state without a database: statuses, transitions, History, inspect(obj), typing."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest

from corral import ObjectStatus, exc, inspect
from corral.orm.base import NO_VALUE, TRANSITIONS
from corral.orm.mapping.instance_state import History, state_of
from tests.integration.orm_models import User

T = TypeVar("T")


def persistent(obj: T) -> T:
    """Make ``obj`` look loaded from its row (as a session leaves it after a load)."""
    state = state_of(obj)
    mapper = state.mapper
    state.key = mapper.identity_key(tuple(obj.__dict__[k] for k in mapper.primary_key_attrs))
    state.status = ObjectStatus.PERSISTENT
    return obj


def detached(obj: T) -> T:
    persistent(obj)
    state_of(obj).status = ObjectStatus.DETACHED
    return obj


def loaded_user() -> User:
    return persistent(User(id=1, name="ann", nickname=None, status="new"))


# -- statuses and transitions -------------------------------------------------------------


def test_new_object_is_transient() -> None:
    """A constructed object is transient, has no identity and no session."""
    info = inspect(User(name="a"))
    assert info.status is ObjectStatus.TRANSIENT
    assert info.transient and not (info.pending or info.persistent or info.detached)
    assert info.identity is None and info.identity_key is None
    assert info.session is None
    assert not info.has_identity


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (ObjectStatus.TRANSIENT, ObjectStatus.PENDING),
        (ObjectStatus.PENDING, ObjectStatus.PERSISTENT),
        (ObjectStatus.PERSISTENT, ObjectStatus.DELETED),
        (ObjectStatus.DELETED, ObjectStatus.DETACHED),
        (ObjectStatus.DELETED, ObjectStatus.PERSISTENT),
        (ObjectStatus.DETACHED, ObjectStatus.PERSISTENT),
    ],
)
def test_declared_transitions_are_allowed(start: ObjectStatus, end: ObjectStatus) -> None:
    """The transitions of State Management are allowed."""
    state = state_of(User(name="a"))
    state.status = start
    state.move(end)
    assert state.status is end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (ObjectStatus.TRANSIENT, ObjectStatus.DELETED),
        (ObjectStatus.PENDING, ObjectStatus.DELETED),
        (ObjectStatus.DETACHED, ObjectStatus.DELETED),
        (ObjectStatus.DETACHED, ObjectStatus.PENDING),
    ],
)
def test_undeclared_transitions_raise(start: ObjectStatus, end: ObjectStatus) -> None:
    """A status change that is not declared raises, naming the class and both statuses."""
    state = state_of(User(name="a"))
    state.status = start
    with pytest.raises(exc.InvalidRequestError, match=f"User cannot go from {start.value}"):
        state.move(end)
    assert state.status is start


def test_every_status_has_declared_transitions() -> None:
    """Each status lists where it may go."""
    assert set(TRANSITIONS) == set(ObjectStatus)


def test_state_of_unmapped_object_raises() -> None:
    """Asking the state of an object of an unmapped class says how to map it."""

    class Plain:
        pass

    with pytest.raises(exc.UnmappedInstanceError, match="Plain is not a mapped class"):
        state_of(Plain())


def test_state_is_created_once() -> None:
    """An object keeps one state for its lifetime."""
    user = User(name="a")
    assert state_of(user) is state_of(user)


# -- History --------------------------------------------------------------------------------


def test_history_of_new_value_is_added() -> None:
    """On a transient object a set value is 'added'."""
    history = inspect(User(name="a")).attrs.name.history
    assert history == (["a"], [], [])
    assert history.has_changes()


def test_history_of_loaded_value_is_unchanged() -> None:
    """A loaded, untouched value is 'unchanged'."""
    history = inspect(loaded_user()).attrs.name.history
    assert (history.added, history.unchanged, history.deleted) == ((), ("ann",), ())
    assert not history.has_changes()


def test_history_of_changed_value() -> None:
    """Changing a loaded value records the new one as added and the loaded one as deleted."""
    user = loaded_user()
    user.name = "bob"
    history = inspect(user).attrs.name.history
    assert (history.added, history.deleted) == (("bob",), ("ann",))
    assert inspect(user).modified


def test_history_keeps_first_loaded_value() -> None:
    """Two changes in a row still report the value loaded from the database."""
    user = loaded_user()
    user.name = "bob"
    user.name = "cy"
    assert inspect(user).attrs.name.history.deleted == ("ann",)


def test_history_changed_back_is_unchanged() -> None:
    """A value set back to what was loaded has no changes."""
    user = loaded_user()
    user.name = "bob"
    user.name = "ann"
    history = inspect(user).attrs.name.history
    assert history == ([], ["ann"], [])
    assert not history.has_changes()


def test_history_of_unloaded_attribute_is_empty() -> None:
    """An attribute with no value has an empty history."""
    user = loaded_user()
    state_of(user).expire(user, {"name"})
    assert inspect(user).attrs.name.history == ([], [], [])
    assert inspect(user).attrs.name.loaded_value is NO_VALUE


def test_history_of_value_set_over_expired_one() -> None:
    """Setting an expired attribute reports the new value added and nothing deleted."""
    user = loaded_user()
    state_of(user).expire(user, {"name"})
    user.name = "new"
    history = inspect(user).attrs.name.history
    assert (history.added, history.deleted) == (("new",), ())


def test_transient_changes_are_not_tracked() -> None:
    """Before it has a row, an object records no change history."""
    user = User(name="a")
    user.name = "b"
    assert not inspect(user).modified


def test_history_equality_and_repr() -> None:
    """History compares with History and with (added, unchanged, deleted) lists."""
    history = History(("a",), (), ("b",))
    assert history == History(("a",), (), ("b",))
    assert history != History((), ("a",), ())
    assert repr(history) == "History(added=['a'], unchanged=[], deleted=['b'])"


# -- expiry and unloaded attributes ---------------------------------------------------------


def test_expire_drops_values_and_history() -> None:
    """expire() removes the values and their change history and lists them as expired."""
    user = loaded_user()
    user.name = "changed"
    state_of(user).expire(user)
    info = inspect(user)
    assert info.unloaded == {"id", "name", "nickname", "status"}
    assert info.expired_attributes == {"id", "name", "nickname", "status"}
    assert not info.modified


def test_unset_attribute_of_transient_object_reads_none() -> None:
    """A new object's unset attribute reads as None without touching a database."""
    user = User(name="a")
    assert user.nickname is None
    assert "nickname" not in user.__dict__


def test_expired_attribute_of_detached_object_explains() -> None:
    """Reading an unloaded attribute of a detached object names the class, attribute and fixes."""
    user = detached(User(id=1, name="a"))
    state_of(user).expire(user, {"name"})
    with pytest.raises(exc.DetachedInstanceError, match=r"User\.name is not loaded") as error:
        _ = user.name
    for fix in ("expire_on_commit=False", "refresh", "merge"):
        assert fix in str(error.value)


def test_detached_object_keeps_loaded_values() -> None:
    """A detached object still reads the values it holds."""
    user = detached(User(id=1, name="a"))
    assert user.name == "a"


def test_delete_attribute_sets_none() -> None:
    """del obj.attr stores None."""
    user = User(name="a")
    del user.name
    assert user.__dict__["name"] is None


# -- inspect(obj) ---------------------------------------------------------------------------


def test_inspect_persistent_object() -> None:
    """inspect() of a loaded object reports its identity and mapper."""
    info = inspect(loaded_user())
    assert info.persistent
    assert info.identity == (1,)
    assert info.identity_key == (User, (1,), None)
    assert info.mapper is inspect(User)


def test_inspect_attrs_mapping() -> None:
    """inspect(obj).attrs lists the column attributes and gives each one's value."""
    user = loaded_user()
    attrs = inspect(user).attrs
    assert list(attrs) == ["id", "name", "nickname", "status"]
    assert len(attrs) == 4
    assert attrs["name"].value == "ann"
    assert attrs.status.loaded_value == "new"


def test_inspect_attrs_unknown_name() -> None:
    """An unknown attribute is a KeyError by key and an AttributeError by attribute."""
    attrs = inspect(loaded_user()).attrs
    with pytest.raises(KeyError):
        attrs["nope"]
    with pytest.raises(AttributeError):
        _ = attrs.nope


# -- the typed constructor ----------------------------------------------------------------

TYPED_MODULE = """
from corral import DeclarativeBase, Mapped, String, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    nickname: Mapped[str | None] = mapped_column(String(50))


user = User(name="x", nickname=None)
reveal_type(User.name)
reveal_type(user.name)
User(name=5)
User(nmae="x")
"""


def test_mypy_understands_the_constructor(tmp_path: Path) -> None:
    """mypy accepts User(name='x') and rejects a wrong type or a misspelt keyword."""
    api = pytest.importorskip("mypy.api")
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    module = tmp_path / "typed_models.py"
    module.write_text(TYPED_MODULE)
    stdout, _, status = api.run(
        [
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            str(module),
        ]
    )
    lines = stdout.splitlines()
    assert status == 1
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == 2, stdout
    assert 'Argument "name" to "User" has incompatible type "int"; expected "str"' in errors[0]
    assert 'Unexpected keyword argument "nmae" for "User"' in errors[1]
    assert any(
        '"corral.orm.mapping.attributes.InstrumentedAttribute[str]"' in line for line in lines
    )
    assert any('Revealed type is "str"' in line for line in lines)


# -- SQLAlchemy's spelling ---------------------------------------------------------------


def test_state_is_kept_under_sqlalchemys_instance_dict_key() -> None:
    """The state lives in ``obj.__dict__['_sa_instance_state']``, where SQLAlchemy code reads it."""
    user = User(id=1, name="ann", nickname=None, status="new")
    assert user._sa_instance_state is state_of(user)  # type: ignore[attr-defined]
    assert "_corral_state" not in user.__dict__


def test_state_repr_is_the_default_object_form() -> None:
    """``repr(state)`` is ``<...InstanceState object at 0x...>``, as SQLAlchemy shows it."""
    text = repr(state_of(loaded_user()))
    assert text.startswith("<corral.orm.mapping.instance_state.InstanceState object at 0x")
