"""What a database can do, as data: code and tests consult a dialect's ``Features``.

Each dialect folder declares one instance in ``features.py``; nothing in corral
asks for a dialect by name to decide what SQL to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Paramstyle = Literal["qmark", "format", "named", "pyformat"]


@dataclass(frozen=True, slots=True)
class Features:
    """Capabilities of one database and driver pair."""

    #: ``qmark`` (``?``) or ``format`` (``%s``), by which corral binds positionally; ``named``
    #: (``:name``) only for SQL that is never executed (``str(statement)``, Oracle's).
    paramstyle: Paramstyle
    #: How printed SQL (``statement.compile(dialect=...)``) writes parameters, when not as
    #: ``paramstyle``: the style of SQLAlchemy's default driver for the database
    #: (``pyformat``, ``%(name)s``, for psycopg2), so that printed SQL reads the same.
    #: Executed SQL always uses ``paramstyle``.
    shown_paramstyle: Paramstyle | None
    #: Character that quotes identifiers (SQLite uses a backtick so a misspelled
    #: quoted name can never degrade to a string literal).
    quote_char: str
    #: Most bound parameters one statement may carry.
    max_bind_params: int

    #: The driver reports a generated integer key as ``cursor.lastrowid``;
    #: without it, single-row INSERTs fetch the key with an implicit RETURNING.
    lastrowid: bool
    #: How a flush learns the keys the database generates for a batch of inserted rows:
    #: ``lastrowid_range`` (the batch's keys run up to ``lastrowid``: SQLite's single
    #: writer numbers rows consecutively), ``returning_ordered`` (a multi-row
    #: INSERT ... RETURNING returns rows in VALUES order), or ``sequence_prefetch``
    #: (take the keys from the column's sequence first, then insert them).
    bulk_insert_keys: Literal["lastrowid_range", "returning_ordered", "sequence_prefetch"]
    insert_returning: bool
    update_returning: bool
    delete_returning: bool
    #: INSERT ... RETURNING works with several rows in one statement.
    insert_many_returning: bool
    #: How ``execute(stmt.returning(...), [p1, p2, ...])`` gets one row per parameter set:
    #: ``driver`` (the driver's executemany keeps every result: psycopg's
    #: ``returning=True``, pipelined, rows in parameter order), ``multi_values`` (an
    #: INSERT becomes ``VALUES (...), (...)`` in chunks, one round trip each; rows come
    #: back in VALUES order, which MariaDB does not document as guaranteed) or
    #: ``per_row`` (one execution per set, in order; cheap where the database is
    #: in-process, as SQLite is), or ``multi_values_by_key`` (``multi_values`` where the
    #: rows carry the table's generated integer key, put in VALUES order by it: SQLite
    #: numbers the rows of one INSERT in VALUES order; ``per_row`` otherwise).
    executemany_returning: Literal["driver", "multi_values", "multi_values_by_key", "per_row"]

    savepoints: bool
    #: DDL statements take part in transactions (rolled back with them).
    transactional_ddl: bool
    #: ALTER TABLE ... ADD CONSTRAINT for foreign keys (used to break cycles).
    alter_add_foreign_key: bool

    for_update: bool
    for_update_nowait: bool
    for_update_skip_locked: bool
    for_update_of: bool
    #: ``FOR SHARE`` / ``LOCK IN SHARE MODE`` for ``with_for_update(read=True)``.
    for_share: bool
    #: SQLite has no row locks: a locking read takes the write lock with BEGIN IMMEDIATE.
    write_lock_on_begin: bool

    native_ilike: bool
    nulls_ordering: bool
    #: ``||`` is string concatenation (MySQL needs ``concat()``).
    concat_operator: bool
    #: How ``a / b`` divides exactly where ``/`` of two integers rounds down: ``cast_numeric``
    #: (``a / CAST(b AS NUMERIC)``), ``add_float`` (``a / (b + 0.0)``: SQLite), or None where
    #: ``/`` already divides exactly (MySQL).
    true_division: Literal["cast_numeric", "add_float"] | None
    #: ``LIMIT`` must be present when ``OFFSET`` is; the value that means "no limit".
    limit_for_offset_only: str | None
    #: LIMIT and OFFSET are written ``LIMIT offset, count`` (MySQL's form, as SQLAlchemy
    #: writes it there).
    limit_offset_comma: bool
    #: ``INSERT INTO t DEFAULT VALUES`` (else ``INSERT INTO t () VALUES ()``).
    default_values_insert: bool

    native_boolean: bool
    native_uuid: bool
    native_json: bool
    native_interval: bool
    #: The database stores a time zone offset with timestamps.
    timezone_datetime: bool
    #: ``VARCHAR`` needs a length: ``String()`` without one cannot be created (MySQL).
    varchar_needs_length: bool

    isolation_levels: frozenset[str]
    default_isolation_level: str

    #: Unique and foreign key violations name the constraint (SQLite names columns instead).
    errors_name_constraint: bool = True
    #: Readers and writers lock rows, so two transactions can deadlock or wait on a row
    #: lock (SQLite locks the whole database instead and reports it busy).
    row_locks: bool = True

    #: What a value may hold and still read back unchanged (see ``TypeEngine.storage_check``).
    #: A float (or Decimal) NaN is stored as NaN (SQLite turns it into NULL; MySQL refuses it).
    stores_nan: bool = True
    #: A float (or Decimal) infinity is stored as infinity (MySQL refuses it).
    stores_infinity: bool = True
    #: Every integer column holds this many bits whatever its declared width, and the driver
    #: binds no wider integer (SQLite: 64). ``None``: a column holds its type's width
    #: (SMALLINT 16, INTEGER 32, BIGINT 64) and wider values may still be compared with it.
    integer_bits: int | None = None
    #: Decimals are stored exactly; without it (SQLite) they become a 64-bit integer or an
    #: 8-byte float, and a value with more digits than a float keeps would change.
    exact_decimal: bool = True
    #: Text may hold the NUL character (PostgreSQL's text types refuse it).
    text_allows_nul: bool = True
    #: ``NUMERIC`` without a precision keeps no fraction (MySQL makes it ``DECIMAL(10, 0)``).
    unsized_numeric_is_whole: bool = False
    #: How an UPDATE whose WHERE names other tables lists them: ``from``
    #: (``UPDATE t SET ... FROM other WHERE``: PostgreSQL, SQLite 3.33+) or ``comma``
    #: (``UPDATE t, other SET t.x=... WHERE``: MariaDB/MySQL's multi-table UPDATE).
    multi_table_update: Literal["from", "comma"] = "from"
    #: An UPDATE run with many parameter sets may join a list of them instead:
    #: ``UPDATE t SET a=v.p0 FROM (VALUES (...), ...) AS v (p0, p1) WHERE t.id = v.p1``
    #: (``Compiled.many_update``). PostgreSQL only: SQLite runs its own executemany faster.
    update_many_values: bool = False
    #: Likewise for DELETE: ``using`` (``DELETE FROM t USING other``: PostgreSQL),
    #: ``using_all`` (``DELETE FROM t USING t, other``: MariaDB/MySQL) or None (SQLite
    #: has no multi-table DELETE).
    multi_table_delete: Literal["using", "using_all"] | None = "using"
    #: A derived table's columns may be named after its alias: ``(VALUES ...) AS v (a, b)``
    #: (PostgreSQL). Without it (SQLite, MariaDB) ``values()`` is written as SELECTs
    #: joined by UNION ALL, the first naming the columns.
    values_derived_columns: bool = True

    #: SQL expression constructs (see ``compiler/constructs.py``).
    #: ``aggregate FILTER (WHERE ...)`` (MariaDB has none).
    aggregate_filter: bool = True
    #: ``WITHIN GROUP (ORDER BY ...)`` for ordered-set aggregates (not SQLite).
    within_group: bool = True
    #: ... and only as a window function, ``WITHIN GROUP (...) OVER (...)`` (MariaDB).
    within_group_needs_over: bool = False
    #: ``LATERAL`` subqueries (neither SQLite nor MariaDB).
    lateral: bool = True
    #: Functions returning rows in FROM, ``json_each(x) AS t`` (MariaDB has only JSON_TABLE).
    table_functions: bool = True
    #: ``WITH u AS (UPDATE ... RETURNING ...)``: INSERT, UPDATE or DELETE as a CTE (PostgreSQL).
    data_modifying_ctes: bool = False
    #: ``x IS true`` is written with the keyword though booleans are stored as integers.
    is_boolean_keyword: bool = False
    #: How ``is_distinct_from()`` is spelled: ``standard`` (``IS DISTINCT FROM``), ``is``
    #: (SQLite's ``IS NOT`` compares NULLs as values) or ``null_safe_equal`` (MySQL's
    #: ``NOT a <=> b``).
    distinct_from: Literal["standard", "is", "null_safe_equal"] = "standard"
    #: A backslash in a string literal is an escape character, so it is doubled (MySQL).
    backslash_escapes: bool = False
    #: How ``Enum(native_enum=True)`` is spelled: ``named`` (a type created apart,
    #: ``CREATE TYPE ... AS ENUM``: PostgreSQL), ``inline`` (``ENUM('a','b')`` in the
    #: column: MySQL) or None (no enum type: a ``VARCHAR``).
    native_enum: Literal["named", "inline"] | None = None
