"""Joins, any()/has() and eager loads that reach a single-table subclass read that
subclass's rows only, on SQLite, PostgreSQL and MariaDB (issue 15).

The subclass's ``type IN (...)`` goes into the ON clause of the join to it (the EXISTS
subquery of any()/has()), as SQLAlchemy writes it. The tests whose docstring says
"before:" failed on the code before the fix (checked): the join read every row of the
shared table. The others guard the opposite: no criteria where SQLAlchemy adds none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, func, select
from corral.orm import Session, aliased, joinedload, selectinload
from tests.integration.orm_models import recorded_sql
from tests.integration.single_table_join_models import (
    Coder,
    Firm,
    Lead,
    SingleJoinBase,
    Staff,
)


@pytest.fixture
def sdb(engine: Engine) -> Iterator[Engine]:
    """Firms f1 (staff pat), f2 (lead boss, coder cy), f3 (coder cal); pat's lead is boss,
    cy's lead_id points at pat, who is not a Lead."""
    SingleJoinBase.metadata.create_all(engine)
    with Session(engine) as session:
        f1, f2, f3 = Firm(name="f1"), Firm(name="f2"), Firm(name="f3")
        boss, pat = Lead(name="boss", firm=f2), Staff(name="pat", firm=f1)
        cy = Coder(name="cy", firm=f2)
        session.add_all([f1, f2, f3, pat, boss, cy, Coder(name="cal", firm=f3)])
        session.flush()
        pat.lead_id, cy.lead_id = boss.id, pat.id
        session.commit()
    yield engine


def _names(session: Session, statement: Any) -> tuple[list[Any], str]:
    """The first column of each row, and the one SELECT that read them."""
    with recorded_sql() as sql:
        names = list(session.scalars(statement).all())
    (text,) = [s for s in sql if s.startswith("SELECT")]
    return names, " ".join(text.split())


def _alias(sql: str) -> str:
    """The name the SQL gives the (one) alias of staff."""
    return sql.split("staff AS ", 1)[1].split(maxsplit=1)[0]


def test_join_to_the_subclass_with_an_on_clause(sdb: Engine) -> None:
    """join(Coder, on) reads coders only, the criteria in ON (before: every staff row,
    f1 and f2 twice)."""
    with Session(sdb) as session:
        statement = select(Firm.name).join(Coder, Coder.firm_id == Firm.id).order_by(Firm.name)
        names, sql = _names(session, statement)
        assert names == ["f2", "f3"]
        assert "JOIN staff ON staff.firm_id = firm.id AND staff.type IN (" in sql
        assert "WHERE" not in sql


def test_join_along_a_relationship_to_the_subclass(sdb: Engine) -> None:
    """join(Firm.coders), join_from(Firm, Coder) and join(Firm.staff.of_type(Coder)) read
    coders only (before: every staff row)."""
    with Session(sdb) as session:
        for statement in (
            select(Firm.name).join(Firm.coders),
            select(Firm.name).join_from(Firm, Coder),
            select(Firm.name).join(Firm.staff.of_type(Coder)),
        ):
            names, sql = _names(session, statement.order_by(Firm.name))
            assert names == ["f2", "f3"]
            assert "JOIN staff ON " in sql
            assert "firm_id AND staff.type IN (" in sql or "firm.id AND staff.type IN (" in sql
            assert "WHERE" not in sql
        assert session.scalar(select(func.count()).select_from(Firm).join(Firm.coders)) == 2


def test_join_to_an_aliased_subclass(sdb: Engine) -> None:
    """aliased(Coder) as a join target (given, or through of_type) brings the criteria on
    the alias (before: every staff row)."""
    coder = aliased(Coder)
    with Session(sdb) as session:
        for statement in (
            select(Firm.name).join(coder, coder.firm_id == Firm.id),
            select(Firm.name).join(Firm.staff.of_type(coder)),
        ):
            names, sql = _names(session, statement.order_by(Firm.name))
            assert names == ["f2", "f3"]
            assert f"AND {_alias(sql)}.type IN (" in sql
            assert "staff.type" not in sql
            assert "WHERE" not in sql


def test_outer_join_to_the_subclass_keeps_firms_without_one(sdb: Engine) -> None:
    """outerjoin(Coder, on) ... WHERE Coder.id IS NULL finds the firm without a coder
    (before: none, pat's row matched f1)."""
    with Session(sdb) as session:
        statement = (
            select(Firm.name).outerjoin(Coder, Coder.firm_id == Firm.id).where(Coder.id == None)  # noqa: E711 (SQL IS NULL)
        )
        names, sql = _names(session, statement)
        assert names == ["f1"]
        assert "LEFT OUTER JOIN staff ON staff.firm_id = firm.id AND staff.type IN (" in sql
        assert sql.count("staff.type IN") == 1


