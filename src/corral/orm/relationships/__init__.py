"""Relationships: configuration, the attribute, both sides kept in step in memory, cascades,
collections, write-only collections, the SQL along a relationship, and what an unloaded one
gives. Imports ``orm.mapping``; SQL loads go through the object's session at run time."""
