"""The asyncio drivers' pure helpers: asyncpg's row counts, URL to dialect (asyncpg's
placeholders are ``pipeline.dollar_placeholders``: test_dollar_placeholders.py)."""

from __future__ import annotations

import pytest

from corral import exc
from corral.dialects.postgresql.asyncio import _rowcount
from corral.engine import make_url
from corral.ext.asyncio.create import async_dialect_class


def test_rowcount_is_read_from_the_command_tag() -> None:
    """UPDATE 3 and INSERT 0 1 give their counts; a SELECT tag falls back to the rows read."""
    assert _rowcount("UPDATE 3", 0) == 3
    assert _rowcount("INSERT 0 1", 0) == 1
    assert _rowcount("", 7) == 7


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("postgresql://u@h/db", "PsycopgAsyncDialect"),
        ("postgresql+psycopg://u@h/db", "PsycopgAsyncDialect"),
        ("postgresql+asyncpg://u@h/db", "AsyncpgDialect"),
        ("mysql+aiomysql://u@h/db", "AiomysqlDialect"),
        ("mariadb+aiomysql://u@h/db", "AiomysqlMariaDBDialect"),
        ("sqlite+aiosqlite://", "AiosqliteDialect"),
    ],
)
def test_urls_pick_the_asyncio_driver(url: str, name: str) -> None:
    """Each async URL picks its asyncio dialect; postgresql:// means psycopg's async one."""
    assert async_dialect_class(make_url(url)).__name__ == name


def test_a_sync_driver_url_is_refused_by_create_async_engine() -> None:
    """create_async_engine() names the asyncio drivers when given a sync-only one."""
    from corral.ext.asyncio import create_async_engine

    with pytest.raises(exc.ArgumentError, match=r"asyncio driver.*asyncpg"):
        create_async_engine("mysql+pymysql://u@h/db")


def test_unsupported_create_async_engine_arguments_are_named() -> None:
    """An argument create_async_engine does not support is refused by name."""
    from corral.ext.asyncio import create_async_engine

    with pytest.raises(exc.ArgumentError, match="poolclass"):
        create_async_engine("sqlite+aiosqlite://", poolclass=object)


def test_a_missing_asyncio_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """create_async_engine() without the URL's driver installed says which extra installs it."""
    import importlib.util

    from corral.ext.asyncio import create_async_engine

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "asyncpg" else real(name, *a),
    )
    with pytest.raises(exc.ArgumentError, match=r"pip install corral\[asyncpg\]"):
        create_async_engine("postgresql+asyncpg://u@h/db")


def test_option_types_are_checked() -> None:
    """A pool option of the wrong type is refused by name, not converted silently."""
    from corral.ext.asyncio import create_async_engine

    with pytest.raises(exc.ArgumentError, match=r"pool_size='5' must be int"):
        create_async_engine("sqlite+aiosqlite://", pool_size="5")


def test_engine_from_config_converts_text_options() -> None:
    """async_engine_from_config reads <prefix>url and converts text option values."""
    from corral.ext.asyncio import async_engine_from_config

    engine = async_engine_from_config(
        {"db.url": "sqlite+aiosqlite:///x.db", "db.pool_size": "3", "db.pool_pre_ping": "true"},
        prefix="db.",
    )
    assert engine.pool.pool_size == 3 and engine.pool.pre_ping is True
    with pytest.raises(exc.ArgumentError, match="pool_size='many'"):
        async_engine_from_config({"db.url": "sqlite+aiosqlite://", "db.pool_size": "many"}, "db.")


def test_pool_from_url() -> None:
    """create_async_pool_from_url makes the pool create_async_engine would make."""
    from corral.ext.asyncio import create_async_pool_from_url

    pool = create_async_pool_from_url("postgresql+asyncpg://u@h/db", pool_size=2, max_overflow=1)
    assert (pool.pool_size, pool.max_overflow) == (2, 1)