def test_self_join_to_an_aliased_subclass(sdb: Engine) -> None:
    """Staff joined to aliased(Lead), by ON clause or by Staff.lead.of_type(): pat only
    (before: cy too, whose lead_id names pat, not a lead)."""
    lead = aliased(Lead)
    with Session(sdb) as session:
        for statement in (
            select(Staff.name).join(lead, Staff.lead_id == lead.id),
            select(Staff.name).join(Staff.lead.of_type(lead)),
        ):
            names, sql = _names(session, statement.order_by(Staff.name))
            assert names == ["pat"]
            assert f"AND {_alias(sql)}.type IN (" in sql
            assert "WHERE" not in sql


def test_selected_join_target_takes_its_criteria_in_on_only(sdb: Engine) -> None:
    """select(Coder.name).select_from(Firm).join(Coder, ...) and select(Coder) joined from
    Firm: the criteria once, in the ON clause, not repeated in WHERE."""
    with Session(sdb) as session:
        statement = (
            select(Coder.name)
            .select_from(Firm)
            .join(Coder, Coder.firm_id == Firm.id)
            .order_by(Coder.name)
        )
        names, sql = _names(session, statement)
        assert names == ["cal", "cy"]
        assert sql.count("type IN") == 1
        assert "WHERE" not in sql
        coders = session.scalars(select(Coder).select_from(Firm).join(Firm.coders)).all()
        assert sorted(c.name for c in coders) == ["cal", "cy"]


def test_any_reads_the_subclass_rows(sdb: Engine) -> None:
    """Firm.coders.any() and Firm.staff.of_type(Coder).any() test coders only; the criteria
    inside EXISTS after the relationship's condition (before: f1 counted, pat being staff)."""
    with Session(sdb) as session:
        for condition in (Firm.coders.any(), Firm.staff.of_type(Coder).any()):
            names, sql = _names(session, select(Firm.name).where(condition).order_by(Firm.name))
            assert names == ["f2", "f3"]
            assert "WHERE firm.id = staff.firm_id AND staff.type IN (" in sql
        names, _sql = _names(session, select(Firm.name).where(~Firm.coders.any()))
        assert names == ["f1"]
        names, sql = _names(session, select(Firm.name).where(Firm.coders.any(Staff.name == "pat")))
        assert names == []
        assert sql.index("staff.type IN") < sql.index("staff.name =")


def test_has_of_a_self_referential_subclass(sdb: Engine) -> None:
    """Staff.lead.has() (a many-to-one to Lead in the same table): pat only, the criteria on
    the subquery's alias (before: cy too)."""
    with Session(sdb) as session:
        names, sql = _names(session, select(Staff.name).where(Staff.lead.has()))
        assert names == ["pat"]
        alias = _alias(sql)
        assert f"WHERE {alias}.id = staff.lead_id AND {alias}.type IN (" in sql


@pytest.mark.parametrize("option", ["lazy", "selectin", "joined"])
def test_relationship_to_the_subclass_loads_its_rows(sdb: Engine, option: str) -> None:
    """Firm.coders and Staff.lead hold the subclass's rows with each loader (before:
    joinedload put boss and pat among the coders, and pat as cy's lead)."""
    options = {
        "lazy": [],
        "selectin": [selectinload(Firm.coders), selectinload(Staff.lead)],
        "joined": [joinedload(Firm.coders), joinedload(Staff.lead)],
    }[option]
    with Session(sdb) as session:
        firms = session.scalars(select(Firm).order_by(Firm.id).options(*options[:1])).unique()
        assert [(f.name, [c.name for c in f.coders]) for f in firms] == [
            ("f1", []),
            ("f2", ["cy"]),
            ("f3", ["cal"]),
        ]
        staff = session.scalars(select(Staff).options(*options[1:])).unique()
        leads = sorted((s.name, s.lead.name if s.lead else None) for s in staff)
        assert leads == [("boss", None), ("cal", None), ("cy", None), ("pat", "boss")]


def test_eager_load_of_type_loads_every_related_row(sdb: Engine) -> None:
    """selectinload/joinedload(Firm.staff.of_type(Coder)) load every staff row, coders with
    their class, as SQLAlchemy does (before: only the coders)."""
    for option in (selectinload(Firm.staff.of_type(Coder)), joinedload(Firm.staff.of_type(Coder))):
        with Session(sdb) as session:
            firms = session.scalars(select(Firm).order_by(Firm.id).options(option)).unique()
            loaded = [(f.name, [(type(s).__name__, s.name) for s in f.staff]) for f in firms]
            assert loaded == [
                ("f1", [("Staff", "pat")]),
                ("f2", [("Lead", "boss"), ("Coder", "cy")]),
                ("f3", [("Coder", "cal")]),
            ]
