"""A small client for the Airflow REST API, for the notebooks and tests.

It does only what would distract a learner: finds the server, its version and API prefix, signs in,
turns errors into messages that say what to do, and shows list responses as tables. The calls
themselves stay in the notebooks: `af.get("/dags")`, `af.post("/dags/x/dagRuns", json={...})`.
"""
from __future__ import annotations

import base64
import json
import os
import random
import re
import time
from contextlib import contextmanager
from typing import Any

import requests

FINISHED = ("success", "failed")
# Paths sent as they are, not under the API's prefix: an API named by its version (/api/v1, /api/v2), the
# sign-in API (/auth/...), and the server's own OpenAPI document (/openapi.json, at its root on Airflow 3).
OWN_PATHS = ("/api/", "/auth/", "/openapi.json")
# Cloud Composer's web server: its calls are signed with Google credentials (apikit/managed.py).
COMPOSER = re.compile(r"\.composer\.googleusercontent\.com(/|$)")


class AirflowError(RuntimeError):
    """A problem a user can fix; the message says how."""


class AirflowNotRunning(AirflowError):
    pass


class AirflowAuthError(AirflowError):
    pass


class AirflowTimeout(AirflowError):
    """No answer in time. For a POST it may or may not have taken effect: a trigger sent with a
    dag_run_id of your own can be sent again safely (a repeat gets 409 Conflict, no second run)."""


class AirflowAPIError(AirflowError):
    """The API answered with an error status; `status` and `detail` are Airflow's own."""

    def __init__(self, method: str, path: str, status: int, detail: Any):
        self.method, self.path, self.status, self.detail = method, path, status, detail
        hint = (" - that id is taken: choose another one; when you repeated a trigger with your own "
                "dag_run_id, this means an earlier attempt got through" if status == 409 else "")
        super().__init__(f"{method} {path} -> {status}: {format_detail(detail)}{hint}")


def format_detail(detail: Any) -> str:
    """Airflow's error detail in one readable line (3.x validation errors are a list of dicts)."""
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', []) if p != 'body') or 'body'}: {d.get('msg')}"
            if isinstance(d, dict) else str(d) for d in detail)
    if isinstance(detail, dict) and "reason" in detail:  # 3.x database errors: the rest is "hidden"
        return str(detail["reason"])
    return str(detail)


