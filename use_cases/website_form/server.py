"""The website-form use case: a tiny web server for a "contact us" form that triggers an Airflow DAG.

    .venv/bin/python use_cases/website_form/server.py            # then open http://127.0.0.1:8150

The browser only ever talks to this server. The server holds the Airflow credentials (AIRFLOW_URL,
AIRFLOW_USERNAME / AIRFLOW_PASSWORD or AIRFLOW_TOKEN, from the environment, as for the notebooks) and
makes two calls on the browser's behalf:

    POST /api/submit   -> POST /api/v2/dags/form_submission/dagRuns  {"dag_run_id": "form__<id>",
                                                                     "logical_date": null, "conf": {...}}
    GET  /api/status   -> GET  /api/v2/dags/form_submission/dagRuns/form__<id>

The page (form.html) posts the form as JSON and polls the status until the run has finished. Each
page load makes a new submission id, so a double click or a retried request finds the run already
there (409) instead of starting a second one. Standard library only, besides the kit's `apikit`.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests

from apikit import Airflow, AirflowAPIError, AirflowError  # the kit's client, installed in its .venv

HERE = Path(__file__).resolve().parent

DAG_ID = "form_submission"
FIELDS = ("submission_id", "name", "email", "company", "interest", "message")
SUBMISSION_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
MAX_BODY = 16_000


class FormApp:
    """What the handler needs: one signed-in Airflow client, made on first use and shared."""

    def __init__(self, dag_id: str = DAG_ID):
        self.dag_id = dag_id
        self._airflow: Airflow | None = None
        self._lock = threading.Lock()

    @property
    def airflow(self) -> Airflow:
        with self._lock:
            if self._airflow is None:
                self._airflow = Airflow(verbose=False)
            return self._airflow

    def submit(self, form: dict) -> dict:
        conf = {k: str(form.get(k, "")).strip() for k in FIELDS}
        if not SUBMISSION_ID.match(conf["submission_id"]):
            return {"error": "bad submission id"}
        run_id = f"form__{conf['submission_id']}"
        af = self.airflow
        body = {"dag_run_id": run_id, "conf": conf}
        if af.major >= 3:
            body["logical_date"] = None  # required (may be null) on Airflow 3
        try:
            af.post(f"/dags/{self.dag_id}/dagRuns", json=body)
            return {"run_id": run_id, "state": "queued"}
        except AirflowAPIError as exc:
            if exc.status == 409:  # the same submission again: its run exists already
                return {"run_id": run_id, "state": "already submitted"}
            raise

    def status(self, run_id: str) -> dict:
        if not run_id.startswith("form__") or not SUBMISSION_ID.match(run_id[6:]):
            return {"error": "unknown run"}
        run = self.airflow.get(f"/dags/{self.dag_id}/dagRuns/{run_id}")
        return {"run_id": run_id, "state": run["state"]}


class Handler(BaseHTTPRequestHandler):
    app: FormApp  # set by make_server
    server_version = "kit-form/1"

    def log_message(self, fmt, *args):  # one short line per request, on stderr
        sys.stderr.write(f"form server: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n")

    def send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path in ("/", "/index.html"):
            data = (HERE / "form.html").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif url.path == "/api/status":
            run_id = parse_qs(url.query).get("run_id", [""])[0]
            self.answer(lambda: self.app.status(run_id))
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        if urlparse(self.path).path != "/api/submit":
            return self.send_json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            return self.send_json(413, {"error": "the form is too large"})
        try:
            form = json.loads(self.rfile.read(length))
            assert isinstance(form, dict)
        except (ValueError, AssertionError):
            return self.send_json(400, {"error": "expected a JSON object"})
        self.answer(lambda: self.app.submit(form))

    def answer(self, call) -> None:
        """Run an Airflow call; the browser gets the outcome, never a credential or a trace."""
        try:
            result = call()
        except AirflowAPIError as exc:
            return self.send_json(502, {"error": f"Airflow answered {exc.status}"})
        except (AirflowError, requests.RequestException):  # down, or too slow to answer
            return self.send_json(503, {"error": "Airflow is not reachable; try again later"})
        self.send_json(400 if "error" in result else 200, result)


def make_server(port: int = 8150, dag_id: str = DAG_ID) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:port (0: a free port); call serve_forever() on it."""
    handler = type("FormHandler", (Handler,), {"app": FormApp(dag_id)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--dag-id", default=DAG_ID)
    args = parser.parse_args(argv)
    server = make_server(args.port, args.dag_id)
    print(f"The form is at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it); "
          f"it triggers {args.dag_id} on the Airflow of AIRFLOW_URL.")
    with server, contextlib.suppress(KeyboardInterrupt):  # Ctrl-C; leaving the with closes the socket
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
