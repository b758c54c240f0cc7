"""The read-only guard of the analysts' SQL use case (include/sql_guard.py): one SELECT gets through;
writes, PRAGMA, ATTACH, second statements and statements hidden in comments or strings do not.
And should the text check miss something, the read-only connection still refuses to write."""
import sqlite3

import pytest

from include.sql_guard import UnsafeQuery, check_read_only, read_only_connection, run_query

READ_ONLY = [
    "SELECT 1",
    "select name from customers;",
    "SELECT 1;  ;\n",
    "WITH big AS (SELECT * FROM orders WHERE quantity > 2) SELECT count(*) FROM big",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) SELECT x FROM n",
    "SELECT 'drop table customers; delete from orders' AS harmless_text",
    "SELECT \"update\", [delete], `insert` FROM t",  # quoted names, not keywords
    "SELECT updated_at, created_by, deleted FROM t",  # words that merely contain a keyword
    "SELECT 1 -- a comment with DELETE in it",
    "SELECT /* drop? no */ 1",
    "SELECT 1; -- a trailing comment",
    "SELECT * FROM t WHERE note = 'it''s; DROP TABLE t; --'",  # one string with '' inside
    "VALUES (1, 2)",
]

SNEAKY = {
    "a write": "DELETE FROM customers",
    "an insert": "INSERT INTO customers VALUES (9, 'x', 'y', 'z')",
    "replace": "REPLACE INTO products VALUES (1, 'x', 'y', 0)",
    "an update": "UPDATE products SET price = 0",
    "a second statement": "SELECT 1; DROP TABLE customers",
    "a second select": "SELECT 1; SELECT 2",
    "a statement after empty ones": "SELECT 1;;\n; DELETE FROM orders",
    "a statement after a comment": "SELECT 1; /* harmless? */ DELETE FROM orders",
    "a statement after a line comment": "SELECT 1; -- bye\nDELETE FROM orders",
    "a CTE that deletes": "WITH x AS (SELECT 1) DELETE FROM customers",
    "a CTE that inserts": "WITH x AS (SELECT 1) INSERT INTO orders SELECT * FROM orders",
    "pragma": "PRAGMA writable_schema = 1",
    "pragma after select": "SELECT 1; PRAGMA query_only = 0",
    "attach": "ATTACH DATABASE '/tmp/evil.db' AS evil",
    "detach": "DETACH DATABASE main",
    "create": "CREATE TABLE t (x)",
    "create temp": "CREATE TEMP TABLE t AS SELECT 1",
    "drop": "DROP TABLE customers",
    "alter": "ALTER TABLE customers ADD COLUMN x",
    "vacuum into a file": "VACUUM INTO '/tmp/copy.db'",
    "a transaction": "BEGIN; DELETE FROM orders; COMMIT",
    "a comment that opens and never closes": "SELECT 1 /* ; DELETE FROM orders",
    "a string that never closes": "SELECT 'abc; DELETE FROM orders",
    "load_extension": "SELECT load_extension('/tmp/evil.so')",
    "a leading comment hiding a write": "/* SELECT */ DELETE FROM orders",
    "a leading line comment hiding a write": "-- SELECT 1\nDELETE FROM orders",
    "explain": "EXPLAIN DELETE FROM orders",
    "empty": "   ",
    "only a comment": "-- SELECT 1",
    "not a string": None,
}


@pytest.mark.parametrize("sql", READ_ONLY)
def test_read_only_queries_get_through(sql):
    checked = check_read_only(sql)
    assert checked and not checked.endswith(";")


@pytest.mark.parametrize("what", sorted(SNEAKY))
def test_sneaky_queries_are_rejected(what):
    with pytest.raises(UnsafeQuery):
        check_read_only(SNEAKY[what])


def test_rejection_says_why():
    with pytest.raises(UnsafeQuery, match="only one statement"):
        check_read_only("SELECT 1; DROP TABLE customers")
    with pytest.raises(UnsafeQuery, match="DELETE is not allowed"):
        check_read_only("WITH x AS (SELECT 1) DELETE FROM customers")
    with pytest.raises(UnsafeQuery, match="not PRAGMA"):
        check_read_only("PRAGMA table_info(customers)")


@pytest.fixture()
def shop(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((__import__("pathlib").Path(__file__).parent.parent / "include" /
                            "sample_shop.sql").read_text())
    conn.close()
    return path


def test_run_query_binds_parameters(shop):
    result = run_query(shop, "SELECT name FROM customers WHERE country = :c ORDER BY name",
                       {"c": "GB"})
    assert result == {"columns": ["name"], "rows": [["Ada Lovelace"], ["Alan Turing"]],
                      "row_count": 2, "truncated": False}
    injected = run_query(shop, "SELECT count(*) AS n FROM customers WHERE country = :c",
                         {"c": "GB' OR '1'='1"})
    assert injected["rows"] == [[0]]  # a value stays a value


def test_run_query_caps_rows(shop):
    result = run_query(shop, "SELECT * FROM orders ORDER BY order_id", max_rows=5)
    assert result["row_count"] == 5 and result["truncated"] is True


@pytest.mark.parametrize("sql", ["DELETE FROM customers", "PRAGMA writable_schema = 1",
                                 "ATTACH DATABASE ':memory:' AS other", "CREATE TEMP TABLE t (x)",
                                 "INSERT INTO orders SELECT * FROM orders"])
def test_the_connection_refuses_writes_even_unchecked(shop, sql):
    """The second and third locks: mode=ro and the authorizer, for what a guard bug would let by."""
    conn = read_only_connection(shop)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute(sql)
    finally:
        conn.close()
    with sqlite3.connect(shop) as check:
        assert check.execute("SELECT count(*) FROM customers").fetchone() == (6,)
    check.close()
