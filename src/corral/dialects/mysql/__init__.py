"""MariaDB and MySQL, through PyMySQL (``pip install corral[mysql]``): the dialect, its
``insert()`` with ``ON DUPLICATE KEY UPDATE``, and its types."""

from corral.dialects.mysql.base import MariaDBDialect, MySQLDialect
from corral.dialects.mysql.dml import Insert, insert
from corral.dialects.mysql.types import (
    DOUBLE,
    LONGBLOB,
    LONGTEXT,
    MEDIUMBLOB,
    MEDIUMTEXT,
    SET,
    TINYBLOB,
    TINYINT,
    TINYTEXT,
    VARCHAR,
)

dialect = MySQLDialect

__all__ = [
    "DOUBLE",
    "LONGBLOB",
    "LONGTEXT",
    "MEDIUMBLOB",
    "MEDIUMTEXT",
    "SET",
    "TINYBLOB",
    "TINYINT",
    "TINYTEXT",
    "VARCHAR",
    "Insert",
    "MariaDBDialect",
    "MySQLDialect",
    "dialect",
    "insert",
]
