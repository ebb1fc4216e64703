"""The SQL of joins and any()/has() that reach a single-table subclass, as SQLAlchemy
prints it: the subclass's ``type IN (...)`` in the ON clause or the EXISTS (issue 15)."""

from __future__ import annotations

from corral import select
from corral.orm import aliased, joinedload
from tests.integration.single_table_join_models import Coder, Firm, Lead, Staff

IN = "IN (__[POSTCOMPILE_type_1])"


def _flat(statement: object) -> str:
    return " ".join(str(statement).split())


def test_join_to_the_subclass_puts_its_criteria_in_on() -> None:
    """join(Coder, on), join(Firm.coders), of_type(Coder), join_from(): ON ... AND type IN."""
    assert _flat(select(Firm.name).join(Coder, Coder.firm_id == Firm.id)) == (
        f"SELECT firm.name FROM firm JOIN staff ON staff.firm_id = firm.id AND staff.type {IN}"
    )
    expected = (
        f"SELECT firm.name FROM firm JOIN staff ON firm.id = staff.firm_id AND staff.type {IN}"
    )
    assert _flat(select(Firm.name).join(Firm.coders)) == expected
    assert _flat(select(Firm.name).join(Firm.staff.of_type(Coder))) == expected
    assert _flat(select(Firm.name).join_from(Firm, Coder)) == expected
    outer = _flat(select(Firm.name).outerjoin(Coder, Coder.firm_id == Firm.id))
    assert outer.endswith(f"LEFT OUTER JOIN staff ON staff.firm_id = firm.id AND staff.type {IN}")


def test_join_to_an_aliased_subclass_puts_the_criteria_on_the_alias() -> None:
    """aliased(Coder) / aliased(Lead) as join targets: the alias's type column."""
    coder = aliased(Coder)
    assert _flat(select(Firm.name).join(coder, coder.firm_id == Firm.id)) == (
        "SELECT firm.name FROM firm JOIN staff AS staff_1 "
        f"ON staff_1.firm_id = firm.id AND staff_1.type {IN}"
    )
    lead = aliased(Lead)
    assert _flat(select(Staff.name).join(Staff.lead.of_type(lead))) == (
        "SELECT staff.name FROM staff JOIN staff AS staff_1 "
        f"ON staff_1.id = staff.lead_id AND staff_1.type {IN}"
    )


def test_a_selected_join_target_gets_no_where_criteria() -> None:
    """select(Coder.name) joined to Coder: the criteria once, in ON; selected alone, in WHERE."""
    statement = select(Coder.name).select_from(Firm).join(Coder, Coder.firm_id == Firm.id)
    assert _flat(statement) == (
        f"SELECT staff.name FROM firm JOIN staff ON staff.firm_id = firm.id AND staff.type {IN}"
    )
    assert _flat(select(Coder.name).join(Coder.firm)) == (
        f"SELECT staff.name FROM staff JOIN firm ON firm.id = staff.firm_id WHERE staff.type {IN}"
    )


def test_any_and_has_put_the_criteria_after_the_relationship_condition() -> None:
    """Firm.coders.any(crit): EXISTS (... WHERE join AND type IN AND crit); has() of a
    self-referential subclass on the subquery's alias."""
    assert _flat(select(Firm.name).where(Firm.coders.any(Coder.name == "x"))) == (
        "SELECT firm.name FROM firm WHERE EXISTS (SELECT 1 FROM staff WHERE "
        f"firm.id = staff.firm_id AND staff.type {IN} AND staff.name = :name_1)"
    )
    assert _flat(select(Staff.name).where(Staff.lead.has())) == (
        "SELECT staff.name FROM staff WHERE EXISTS (SELECT 1 FROM staff AS staff_1 WHERE "
        f"staff_1.id = staff.lead_id AND staff_1.type {IN})"
    )


def test_joinedload_of_the_subclass_joins_with_its_criteria() -> None:
    """joinedload(Firm.coders): LEFT OUTER JOIN staff AS staff_1 ON ... AND staff_1.type IN;
    joinedload(Firm.staff.of_type(Coder)) adds none (every staff row loads)."""
    assert _flat(select(Firm).options(joinedload(Firm.coders))).endswith(
        f"LEFT OUTER JOIN staff AS staff_1 ON firm.id = staff_1.firm_id AND staff_1.type {IN}"
        " ORDER BY staff_1.id"
    )
    assert "type IN" not in str(select(Firm).options(joinedload(Firm.staff.of_type(Coder))))


def test_join_target_class_is_part_of_the_cache_key() -> None:
    """The same ON clause joined to Staff and to Coder compiles twice, not from one cache."""
    on = Staff.firm_id == Firm.id
    plain = select(Firm.name).join(Staff, on)
    coders = select(Firm.name).join(Coder, on)
    assert "type IN" not in str(plain)
    assert "type IN" in str(coders)
    assert plain._key([]) != coders._key([])
