"""Alembic on corral's models (corral.ext.alembic, `python -m corral migrations init`):
autogenerate, upgrade and downgrade, offline SQL, and branches (two heads, a merge) on SQLite
(batch mode), PostgreSQL and MariaDB."""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from corral import inspect
from corral.cli import main
from corral.cli.migrations import ENV_PY
from corral.engine import URL, Engine

MODELS_V1 = """
from corral import Integer, String
from corral.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Customer(Base):
    __tablename__ = "mig_customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    old_code: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), server_default="new")

class Order(Base):
    __tablename__ = "mig_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
"""

MODELS_V2 = """
from corral import ForeignKey, String
from corral.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Customer(Base):
    __tablename__ = "mig_customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(10), server_default="active")
    email: Mapped[str | None] = mapped_column(String(120), comment="where receipts go")

class Order(Base):
    __tablename__ = "mig_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("mig_customer.id", name="fk_order_customer")
    )

class Shipment(Base):
    __tablename__ = "mig_shipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("mig_order.id", name="fk_shipment_order"))
    carrier: Mapped[str] = mapped_column(String(20))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project directory with two versions of its models, as the working directory."""
    (tmp_path / "models_v1.py").write_text(textwrap.dedent(MODELS_V1))
    (tmp_path / "models_v2.py").write_text(textwrap.dedent(MODELS_V2))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("models_v1", "models_v2"):
        sys.modules.pop(name, None)


def script_of(project: Path, message: str) -> str:
    [script] = [p for p in (project / "migrations" / "versions").glob("*.py") if message in p.name]
    return script.read_text()


def test_autogenerate_upgrade_and_downgrade(project: Path, engine: Engine, db_url: URL) -> None:
    """`migrations init` writes an env.py with which Alembic autogenerates, from corral's
    models, a new table, new and dropped columns, a type change, a new index, a new foreign
    key and a changed server default; upgrade applies them and downgrade undoes them."""
    url = db_url.render_as_string(hide_password=False)
    assert (
        main(["migrations", "init", "migrations", "--metadata", "models_v1:Base", "--url", url])
        == 0
    )
    config = Config(str(project / "alembic.ini"))
    command.revision(config, message="first", autogenerate=True)
    assert "op.create_table('mig_customer'" in script_of(project, "first")
    command.upgrade(config, "head")
    assert {"mig_customer", "mig_order"} <= set(inspect(engine).get_table_names())

    config.set_main_option("corral_metadata", "models_v2:Base")
    command.revision(config, message="second", autogenerate=True)
    script = script_of(project, "second")
    for expected in (  # batch mode (SQLite) leaves out the table name: (?:'mig_\w+', )?
        r"create_table\('mig_shipment'",
        r"add_column\((?:'mig_customer', )?sa\.Column\('email', sa\.String\(length=120\)",
        r"drop_column\((?:'mig_customer', )?'old_code'\)",
        r"alter_column\((?:'mig_customer', )?'name',"
        r"(?:(?!alter_column)[\s\S])*type_=sa\.String\(length=80\)",
        r"create_index\('ix_mig_customer_name'",
        r"create_foreign_key\('fk_order_customer', (?:'mig_order', )?'mig_customer', "
        r"\['customer_id'\], \['id'\]",
        r"alter_column\((?:'mig_customer', )?'status',"
        r"(?:(?!alter_column)[\s\S])*server_default='active'",
    ):
        assert re.search(expected, script), (expected, script)
    if engine.dialect.name == "sqlite":
        assert "batch_alter_table" in script
    command.upgrade(config, "head")
    after = inspect(engine)
    assert "mig_shipment" in after.get_table_names()
    customer = {c["name"]: c for c in after.get_columns("mig_customer")}
    assert "email" in customer and "old_code" not in customer
    assert "active" in str(customer["status"]["default"])
    assert getattr(customer["name"]["type"], "length", None) == 80
    assert [fk["referred_table"] for fk in after.get_foreign_keys("mig_order")] == ["mig_customer"]
    assert "ix_mig_customer_name" in {i["name"] for i in after.get_indexes("mig_customer")}

    command.downgrade(config, "-1")
    back = inspect(engine)
    assert "mig_shipment" not in back.get_table_names()
    customer = {c["name"]: c for c in back.get_columns("mig_customer")}
    assert "old_code" in customer and "email" not in customer
    assert getattr(customer["name"]["type"], "length", None) == 40
    assert back.get_foreign_keys("mig_order") == []
    command.downgrade(config, "base")
    assert not {"mig_customer", "mig_order"} & set(inspect(engine).get_table_names())


def test_offline_sql(project: Path, db_url: URL, capsys: pytest.CaptureFixture[str]) -> None:
    """`alembic upgrade head --sql` writes the CREATE TABLE statements without a database."""
    url = db_url.render_as_string(hide_password=False)
    main(["migrations", "init", "migrations", "--metadata", "models_v1:Base", "--url", url])
    config = Config(str(project / "alembic.ini"))
    command.revision(config, message="first", autogenerate=True)
    capsys.readouterr()
    command.upgrade(config, "head", sql=True)
    assert "CREATE TABLE mig_customer" in capsys.readouterr().out.replace("`", "")


