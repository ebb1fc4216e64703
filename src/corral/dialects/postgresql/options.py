"""The ``postgresql_`` options PostgreSQL's DDL applies, per kind of schema object."""

from corral.sql.dialect_options import (
    DialectOptions,
    boolean,
    expression,
    mapping_of,
    names,
    one_of,
    scalar,
    sql_text,
    table_names,
    word,
)

OPTIONS = DialectOptions(
    database="PostgreSQL",
    prefixes=("postgresql",),
    accepted={
        "index": {
            "using": word,
            "include": names,
            "where": expression,
            "ops": mapping_of(word),
            "concurrently": boolean,
            "with": mapping_of(scalar),
            "tablespace": word,
            "nulls_not_distinct": boolean,
        },
        "table": {
            # Only reflection reads it; corral reflects tables without a schema, so either
            # way a foreign key names the table it refers to without one.
            "ignore_search_path": boolean,
            "tablespace": word,
            "partition_by": sql_text,
            "with_oids": boolean,
            "on_commit": one_of("PRESERVE ROWS", "DELETE ROWS", "DROP"),
            "inherits": table_names,
            "using": word,
        },
        "check": {"not_valid": boolean},
        "foreign_key": {"not_valid": boolean},
        "primary_key": {"include": names},
        "unique": {"include": names, "nulls_not_distinct": boolean},
    },
)