class Airflow:
    """A connection to one Airflow: `version`, `api` (the prefix), `auth` (how it signs in)."""

    def __init__(self, url: str | None = None, username: str | None = None,
                 password: str | None = None, token: str | None = None, timeout: float = 60,
                 verbose: bool = True, *, mwaa: str | None = None, region: str | None = None,
                 mwaa_client: Any = None, google_credentials: Any = None):
        """Signs in with, the first that applies: `mwaa` (an MWAA environment's name, through boto3), a
        Google Composer URL or `google_credentials` (google-auth), `token` or AIRFLOW_TOKEN (a static
        Bearer token: Astro's API tokens; never renewed), else the user and password (docs/managed-airflow.md)."""
        self.url = (url or os.environ.get("AIRFLOW_URL") or local_url()).rstrip("/")
        for suffix in ("/api/v1", "/api/v2"):  # a URL copied with the API prefix still works
            if self.url.endswith(suffix):
                self.url = self.url[: -len(suffix)]
        # Neither given nor set: the kit's default admin:admin is tried, and an error says so.
        self._default_credentials = not (username or password or os.environ.get("AIRFLOW_USERNAME")
                                         or os.environ.get("AIRFLOW_PASSWORD"))
        self.username = username or os.environ.get("AIRFLOW_USERNAME") or "admin"
        self._password = password or os.environ.get("AIRFLOW_PASSWORD") or "admin"
        self._static_token = token or os.environ.get("AIRFLOW_TOKEN") or None
        self.timeout, self.verbose = timeout, verbose
        self.session = requests.Session()
        if mwaa:
            from apikit.managed import MwaaSession
            self.session = MwaaSession(mwaa, region, mwaa_client, timeout)
            self.url = self.session.url
        elif google_credentials or COMPOSER.search(self.url):
            from apikit.managed import google_session
            self.session = google_session(google_credentials or "default")
        elif self._static_token:  # sent from the first call on: a hosted /api/v2/version may need it
            self.session.headers["Authorization"] = f"Bearer {self._static_token}"
        self._token_expires = 0.0
        self.version = self._discover_version()
        self.major = int(self.version.split(".")[0])
        self.api = "/api/v2" if self.major >= 3 else "/api/v1"
        self.auth = self._sign_in()

    def __repr__(self) -> str:
        return f"<Airflow {self.version} at {self.url}{self.api}, auth: {self.auth}>"

    # --- connecting ----------------------------------------------------------------------------
    def _discover_version(self) -> str:
        for path in ("/api/v2/version", "/api/v1/version"):
            try:
                r = self.session.get(self.url + path, timeout=self.timeout)
            except requests.ConnectionError:
                raise AirflowNotRunning(
                    f"No Airflow answers at {self.url}. Start it with `make airflow` (or `make up`), "
                    f"or set AIRFLOW_URL to where your Airflow runs.") from None
            except requests.RequestException as exc:
                raise AirflowNotRunning(f"{self.url} did not answer ({exc}). Is Airflow running?") from None
            if r.status_code == 401 and path.endswith("v1"):
                # Airflow 2 can require auth even for /version: try the credentials we have.
                r = self.session.get(self.url + path, timeout=self.timeout, **self._auth_kwargs(2))
            if r.ok:
                try:
                    return r.json()["version"]
                except (ValueError, KeyError, TypeError):
                    break
        raise AirflowError(
            f"{self.url} answers, but it is not the Airflow API (no /api/v2/version or "
            f"/api/v1/version). Check AIRFLOW_URL: it should be the address of the Airflow UI.")

    def _auth_kwargs(self, major: int) -> dict:
        if self._static_token:
            return {"headers": {"Authorization": f"Bearer {self._static_token}"}}
        return {"auth": (self.username, self._password)} if major < 3 else {}

    def _sign_in(self) -> str:
        """Choose how to authenticate, and check that it works."""
        probe = f"{self.api}/dags"
        if hasattr(self.session, "describe"):  # MWAA or Composer (apikit/managed.py)
            self._check(probe, self.session.refused)
            return self.session.describe
        if self._static_token:
            self._check(probe, "the token (token= or AIRFLOW_TOKEN) was refused: it may have expired, or "
                               "belong to another deployment. Create a new one (Astro: a Deployment API "
                               "token; your own Airflow 3: POST /auth/token), or unset AIRFLOW_TOKEN to sign "
                               "in with a user and password, which the helper renews.")
            return "static token (token= or AIRFLOW_TOKEN; never renewed)"
        r = self.session.get(self.url + probe, params={"limit": 1}, timeout=self.timeout)
        if r.ok:
            return "none (this Airflow has auth off: everyone is admin)"
        if self.major < 3:
            self.session.auth = (self.username, self._password)
            self._check(probe, f"Airflow {self.version} refused Basic auth for user "
                               f"{self.username!r}: check AIRFLOW_USERNAME / AIRFLOW_PASSWORD (the kit's "
                               f"stack uses admin:admin), and that [api] auth_backends includes "
                               f"airflow.api.auth.backend.basic_auth.{self._no_credentials_hint()}")
            return f"basic ({self.username})"
        self._fetch_token()
        return f"JWT from POST /auth/token ({self.username})"

    def _no_credentials_hint(self) -> str:
        return (" No AIRFLOW_USERNAME / AIRFLOW_PASSWORD is set, so the kit's default admin:admin was "
                "tried: set them (or AIRFLOW_TOKEN) for this Airflow." if self._default_credentials
                else "")

    def _check(self, path: str, message: str) -> None:
        r = self.session.get(self.url + path, params={"limit": 1}, timeout=self.timeout)
        if r.status_code in (401, 403):
            raise AirflowAuthError(message)

    def _fetch_token(self) -> None:
        r = self.session.post(f"{self.url}/auth/token", timeout=self.timeout,
                              json={"username": self.username, "password": self._password})
        if r.status_code in (401, 403):
            raise AirflowAuthError(
                f"Airflow {self.version} refused user {self.username!r} with that password "
                f"(POST /auth/token -> {r.status_code}). Check AIRFLOW_USERNAME and AIRFLOW_PASSWORD; "
                f"the kit's stack uses admin:admin.{self._no_credentials_hint()}")
        if r.status_code not in (200, 201):
            raise AirflowAPIError("POST", "/auth/token", r.status_code, error_detail(r))
        token = r.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        self._token_expires = token_expiry(token)

    # --- calling -------------------------------------------------------------------------------
    def path(self, path: str) -> str:
        """`/dags` -> `/api/v2/dags`; a path of OWN_PATHS (`/api/v1/...`, `/auth/token`, `/openapi.json`) is
        kept as it is."""
        return path if path.startswith(OWN_PATHS) else f"{self.api}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send one call; return the response, or raise AirflowAPIError with Airflow's detail."""
        full = self.path(path)
        renewable = self.auth.startswith("JWT")
        kwargs.setdefault("timeout", self.timeout)
        try:
            if renewable and 0 < self._token_expires < time.time() + 60:  # about to expire
                self._fetch_token()
            try:
                r = self.session.request(method, self.url + full, **kwargs)
            except requests.Timeout:
                if method != "GET":  # a POST may have arrived: sending it again could trigger twice
                    raise AirflowTimeout(f"{method} {full} got no answer in {kwargs['timeout']} s; it may "
                                         f"or may not have taken effect: check before sending it again "
                                         f"(a trigger with a dag_run_id of your own is safe to repeat: "
                                         f"a repeat gets 409).") from None
                r = self.session.request(method, self.url + full, **kwargs)  # a GET: once more
            if renewable and token_refused(r):  # expired or revoked: sign in again, once
                self._fetch_token()
                r = self.session.request(method, self.url + full, **kwargs)
            # SQLite allows one writer: a busy database is retried, but never a POST, which might
            # have taken effect after all (nothing is triggered twice by a retry).
            for pause in (0.2, 0.5, 1, 2, 4):
                if method == "POST" or not database_busy(r):
                    break
                time.sleep(pause * (0.5 + random.random()))
                r = self.session.request(method, self.url + full, **kwargs)
        except requests.ConnectionError:
            raise AirflowNotRunning(
                f"{method} {full}: Airflow at {self.url} stopped answering. Is it still running? "
                f"`make status` tells; `make airflow` starts it again.") from None
        except requests.Timeout:  # a GET that timed out twice
            raise AirflowTimeout(f"{method} {full}: Airflow at {self.url} did not answer in "
                                 f"{kwargs['timeout']} s, twice. It may be overloaded: try again, or "
                                 f"pass a longer timeout (Airflow(timeout=...)).") from None
        if self.verbose:
            print(echo_line(f"{method} {full}", r.status_code))
        if r.status_code == 404 and full.startswith("/api/v1") and self.major >= 3:
            raise AirflowAPIError(method, full, 404, f"Airflow {self.version} has no /api/v1 (removed "
                                  f"in Airflow 3): use {full.replace('/api/v1', '/api/v2', 1)}")
        if r.status_code >= 400:
            raise AirflowAPIError(method, full, r.status_code, error_detail(r))
        return r

    def call(self, method: str, path: str, **kwargs) -> Any:
        r = self.request(method, path, **kwargs)
        if not r.content:
            return None
        return r.json() if "json" in r.headers.get("content-type", "") else r.text

    def get(self, path: str, **params) -> Any:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, json: Any = None, **kwargs) -> Any:
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs) -> Any:
        return self.call("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs) -> Any:
        return self.call("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs) -> Any:
        return self.call("DELETE", path, **kwargs)

    # --- showing -------------------------------------------------------------------------------
    def items(self, path: str, key: str | None = None, page_size: int = 100, **params) -> list[dict]:
        """Every item of a list endpoint, following its pages (`limit` and `offset`)."""
        found: list[dict] = []
        while True:
            page = self.get(path, limit=page_size, offset=len(found), **params)
            key = key or next(k for k, v in page.items() if isinstance(v, list))
            found.extend(page[key])
            if not page[key] or len(found) >= page.get("total_entries", len(found)):
                return found

    def table(self, path: str, columns: list[str] | None = None, key: str | None = None, **params):
        """A list endpoint as a table (`frame`), all pages, optionally only some columns."""
        return frame(self.items(path, key=key, **params), columns)

    @contextmanager
    def quiet(self):
        """`with af.quiet():` the calls inside print nothing (a loop that asks every half second)."""
        verbose, self.verbose = self.verbose, False
        try:
            yield self
        finally:
            self.verbose = verbose

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 180, progress: bool = True) -> dict:
        """Poll a DAG run until it has finished; show finished tasks on a progress bar.

        It polls (`GET .../dagRuns/{run_id}` every half second) on every version, rather than use
        Airflow 3.1's experimental `GET .../dagRuns/{run_id}/wait`: one way on Airflow 2.11, 3.0 and
        later, and the progress bar reads the run's task instances at each check anyway. Notebook 12
        compares the two; tests/test_client.py checks that this one polls."""
        bar = Progress(f"{dag_id} {run_id}") if progress else None
        began = time.monotonic()
        try:
            with self.quiet():
                while True:
                    run = self.get(f"/dags/{dag_id}/dagRuns/{run_id}")
                    if bar is not None:
                        tis = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
                        bar.update(sum(ti["state"] in ("success", "failed", "upstream_failed", "skipped")
                                       for ti in tis), len(tis), run["state"])
                    if run["state"] in FINISHED:
                        return run
                    if time.monotonic() - began > timeout:
                        raise AirflowError(f"{dag_id} run {run_id} is still {run['state']} after "
                                           f"{timeout:.0f} s: look at it in the UI, {self.url}")
                    time.sleep(0.5)
        finally:
            if bar is not None:
                bar.close(time.monotonic() - began)


    def wait_for_scheduler(self, timeout: float = 60) -> str:
        """Wait for the scheduler's next heartbeat (`latest_scheduler_heartbeat` of the health check); return it.

        The scheduler beats (every 5 s by default) after each loop in which it works on the runs it
        has picked; by its next beat it has let go of a run marked failed before this call, and the run
        may be deleted. Deleting a run the scheduler still works on can stop Airflow 3.3's scheduler
        (apache/airflow#63926), so each lesson's start-clean marks a leftover run failed, waits for
        this, and then deletes it."""
        path = "/monitor/health" if self.major >= 3 else "/health"
        began = time.monotonic()
        with self.quiet():
            last = self.get(path)["scheduler"]["latest_scheduler_heartbeat"]
            while True:
                time.sleep(0.5)
                beat = self.get(path)["scheduler"]["latest_scheduler_heartbeat"]
                if beat != last:
                    return beat
                if time.monotonic() - began > timeout:
                    raise AirflowError(f"The scheduler of {self.url} has not beaten for {timeout:.0f} s (its last "
                                       f"heartbeat: {last}): is it running? On the kit's stack: `make status`, "
                                       f"and its log in the Airflow home's logs/scheduler.log")


class Progress:
    """A run's progress, tasks done of all: a bar in a notebook while it runs, then one line of text in its
    place ("random_failures manual__...: success after 1.2 s, 5 of 5 tasks done"), which is what a saved
    notebook shows (on GitHub too); outside a notebook, only that line."""

    def __init__(self, name: str):
        self.name, self.done, self.total, self.state = name, 0, 0, "queued"
        self.bar = self.handle = None
        try:
            from IPython import get_ipython
            if get_ipython() is not None and "IPKernelApp" in get_ipython().config:
                import ipywidgets as widgets
                from IPython.display import display
                self.bar = widgets.IntProgress(value=0, max=1, description="tasks done")
                self.label = widgets.Label(value=f"{name}: queued")
                self.box = widgets.HBox([self.bar, self.label])
                self.handle = display(self.box, display_id=True)
        except ImportError:
            pass

    def update(self, done: int, total: int, state: str) -> None:
        self.done, self.total, self.state = done, total, state
        if self.bar is not None:
            self.bar.max, self.bar.value = max(total, 1), done
            self.label.value = f"{self.name}: {state}, {done} of {total} tasks done"

    def close(self, seconds: float) -> None:
        line = f"{self.name}: {self.state} after {seconds:.1f} s, {self.done} of {self.total} tasks done"
        if self.handle is not None:
            self.handle.update({"text/plain": line}, raw=True)
            for widget in (self.bar, self.label, self.box):
                widget.close()
        else:
            print(line)


def frame(data: dict | list, columns: list[str] | None = None):
    """API answers as a pandas table that reads: one row per object (a dict alone is one row), the values
    as the API sent them (an integer stays an integer, not 1.0), and every null, or a field an object lacks,
    shown one way: None. `columns` picks and orders them."""
    import pandas as pd

    rows = [data] if isinstance(data, dict) else list(data)
    table = pd.DataFrame(rows, columns=columns, dtype=object)
    return table.where(table.notna(), None)


def local_url() -> str:
    """The kit's local stack: AIRFLOW=3 (default) on AIRFLOW_PORT, AIRFLOW=2 on AIRFLOW2_PORT."""
    if os.environ.get("AIRFLOW") == "2":
        return f"http://127.0.0.1:{os.environ.get('AIRFLOW2_PORT') or 8082}"
    return f"http://127.0.0.1:{os.environ.get('AIRFLOW_PORT') or 8080}"


def echo_line(call: str, status: int, width: int = 120) -> str:
    """`GET /api/v2/... -> 200`; a longer line than `width` is cut before a `/` onto indented lines, so that
    a notebook's reader does not scroll sideways."""
    line = f"{call} -> {status}"
    if len(line) <= width:
        return line
    first, *segments = call.split("/")
    lines, current = [], first
    for segment in segments:
        if len(current) + 1 + len(segment) > width - 8 and current.strip():  # 8: room for " -> 200"
            lines.append(current)
            current = "    "
        current += "/" + segment
    return "\n".join([*lines, f"{current} -> {status}"])


def error_detail(r: requests.Response) -> Any:
    try:
        body = r.json()
    except ValueError:
        return r.text[:300] or r.reason
    return body.get("detail", body) if isinstance(body, dict) else body


def token_refused(r: requests.Response) -> bool:
    """401, or Airflow 3's 403 "Invalid JWT token" for an expired or tampered token."""
    return r.status_code == 401 or (r.status_code == 403 and "token" in str(error_detail(r)).lower())


def database_busy(r: requests.Response) -> bool:
    """Airflow 3's 500 "Database error": on the kit's SQLite, another request held the write lock
    ("database is locked")."""
    if r.status_code != 500:
        return False
    detail = error_detail(r)
    return isinstance(detail, dict) and detail.get("reason") == "Database error"


def token_expiry(token: str) -> float:
    """The `exp` of a JWT (seconds since the epoch), read without verifying it; 0 if unknown."""
    try:
        payload = token.split(".")[1]
        return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
    except (IndexError, ValueError, KeyError):
        return 0.0


def connect(url: str | None = None, **kwargs) -> Airflow:
    """Connect to the Airflow named by AIRFLOW_URL (default: the local stack) and say how. Managed Airflow
    (docs/managed-airflow.md): `connect(url, token=...)` (Astro), `connect(mwaa="ENV", region=...)`,
    `connect(url, google_credentials=...)` or a Composer URL (Google's default credentials)."""
    af = Airflow(url, **kwargs)
    print(f"Connected to Airflow {af.version} at {af.url}\nAPI: {af.url}{af.api}\nAuth: {af.auth}")
    return af
