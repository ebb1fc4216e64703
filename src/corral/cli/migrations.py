"""``python -m corral migrations init DIR --metadata module:Base``: an Alembic environment
whose env.py hands Alembic corral's MetaData (through ``corral.ext.alembic``).

It runs Alembic's own ``init`` (the ``generic`` template), then writes corral's env.py and
sets ``corral_metadata`` and ``sqlalchemy.url`` in alembic.ini. From there on, Alembic's
command line is used as usual: ``alembic revision --autogenerate -m "..."``,
``alembic upgrade head``, ``alembic downgrade -1``, ``alembic upgrade head --sql``.
"""

from __future__ import annotations

import argparse
import configparser
import sys
from pathlib import Path

ENV_PY = '''"""Alembic's environment, written by `python -m corral migrations init`.

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
'''


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``migrations init DIR --metadata module:attribute [--url URL] [--ini PATH]``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="write an Alembic environment wired to corral")
    init.add_argument("directory", help="the migrations directory to create (e.g. migrations)")
    init.add_argument(
        "--metadata", required=True, help="'module:attribute': the MetaData or declarative base"
    )
    init.add_argument("--url", default="sqlite:///app.db", help="the database URL (corral's)")
    init.add_argument("--ini", default="alembic.ini", help="where to write alembic.ini")


def run(args: argparse.Namespace) -> int:
    """Create the environment; 1 with a message when Alembic is missing or DIR exists."""
    try:
        from alembic import command
        from alembic.config import Config
    except ImportError:
        print("migrations need Alembic: pip install 'corral[alembic]'", file=sys.stderr)
        return 1
    directory = Path(args.directory)
    if directory.exists() and any(directory.iterdir()):
        print(f"{directory} exists and is not empty; choose a new directory", file=sys.stderr)
        return 1
    ini = Path(args.ini)
    command.init(Config(str(ini)), str(directory), template="generic")
    (directory / "env.py").write_text(ENV_PY)
    settings = configparser.ConfigParser(interpolation=None)
    settings.read(ini)
    settings["alembic"]["sqlalchemy.url"] = args.url
    settings["alembic"]["corral_metadata"] = args.metadata
    with ini.open("w") as out:
        settings.write(out)
    print(f"wrote {directory}/env.py and {ini}: alembic revision --autogenerate -m 'first'")
    return 0
