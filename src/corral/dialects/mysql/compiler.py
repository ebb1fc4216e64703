"""MariaDB's and MySQL's spelling of statements and DDL."""

from __future__ import annotations

from corral import exc
from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.ddl import DropIndex
from corral.sql.from_clause import Join
from corral.sql.schema import Column, Table

#: Words MariaDB/MySQL reserve (quoted with backticks when used as names).
RESERVED_WORDS = frozenset(
    """
    accessible add all alter analyze and as asc asensitive before between bigint binary
    blob both by call cascade case change char character check collate column condition
    constraint continue convert create cross current_date current_role current_time
    current_timestamp current_user cursor database databases day_hour day_microsecond
    day_minute day_second dec decimal declare default delayed delete delete_domain_id
    desc describe deterministic distinct distinctrow div do_domain_ids double drop dual
    each else elseif enclosed escaped except exists exit explain false fetch float
    float4 float8 for force foreign from fulltext general grant group having
    high_priority hour_microsecond hour_minute hour_second if ignore ignore_domain_ids
    ignore_server_ids in index infile inner inout insensitive insert int int1 int2 int3
    int4 int8 integer intersect interval into is iterate join key keys kill leading
    leave left like limit linear lines load localtime localtimestamp lock long longblob
    longtext loop low_priority master_heartbeat_period master_ssl_verify_server_cert
    match maxvalue mediumblob mediumint mediumtext middleint minute_microsecond
    minute_second mod modifies natural not no_write_to_binlog null numeric offset on
    optimize option optionally or order out outer outfile over page_checksum
    parse_vcol_expr partition position precision primary procedure purge range read
    reads read_write real recursive ref_system_id references regexp release rename
    repeat replace require resignal restrict return returning revoke right rlike rows
    schema schemas second_microsecond select sensitive separator set show signal slow
    smallint spatial specific sql sql_big_result sql_calc_found_rows sql_small_result
    sqlexception sqlstate sqlwarning ssl starting stats_auto_recalc stats_persistent
    stats_sample_pages straight_join table terminated then tinyblob tinyint tinytext to
    trailing trigger true undo union unique unlock unsigned update usage use using
    utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying when
    where while window with write xor year_month zerofill
    """.split()  # noqa: SIM905 - a word list reads best as text
)


class MySQLStatementCompiler(StatementCompiler):
    """Statements as MariaDB/MySQL write them."""

    reserved_words = RESERVED_WORDS

    def join_keyword(self, join: Join) -> str:
        if join.full:
            raise exc.UnsupportedCompilationError(
                "MariaDB/MySQL have no FULL OUTER JOIN; union a LEFT and a RIGHT join instead"
            )
        return super().join_keyword(join)

    def share_keyword(self) -> str:
        return "LOCK IN SHARE MODE"


class MySQLDDLCompiler(MySQLStatementCompiler, DDLCompiler):
    """DDL as MariaDB/MySQL write it."""

    has_table_sql = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = DATABASE() AND table_name = :name"
    )

    def autoincrement_spec(self, column: Column) -> str:
        return (
            f"{self.quote(column.name)} {self.dialect.type_ddl(column.type)} "
            "NOT NULL AUTO_INCREMENT"
        )

    def table_options(self, table: Table) -> str:
        return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

    def visit_drop_index(self, drop: DropIndex, **kw: object) -> str:
        table = drop.index.table.name if drop.index.table is not None else ""
        return f"DROP INDEX {self.quote(drop.index.name)} ON {self.quote(table or '')}"

    def drop_foreign_key_keyword(self) -> str:
        return "DROP FOREIGN KEY"
