"""A firm and its staff in one table, ``Coder`` and ``Lead`` single-table subclasses of
``Staff``, for joins and relationship comparisons that reach a subclass (issue 15).

``Firm.coders`` leads to the subclass (viewonly), ``Firm.staff`` to every row;
``Staff.lead`` is a many-to-one to the ``Lead`` subclass in the same table (self-referential).
"""

from __future__ import annotations

from corral import ForeignKey, String
from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship


class SingleJoinBase(DeclarativeBase):
    pass


class Firm(SingleJoinBase):
    __tablename__ = "firm"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    staff: Mapped[list[Staff]] = relationship(back_populates="firm", order_by="Staff.id")
    coders: Mapped[list[Coder]] = relationship(viewonly=True, order_by="Coder.id")


class Staff(SingleJoinBase):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(20))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    firm: Mapped[Firm | None] = relationship(back_populates="staff")
    lead: Mapped[Lead | None] = relationship(remote_side="Staff.id", viewonly=True)
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "staff"}


class Coder(Staff):
    __mapper_args__ = {"polymorphic_identity": "coder"}


class Lead(Staff):
    __mapper_args__ = {"polymorphic_identity": "lead"}
