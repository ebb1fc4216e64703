"""Alembic's environment, written by `python -m corral migrations init`.

Alembic compares the database with corral's models: corral_metadata in alembic.ini names
them ("module:attribute"); sqlalchemy.url (or $CORRAL_DATABASE_URL) is a corral URL.
"""

import os
import sys
from typing import Any

from alembic import context
from sqlalchemy import engine_from_config, pool

from corral.ext.alembic import load_metadata, sqlalchemy_url, to_sqlalchemy

config = context.config
sys.path.insert(0, os.getcwd())  # so that corral_metadata's module imports from the project

corral_url = os.environ.get("CORRAL_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
models = config.get_main_option("corral_metadata")
if not corral_url or not models:
    raise SystemExit(
        f"{config.config_file_name}: set sqlalchemy.url (or $CORRAL_DATABASE_URL) and "
        "corral_metadata (e.g. myapp.models:Base) in its [alembic] section"
    )
url = sqlalchemy_url(corral_url)
config.set_main_option("sqlalchemy.url", url)
target_metadata = to_sqlalchemy(load_metadata(models))


def configure(**target: Any) -> None:
    """Alembic's settings for these models, with the URL or connection to migrate."""
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        # SQLite alters a table by copying it: Alembic's batch mode does that.
        render_as_batch=url.startswith("sqlite"),
        **target,
    )


def run_migrations_offline() -> None:
    """Write the migration's SQL instead of running it (alembic upgrade --sql)."""
    configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migration on the database."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
