"""What PostgreSQL (through psycopg 3) can do."""

from corral.sql.features import Features

FEATURES = Features(
    paramstyle="format",
    quote_char='"',
    max_bind_params=65535,
    lastrowid=False,
    bulk_insert_keys="sequence_prefetch",
    insert_returning=True,
    update_returning=True,
    delete_returning=True,
    insert_many_returning=True,
    executemany_returning="driver",
    savepoints=True,
    transactional_ddl=True,
    alter_add_foreign_key=True,
    for_update=True,
    for_update_nowait=True,
    for_update_skip_locked=True,
    for_update_of=True,
    for_share=True,
    write_lock_on_begin=False,
    native_ilike=True,
    nulls_ordering=True,
    concat_operator=True,
    true_division="cast_numeric",
    limit_for_offset_only=None,
    default_values_insert=True,
    native_boolean=True,
    native_uuid=True,
    native_json=True,
    native_enum="named",
    native_interval=True,
    timezone_datetime=True,
    varchar_needs_length=False,
    isolation_levels=frozenset(
        {"READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT"}
    ),
    default_isolation_level="READ COMMITTED",
    text_allows_nul=False,
)
