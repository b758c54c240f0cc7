"""The read-only guard for analysts' ad-hoc SQL (dags/sql_query.py, plugins/sql_runner.py).

`check_read_only(sql)` lets exactly one SELECT (or WITH ... SELECT) statement through and raises
`UnsafeQuery` with a reason for anything else: writes, schema changes, PRAGMA, ATTACH, transactions,
a second statement, or a statement hidden behind a comment. It reads the text the way SQLite's
tokenizer does (string literals, quoted identifiers, comments), so a keyword inside a string such as
'drop me' is harmless while one outside it is not.

It is the first of three locks: the query then runs on a connection opened read-only
(`mode=ro`) with an authorizer that allows only reading (`read_only_connection`).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

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
    anything but whitespace, comments and more `;` follows a `;` (a second statement)."""
    words: list[str] = []
    separated = more = False
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise UnsafeQuery("unterminated /* comment")
            i = j + 2
            continue
        if c == ";":
            separated = True
            i += 1
            continue
        more = more or separated  # a token after a ';'
        if c in "'\"`[":
            close = "]" if c == "[" else c
            j = i + 1
            while True:
                j = sql.find(close, j)
                if j < 0:
                    raise UnsafeQuery(f"unterminated {c} quote")
                if close != "]" and sql.startswith(close * 2, j):  # '' inside a string
                    j += 2
                    continue
                break
            i = j + 1
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (sql[j].isalnum() or sql[j] in "_$"):
                j += 1
            words.append(sql[i:j].upper())
            i = j
        else:
            i += 1
    return words, more


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
        raise UnsafeQuery("the query is incomplete")
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
