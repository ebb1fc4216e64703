"""corral's pytest plugin used as a user's suite would, run by pytester on each database."""

from __future__ import annotations

import textwrap

import pytest

from corral import exc, inspect
from corral.engine import URL, create_engine
from corral.testing.plugin import async_url_of

MODELS = """
from corral import ForeignKey, String
from corral.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

class Base(DeclarativeBase):
    pass

class Customer(Base):
    __tablename__ = "plugin_customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(80))

class Order(Base):
    __tablename__ = "plugin_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("plugin_customer.id"))
    total: Mapped[int]

# The application's own session factory, bound to its engine at start-up.
Session = sessionmaker()

def register(name):
    with Session() as session:
        session.add(Customer(name=name))
        session.commit()
"""

USER_TESTS = """
from corral import func, select
from models import Customer, Order, register

def count(session):
    return session.scalar(select(func.count()).select_from(Customer))

def test_commit_in_a_test(corral_session):
    corral_session.add(Customer(name="ann"))
    corral_session.commit()
    assert count(corral_session) == 1

def test_previous_test_left_nothing(corral_session):
    assert count(corral_session) == 0

def test_application_sessions_join(corral_bind, corral_session):
    import models
    corral_bind(models.Session)
    register("bob")
    register("cy")
    assert sorted(corral_session.scalars(select(Customer.name))) == ["bob", "cy"]

def test_application_rollback_keeps_outer_transaction(corral_bind, corral_session):
    import models
    corral_bind(models.Session)
    register("dee")
    with models.Session() as session:
        session.add(Customer(name="eve"))
        session.flush()
        session.rollback()
    assert list(corral_session.scalars(select(Customer.name))) == ["dee"]

def test_again_nothing_left(corral_session):
    assert count(corral_session) == 0

def test_factory_fills_required_columns(corral_factory, corral_session):
    ann = corral_factory(Customer)
    orders = corral_factory.create_batch(Order, 2, customer_id=ann.id, total=lambda n: n * 10)
    assert ann.name == "name-1" and ann.email is None
    assert [o.total for o in orders] == [10, 20]
    assert corral_session.scalar(select(func.sum(Order.total))) == 30

def test_connection_fixture_in_transaction(corral_connection):
    assert corral_connection.in_transaction()
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # "-p no:corral" keeps an entry-point registration (if installed) from loading the
    # plugin a second time next to "-p corral.testing.plugin".
    return pytester.runpytest_subprocess(
        "-p", "no:corral", "-p", "corral.testing.plugin", "-p", "no:cacheprovider", *args
    )


def test_user_suite_runs_each_test_in_a_rolled_back_transaction(
    pytester: pytest.Pytester, db_url: URL
) -> None:
    """Commits by the test and by the application's own sessions are gone in the next test,
    and the tables the plugin created are dropped when the run ends."""
    pytester.makepyfile(models=MODELS, test_user=USER_TESTS)
    pytester.makeini(
        textwrap.dedent(
            """
            [pytest]
            pythonpath = .
            corral_metadata = models:Base
            """
        )
    )
    result = _run(pytester, f"--corral-url={db_url.render_as_string(hide_password=False)}")
    result.assert_outcomes(passed=7)
    engine = create_engine(db_url)
    try:
        assert not set(inspect(engine).get_table_names()) & {"plugin_customer", "plugin_order"}
    finally:
        engine.dispose()


URL_REPORT = """
def test_report(corral_url):
    print("URL=" + corral_url)
"""


def test_url_option_wins_over_environment_and_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--corral-url beats CORRAL_TEST_URL, which beats the corral_url ini setting."""
    pytester.makepyfile(test_url=URL_REPORT)
    pytester.makeini("[pytest]\ncorral_url = sqlite:///from-ini.db\n")
    assert "URL=sqlite:///from-ini.db" in _run(pytester, "-s").stdout.str()
    monkeypatch.setenv("CORRAL_TEST_URL", "sqlite:///from-env.db")
    assert "URL=sqlite:///from-env.db" in _run(pytester, "-s").stdout.str()
    result = _run(pytester, "-s", "--corral-url=sqlite:///from-option.db")
    assert "URL=sqlite:///from-option.db" in result.stdout.str()


def test_metadata_setting_that_names_no_metadata_is_an_error(pytester: pytest.Pytester) -> None:
    """A corral_metadata setting naming something else fails the test with what to write."""
    pytester.makepyfile(models="Base = object()\n", test_bad="def test_x(corral_engine): pass\n")
    pytester.makeini("[pytest]\npythonpath = .\ncorral_metadata = models:Base\n")
    result = _run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*neither a MetaData nor a declarative base*"])


