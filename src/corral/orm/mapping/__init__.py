"""Mapping: declarative classes, the Mapper, columns, instrumented attributes, instance state,
identity keys and map, ``inspect()``, ``aliased()``, and the protocol of properties configured
later. Imports only ``corral.sql``, ``corral.exc``, ``corral.util`` and ``orm.base``."""
