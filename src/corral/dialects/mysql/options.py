"""The ``mysql_`` (or ``mariadb_``) options MariaDB's and MySQL's DDL applies.

Both prefixes are accepted on either URL (``mysql://``, ``mariadb://``) and mean
the same option; given both, they must agree.
"""

from corral.sql.dialect_options import (
    DialectOptions,
    integer,
    integer_or_lengths,
    one_of,
    sql_text,
    text_value,
    word,
)

#: Table options written ``NAME=value`` after the column list.
TABLE_NAME_OPTIONS = ("engine", "row_format", "insert_method")
TABLE_NUMBER_OPTIONS = (
    "auto_increment",
    "avg_row_length",
    "checksum",
    "delay_key_write",
    "key_block_size",
    "max_rows",
    "min_rows",
    "pack_keys",
    "stats_persistent",
    "stats_auto_recalc",
    "stats_sample_pages",
)
TABLE_STRING_OPTIONS = ("data_directory", "index_directory", "connection")
#: Every spelling of the table's character set, and of its collation.
CHARSET_OPTIONS = ("charset", "default_charset", "character_set", "default_character_set")
COLLATE_OPTIONS = ("collate", "default_collate")

OPTIONS = DialectOptions(
    database="MariaDB/MySQL",
    prefixes=("mysql", "mariadb"),
    accepted={
        "table": {
            **dict.fromkeys(TABLE_NAME_OPTIONS, word),
            **dict.fromkeys(TABLE_NUMBER_OPTIONS, integer),
            **dict.fromkeys(TABLE_STRING_OPTIONS, text_value),
            **dict.fromkeys(CHARSET_OPTIONS, word),
            **dict.fromkeys(COLLATE_OPTIONS, word),
            "partition_by": sql_text,
            "partitions": integer,
        },
        "index": {
            "using": one_of("BTREE", "HASH"),
            "length": integer_or_lengths,
            "prefix": one_of("FULLTEXT", "SPATIAL"),
            "with_parser": word,
        },
        "primary_key": {"using": one_of("BTREE", "HASH")},
    },
    refused={
        "table": {
            "subpartition_by": "corral writes no SUBPARTITION clauses; partition with "
            "mysql_partition_by and mysql_partitions, or run the DDL with text()",
            "subpartitions": "corral writes no SUBPARTITION clauses; partition with "
            "mysql_partition_by and mysql_partitions, or run the DDL with text()",
        },
    },
)