def test_plugin_fixtures_are_opt_in(pytester: pytest.Pytester) -> None:
    """A suite naming no corral fixture gets no engine and no database file."""
    pytester.makepyfile(test_plain="def test_plain(): pass\n")
    _run(pytester, f"--basetemp={pytester.path / 'tmp'}").assert_outcomes(passed=1)
    assert not list((pytester.path / "tmp").rglob("*.db"))


CONFTEST_OVERRIDES = """
import pytest
from corral import Column, Integer, MetaData, Table

metadata = MetaData()
Table("plugin_note", metadata, Column("id", Integer, primary_key=True))

@pytest.fixture(scope="session")
def corral_metadata():
    return metadata

@pytest.fixture(scope="session")
def corral_engine_options():
    return {"pool_size": 2}
"""

OVERRIDE_TESTS = """
from corral import inspect

def test_tables_and_options_from_conftest(corral_engine, corral_connection):
    assert "plugin_note" in inspect(corral_connection).get_table_names()
    assert corral_engine.pool.size() == 2
"""


def test_conftest_fixtures_give_tables_and_engine_options(pytester: pytest.Pytester) -> None:
    """A suite may give the tables and create_engine() options as fixtures in conftest.py."""
    pytester.makeconftest(CONFTEST_OVERRIDES)
    pytester.makepyfile(test_override=OVERRIDE_TESTS)
    _run(pytester).assert_outcomes(passed=1)


ASYNC_USER_TESTS = """
import pytest
from corral import func, select
from corral.ext.asyncio import AsyncSession
from models import Customer

pytestmark = pytest.mark.anyio

async def count(session):
    return await session.scalar(select(func.count()).select_from(Customer))

async def test_commit_in_an_async_test(corral_async_session):
    assert isinstance(corral_async_session, AsyncSession)
    corral_async_session.add(Customer(name="ann"))
    await corral_async_session.commit()
    assert await count(corral_async_session) == 1

async def test_previous_async_test_left_nothing(corral_async_session):
    assert await count(corral_async_session) == 0

async def test_application_async_sessions_join(corral_async_sessionmaker, corral_async_session):
    async with corral_async_sessionmaker() as app_session:
        app_session.add(Customer(name="bo"))
        await app_session.commit()
    assert await count(corral_async_session) == 1

async def test_application_rollback_keeps_the_test_transaction(
    corral_async_sessionmaker, corral_async_session
):
    corral_async_session.add(Customer(name="cy"))
    await corral_async_session.commit()
    async with corral_async_sessionmaker() as app_session:
        app_session.add(Customer(name="dee"))
        await app_session.flush()
        await app_session.rollback()
    assert await count(corral_async_session) == 1

async def test_async_connection_in_a_transaction(corral_async_connection):
    assert corral_async_connection.in_transaction()

def test_sync_fixtures_see_nothing_either(corral_session):
    assert corral_session.scalar(select(func.count()).select_from(Customer)) == 0
"""


def test_async_fixtures_roll_back_each_async_test(pytester: pytest.Pytester, db_url: URL) -> None:
    """The async fixtures, run by anyio's pytest plugin, give each async test a transaction
    through the database's asyncio driver; commits by the test and by AsyncSessions joining
    it are gone in the next test, async or not."""
    pytester.makepyfile(models=MODELS, test_async_user=ASYNC_USER_TESTS)
    pytester.makeini("[pytest]\npythonpath = .\ncorral_metadata = models:Base\n")
    result = _run(pytester, f"--corral-url={db_url.render_as_string(hide_password=False)}")
    result.assert_outcomes(passed=6)


def test_async_url_names_the_asyncio_driver() -> None:
    """The async fixtures reach corral_url's database through its asyncio driver, and refuse
    a database that a second engine could not see."""
    assert str(async_url_of("sqlite:///t.db")) == "sqlite+aiosqlite:///t.db"
    assert async_url_of("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert async_url_of("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"
    assert async_url_of("mysql+pymysql://u@h/db").drivername == "mysql+aiomysql"
    with pytest.raises(exc.ArgumentError, match="in-memory SQLite"):
        async_url_of("sqlite://")
    with pytest.raises(exc.ArgumentError, match="override the corral_async_url fixture"):
        async_url_of("oracle://u@h/db")