# Two branches off the first revision, written by hand, as a team's parallel changes are.
BRANCH_A = """
def upgrade() -> None:
    with op.batch_alter_table("mig_customer") as batch:
        batch.add_column(sa.Column("phone", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("mig_customer") as batch:
        batch.drop_column("phone")
"""

BRANCH_B = """
def upgrade() -> None:
    op.create_table(
        "mig_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("body", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("mig_note")
"""


def branch(config: Config, rev_id: str, body: str) -> None:
    """A revision on top of 0001 (a second head once the other exists) doing ``body``."""
    script = command.revision(
        config, message=f"branch {rev_id}", rev_id=rev_id, head="0001", splice=True
    )
    assert script is not None and not isinstance(script, list)
    path = Path(script.path)
    text = path.read_text()
    path.write_text(text[: text.index("\ndef upgrade()")] + body)


def versions(engine: Engine) -> set[str]:
    """What the database's alembic_version table holds: one row per applied head."""
    with engine.connect() as connection:
        return set(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


def test_branches_heads_and_a_merge(project: Path, engine: Engine, db_url: URL) -> None:
    """Two revisions off the same parent are two heads: `upgrade head` refuses them, `upgrade
    heads` applies both; a merge revision joins them into one head again, and downgrade
    back to a branch's head undoes the merge, and down to the parent undoes both branches."""
    url = db_url.render_as_string(hide_password=False)
    main(["migrations", "init", "migrations", "--metadata", "models_v1:Base", "--url", url])
    config = Config(str(project / "alembic.ini"))
    command.revision(config, message="first", autogenerate=True, rev_id="0001")
    command.upgrade(config, "head")
    branch(config, "a001", BRANCH_A)
    branch(config, "b001", BRANCH_B)
    script = ScriptDirectory.from_config(config)
    assert set(script.get_heads()) == {"a001", "b001"}

    with pytest.raises(CommandError, match="Multiple head revisions"):
        command.upgrade(config, "head")
    assert versions(engine) == {"0001"}
    command.upgrade(config, "heads")
    assert versions(engine) == {"a001", "b001"}
    after = inspect(engine)
    assert "phone" in {c["name"] for c in after.get_columns("mig_customer")}
    assert "mig_note" in after.get_table_names()

    command.merge(config, "heads", message="join", rev_id="m001")
    assert ScriptDirectory.from_config(config).get_heads() == ["m001"]
    command.upgrade(config, "head")
    assert versions(engine) == {"m001"}

    # Down to a branch's head undoes the merge only: the other branch is no descendant of it.
    command.downgrade(config, "a001")
    assert versions(engine) == {"a001", "b001"}
    assert "mig_note" in inspect(engine).get_table_names()
    command.downgrade(config, "0001")
    assert versions(engine) == {"0001"}
    back = inspect(engine)
    assert "phone" not in {c["name"] for c in back.get_columns("mig_customer")}
    assert "mig_note" not in back.get_table_names()
    command.downgrade(config, "base")
    assert not {"mig_customer", "mig_order"} & set(inspect(engine).get_table_names())


def test_offline_sql_through_branches_and_a_merge(
    project: Path, db_url: URL, capsys: pytest.CaptureFixture[str]
) -> None:
    """`alembic upgrade head --sql` through two branches and their merge writes each branch's
    DDL once, and the version bookkeeping of two heads becoming one."""
    url = db_url.render_as_string(hide_password=False)
    main(["migrations", "init", "migrations", "--metadata", "models_v1:Base", "--url", url])
    config = Config(str(project / "alembic.ini"))
    command.revision(config, message="first", autogenerate=True, rev_id="0001")
    branch(config, "a001", BRANCH_A)
    branch(config, "b001", BRANCH_B)
    command.merge(config, "heads", message="join", rev_id="m001")
    capsys.readouterr()
    command.upgrade(config, "head", sql=True)
    sql = capsys.readouterr().out.replace("`", "").replace('"', "")
    assert sql.count("CREATE TABLE mig_customer") == 1
    assert sql.count("CREATE TABLE mig_note") == 1
    assert re.search(r"ALTER TABLE mig_customer ADD (COLUMN )?phone VARCHAR\(20\)", sql), sql
    for step in ("0001 -> a001", "0001 -> b001", "a001, b001 -> m001"):
        assert f"-- Running upgrade {step}" in sql, (step, sql)
    # 0001 is inserted; one branch updates it, the other inserts a second row; the merge
    # deletes one row and updates the other to m001.
    assert sql.count("INSERT INTO alembic_version") == 2
    assert sql.count("DELETE FROM alembic_version") == 1
    assert "UPDATE alembic_version SET version_num='m001'" in sql


def test_example_env_py_is_what_init_writes() -> None:
    """examples/shop's env.py is the one `migrations init` writes (which pyright checks
    there, strictly, in `make test`)."""
    shop_env = Path(__file__).resolve().parents[2] / "examples/shop/migrations/env.py"
    assert shop_env.read_text() == ENV_PY


def test_env_py_without_its_settings_says_which_to_set(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alembic.ini missing corral_metadata stops Alembic with what to set, where."""
    main(["migrations", "init", "migrations", "--metadata", "models_v1:Base"])
    config = Config(str(project / "alembic.ini"))
    config.set_main_option("corral_metadata", "")
    monkeypatch.delenv("CORRAL_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match=r"alembic\.ini: set sqlalchemy\.url .* corral_metadata"):
        command.upgrade(config, "head", sql=True)
