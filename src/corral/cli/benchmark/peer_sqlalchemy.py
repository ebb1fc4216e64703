"""SQLAlchemy 2.x ORM, written as its 2.0-style documentation shows (the same code as corral's)."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy
import sqlalchemy.orm

from corral.cli.benchmark.database import Target
from corral.cli.benchmark.session_orm import SessionOrm
from corral.cli.benchmark.workloads import Implementation

#: SQLAlchemy's names for what the shared workloads use (two modules there, one in corral).
API = SimpleNamespace(
    DeclarativeBase=sqlalchemy.orm.DeclarativeBase,
    Mapped=sqlalchemy.orm.Mapped,
    Session=sqlalchemy.orm.Session,
    mapped_column=sqlalchemy.orm.mapped_column,
    String=sqlalchemy.String,
    Text=sqlalchemy.Text,
    create_engine=sqlalchemy.create_engine,
    select=sqlalchemy.select,
    insert=sqlalchemy.insert,
    ForeignKey=sqlalchemy.ForeignKey,
    relationship=sqlalchemy.orm.relationship,
    selectinload=sqlalchemy.orm.selectinload,
    joinedload=sqlalchemy.orm.joinedload,
    package="sqlalchemy",
)


def build(target: Target) -> Implementation:
    return SessionOrm(API, target.corral_url, target.async_url)
