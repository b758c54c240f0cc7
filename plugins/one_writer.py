"""One writing API request at a time, for the kit's SQLite stack (Airflow 3's api-server).

Why: the api-server writes an audit-log row for each changing request (POST, PATCH, PUT, DELETE)
from an `async` dependency, that is, on its one event-loop thread, with a blocking SQLite commit.
When another request's thread already holds SQLite's write lock and is waiting for that same event
loop to finish (its commit runs when the endpoint returns), the two wait for each other until SQLite
gives up ("database is locked"): triggers fail with a 500, and the scheduler, dag-processor and
triggerer, waiting for the same lock, exit. Ten concurrent triggers are enough to cause it.

This middleware lets one changing request into the REST API (`/api/...`) and the task execution API
(`/execution/...`) at a time; reads (GET, HEAD, OPTIONS) and everything else pass as before. SQLite
writes one transaction at a time anyway, so little is lost. With PostgreSQL or MySQL (the compose
and Astro set-ups) the plugin adds nothing; on Airflow 2 (Flask, no event loop) neither.
"""
from __future__ import annotations

import asyncio

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin

READS = {"GET", "HEAD", "OPTIONS"}
PATHS = ("/api/", "/execution/")


class OneWriterAtATime:
    """ASGI middleware: changing requests under /api/ and /execution/ run one after another."""

    def __init__(self, app):
        self.app = app
        self.lock = asyncio.Lock()

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] in READS
                or not scope["path"].startswith(PATHS)):
            return await self.app(scope, receive, send)
        async with self.lock:
            await self.app(scope, receive, send)


def on_sqlite() -> bool:
    return conf.get("database", "sql_alchemy_conn", fallback="").startswith("sqlite")


class OneWriterPlugin(AirflowPlugin):
    name = "one_writer"
    fastapi_root_middlewares = [
        {"name": "one writing request at a time (SQLite)", "middleware": OneWriterAtATime}
    ] if on_sqlite() else []
