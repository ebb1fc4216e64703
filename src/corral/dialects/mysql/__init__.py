"""MariaDB and MySQL, through PyMySQL (``pip install corral[mysql]``)."""

from corral.dialects.mysql.base import MariaDBDialect, MySQLDialect

dialect = MySQLDialect

__all__ = ["MariaDBDialect", "MySQLDialect", "dialect"]
