"""The web-page use case: a static page that calls Airflow's REST API from the browser, with `fetch`.

    .venv/bin/python use_cases/web_page/server.py        # then open http://127.0.0.1:8160

The page (index.html, app.js) signs in with POST /auth/token and lists the DAGs with GET /api/v2/dags.
It comes from another origin than Airflow (another port), so the browser lets it read Airflow's answers
only when Airflow's CORS settings allow the page's origin. Start an Airflow with them, e.g.

    AIRFLOW__API__ACCESS_CONTROL_ALLOW_ORIGINS=http://127.0.0.1:8160
    AIRFLOW__API__ACCESS_CONTROL_ALLOW_METHODS=GET,POST
    AIRFLOW__API__ACCESS_CONTROL_ALLOW_HEADERS=Authorization,Content-Type

(comma-separated; `*` is refused). This server only serves the two files, on 127.0.0.1; it holds no
credentials: the page asks for them. Standard library only.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {"/": "index.html", "/index.html": "index.html", "/app.js": "app.js"}


class Handler(SimpleHTTPRequestHandler):
    """The page's two files, and nothing else of the folder (not this script)."""

    def send_head(self):
        path = self.path.split("?", 1)[0]
        if path not in FILES:
            self.send_error(404, "Not here: this server serves the page (/) and app.js")
            return None
        self.path = "/" + FILES[path]
        return super().send_head()

    def log_message(self, fmt, *args):  # one short line per request, on stderr
        sys.stderr.write(f"web page: {fmt % args}\n")


def make_server(port: int = 8160) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:port (0: a free port); call serve_forever() on it."""
    return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(HERE)))


def cors_settings(origin: str) -> dict[str, str]:
    """The Airflow settings (as environment variables) that let a page of `origin` call the API."""
    return {"AIRFLOW__API__ACCESS_CONTROL_ALLOW_ORIGINS": origin,
            "AIRFLOW__API__ACCESS_CONTROL_ALLOW_METHODS": "GET,POST",
            "AIRFLOW__API__ACCESS_CONTROL_ALLOW_HEADERS": "Authorization,Content-Type"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8160)
    args = parser.parse_args(argv)
    server = make_server(args.port)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"The page is at {origin}/ (Ctrl-C stops it). Airflow allows it with:\n"
          + "\n".join(f"    {k}={v}" for k, v in cors_settings(origin).items()))
    with server, contextlib.suppress(KeyboardInterrupt):  # Ctrl-C; leaving the with closes the socket
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
