"""Relationships: configuration, the attribute, both sides kept in step in memory, cascades,
collections, write-only collections, the SQL along a relationship, and what an unloaded one
gives. Imports ``orm.mapping``; SQL loads go through the object's session at run time."""

from corral.orm.relationships.annotations import foreign, remote
from corral.orm.relationships.relationship import Relationship

#: SQLAlchemy's name for the class of the object ``relationship()`` returns, kept for
#: ``isinstance`` checks written against it.
RelationshipProperty = Relationship

__all__ = ["Relationship", "RelationshipProperty", "foreign", "remote"]
