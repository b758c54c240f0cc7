"""The read-only guard for analysts' ad-hoc SQL (dags/sql_query.py, plugins/sql_runner.py).

`check_read_only(sql)` lets exactly one SELECT (or WITH ... SELECT) statement through and raises
`UnsafeQuery` with a reason for anything else: writes, schema changes, PRAGMA, ATTACH, transactions,
a second statement, or a statement hidden behind a comment. sqlparse reads the text (statements,
string literals, quoted names, comments), so a keyword inside a string such as 'drop me' is harmless
while one outside it is not; SQLite itself says whether the statement is complete.

It is the first of three locks: the query then runs on a connection opened read-only
(`mode=ro`) with an authorizer that allows only reading (`read_only_connection`).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlparse
from sqlparse import tokens as T

ALLOWED_FIRST = {"SELECT", "WITH", "VALUES"}
FORBIDDEN = {
    "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE",
    "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REINDEX", "ANALYZE", "BEGIN", "COMMIT", "END",
    "ROLLBACK", "SAVEPOINT", "RELEASE", "TRANSACTION", "GRANT", "REVOKE", "LOAD_EXTENSION",
}
MAX_LENGTH = 10_000


class UnsafeQuery(ValueError):
    """The query is not a single read-only statement; the message says why."""


def words_outside_literals(sql: str) -> tuple[list[str], bool]:
    """The bare words of `sql` (upper-cased) outside strings, quoted names and comments, and whether
    a second statement follows the first (anything but whitespace, comments and more `;`)."""
    statements = [[t for t in statement.flatten() if not (t.is_whitespace or t.ttype in T.Comment
                                                          or t.match(T.Punctuation, ";"))]
                  for statement in sqlparse.parse(sql)]
    statements = [tokens for tokens in statements if tokens]
    if any(t.ttype is T.Error and t.value in "'\"`[" for tokens in statements for t in tokens):
        raise UnsafeQuery("a quote is never closed")
    words = [t.value.upper() for t in (statements[0] if statements else [])
             if t.ttype in T.Keyword or (t.ttype in T.Name and t.value[:1] not in "\"`[")]
    return words, len(statements) > 1


def check_read_only(sql: str) -> str:
    """Return the query (trimmed, without a trailing `;`) if it is one read-only statement."""
    if not isinstance(sql, str) or not sql.strip():
        raise UnsafeQuery("the query is empty")
    if len(sql) > MAX_LENGTH:
        raise UnsafeQuery(f"the query is longer than {MAX_LENGTH} characters")
    if "\x00" in sql:
        raise UnsafeQuery("the query contains a NUL character")
    words, more = words_outside_literals(sql)
    if more:
        raise UnsafeQuery("only one statement is allowed (found a second one after ';')")
    if not words or words[0] not in ALLOWED_FIRST:
        raise UnsafeQuery(f"only SELECT or WITH queries are allowed, not {words[0] if words else '?'}")
    bad = sorted(FORBIDDEN.intersection(words))
    if bad:
        raise UnsafeQuery(f"read-only queries only: {', '.join(bad)} is not allowed")
    if not sqlite3.complete_statement(sql + "\n;"):
        raise UnsafeQuery("the query is incomplete (a comment or quote that is never closed?)")
    return sql.strip().rstrip("; \t\r\n")


# --- running a checked query -------------------------------------------------------------------
READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                getattr(sqlite3, "SQLITE_RECURSIVE", 33)}


def _authorizer(action, arg1, arg2, db_name, source):
    if action in READ_ACTIONS and not (action == sqlite3.SQLITE_FUNCTION
                                       and (arg2 or "").lower() == "load_extension"):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def read_only_connection(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot write: the file opened with mode=ro, and an authorizer that denies
    every action but reading (no PRAGMA, ATTACH, temp tables)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=10)
    conn.set_authorizer(_authorizer)
    return conn


def run_query(path: str | Path, sql: str, parameters=None, max_rows: int = 1000) -> dict:
    """Check and run `sql` with `parameters` (a dict for :name, a list for ?), read-only.
    Returns {"columns": [...], "rows": [[...]], "row_count": n, "truncated": bool}."""
    sql = check_read_only(sql)
    with read_only_connection(path) as conn:
        cursor = conn.execute(sql, parameters if parameters is not None else {})
        rows = cursor.fetchmany(max_rows + 1)
        columns = [d[0] for d in cursor.description or []]
    conn.close()
    truncated = len(rows) > max_rows
    rows = [list(r) for r in rows[:max_rows]]
    return {"columns": columns, "rows": rows, "row_count": len(rows), "truncated": truncated}
