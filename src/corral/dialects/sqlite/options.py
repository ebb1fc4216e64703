"""The ``sqlite_`` options SQLite's DDL applies, per kind of schema object."""

from corral.sql.dialect_options import CONFLICT, DialectOptions, boolean, expression

OPTIONS = DialectOptions(
    database="SQLite",
    prefixes=("sqlite",),
    accepted={
        "table": {"autoincrement": boolean, "with_rowid": boolean, "strict": boolean},
        "index": {"where": expression},
        "column": {
            "on_conflict_primary_key": CONFLICT,
            "on_conflict_not_null": CONFLICT,
            "on_conflict_unique": CONFLICT,
        },
        "primary_key": {"on_conflict": CONFLICT},
        "unique": {"on_conflict": CONFLICT},
    },
    refused={
        "check": {"on_conflict": "SQLite has no ON CONFLICT clause for CHECK constraints"},
        "foreign_key": {"on_conflict": "SQLite has no ON CONFLICT clause for foreign keys"},
    },
)
