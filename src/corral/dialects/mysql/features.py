"""What MariaDB and MySQL (through PyMySQL) can do."""

from corral.sql.features import Features

FEATURES = Features(
    paramstyle="format",
    quote_char="`",
    max_bind_params=65535,
    lastrowid=True,
    bulk_insert_keys="returning_ordered",
    insert_returning=True,
    update_returning=False,
    delete_returning=True,
    insert_many_returning=True,
    executemany_returning="multi_values",
    savepoints=True,
    transactional_ddl=False,
    alter_add_foreign_key=True,
    for_update=True,
    for_update_nowait=True,
    for_update_skip_locked=True,
    for_update_of=False,
    for_share=True,
    write_lock_on_begin=False,
    native_ilike=False,
    nulls_ordering=False,
    concat_operator=False,
    limit_for_offset_only="18446744073709551615",
    default_values_insert=False,
    native_boolean=False,
    native_uuid=False,
    native_json=False,
    native_enum="inline",
    native_interval=False,
    timezone_datetime=False,
    varchar_needs_length=True,
    isolation_levels=frozenset(
        {"READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT"}
    ),
    default_isolation_level="REPEATABLE READ",
    stores_nan=False,
    stores_infinity=False,
    unsized_numeric_is_whole=True,
)
