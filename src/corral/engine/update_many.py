"""An UPDATE by key executed with many parameter sets, as UPDATEs of many rows each.

A flush that changes many objects updates one row per object, all with the same
statement (``UPDATE t SET a=%s WHERE t.id = %s``), as ``conn.execute(update(t).where(
t.c.id == bindparam("k")), [...])`` does in Core. The driver's ``executemany`` runs
that statement once per parameter set: psycopg pipelines them, but the server still
parses, plans and runs each, and psycopg spends a few microseconds of Python on each.

Where the database can join an UPDATE to a list of values (``features.update_many_values``:
PostgreSQL), the sets become the rows of that list instead (``Compiled.many_update``):

    UPDATE t SET a=corral_rows.p0 FROM (VALUES (CAST($1 AS VARCHAR),
    CAST($2 AS INTEGER)), (...), ...) AS corral_rows (p0, p1) WHERE t.id = corral_rows.p1

as many sets per statement as the bind-parameter limit allows (at most 1,000), sent as
the multi-row INSERTs are (``insert_many.py``). 10,000 rows changed in one column took
51 ms in ten such statements against 191 ms through psycopg's ``executemany``
(measured on 2026-12-07, raw psycopg, the table of the benchmark).

(each value cast to its column's type without modifiers: see compiler/dml.py).

Only when no two sets can reach one row: the values the WHERE compares with columns the
SET leaves alone (the primary key; not a version the SET moves on) must differ from set
to set. Two sets for one row would update it once, with either set's values, where one
statement per set updates it twice, in order; and a set that changes the key another set
looks for would, joined, not let that set find the row. A call with repeated keys runs
as an executemany, as does a single set; an UPDATE whose SET changes every column its
WHERE compares gets no joined form at all. The result's rowcount is the number of rows
matched, as an executemany's (the flush compares it with the number of objects: a row
changed or deleted by another transaction is found the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any


def applies(args: Sequence[Sequence[Any]], keys: tuple[int, ...]) -> bool:
    """Whether the parameter sets ``args`` (each its values in the statement's order) may
    run as one UPDATE of many rows: two or more, no two alike in the values at ``keys``
    (those the WHERE compares with columns the SET leaves alone), so that no row is
    matched by two sets, and no set's change makes a row match another."""
    if len(args) < 2:
        return False
    try:
        return len(set(map(itemgetter(*keys), args))) == len(args)
    except TypeError:  # a key value that cannot be hashed: compared by the database alone
        return False
