"""Alembic's environment, written by `python -m corral migrations init`.

Alembic compares the database with corral's models: corral_metadata in alembic.ini names
them ("module:attribute"); sqlalchemy.url (or $CORRAL_DATABASE_URL) is a corral URL.
"""

import os
import sys

from alembic import context
from sqlalchemy import engine_from_config, pool

from corral.ext.alembic import load_metadata, sqlalchemy_url, to_sqlalchemy

config = context.config
sys.path.insert(0, os.getcwd())  # so that corral_metadata's module imports from the project

url = os.environ.get("CORRAL_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
config.set_main_option("sqlalchemy.url", sqlalchemy_url(url))
target_metadata = to_sqlalchemy(load_metadata(config.get_main_option("corral_metadata")))
OPTIONS = dict(
    target_metadata=target_metadata,
    compare_type=True,
    compare_server_default=True,
    # SQLite alters a table by copying it: Alembic's batch mode does that.
    render_as_batch=config.get_main_option("sqlalchemy.url").startswith("sqlite"),
)


def run_migrations_offline():
    """Write the migration's SQL instead of running it (alembic upgrade --sql)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migration on the database."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
