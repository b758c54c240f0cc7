"""An AWS Lambda function that triggers an Airflow DAG when a file arrives in S3.

Handler: `lambda_function.lambda_handler`. Python 3.11+ standard library only: no layer, no package.

Configuration (environment variables of the function):

| variable | meaning | default |
|---|---|---|
| `AIRFLOW_URL` | the Airflow's address, e.g. `https://xyz.astronomer.run/abc` | required |
| `AIRFLOW_TOKEN` | a bearer token (Astro: a Deployment API token) | - |
| `AIRFLOW_USERNAME` / `AIRFLOW_PASSWORD` | used when there is no token: a JWT from `POST /auth/token` (Airflow 3) or Basic auth (Airflow 2) | - |
| `DAG_ID` | the DAG to trigger | `s3_file_arrived` |
| `MAX_ATTEMPTS` | tries per call when Airflow answers 5xx/429 or cannot be reached | `4` |
| `BACKOFF_SECONDS` | wait before the 2nd try; doubled for each further try (with jitter) | `1` |
| `TIMEOUT_SECONDS` | timeout of one HTTP call | `10` |

Events: S3 event notifications (`{"Records": [{"eventSource": "aws:s3", "eventName":
"ObjectCreated:Put", "s3": {...}}]}`, directly or via SNS/SQS is not handled here) and EventBridge
"Object Created" events (`{"source": "aws.s3", "detail-type": "Object Created", ...}`). Other records
(deletes, the `s3:TestEvent` S3 sends when a notification is configured) are skipped.

Exactly once: the DAG run id is derived from the event (bucket, key and the S3 `sequencer`, else
the ETag, else the EventBridge event id), so a duplicate delivery or a Lambda retry asks for the same
run id and Airflow answers 409 Conflict, which counts as success ("already triggered").

Errors: 5xx, 429 and connection errors are retried with exponential back-off, at most MAX_ATTEMPTS
times; then the function raises (Lambda's own retry or your dead-letter queue takes over). Other
4xx (a wrong token, an unknown DAG, a bad body) are not retried: the function raises at once.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
from time import sleep
from urllib.error import HTTPError, URLError
from urllib.parse import unquote_plus
from urllib.request import Request, urlopen

RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.~:+-]")  # Airflow's default allowed run-id characters
_token_cache: dict[tuple, str] = {}  # survives between invocations of a warm Lambda container
_api_cache: dict[str, str] = {}


class TriggerError(RuntimeError):
    """A call failed for good (a 4xx other than 409): retrying would not help."""


class TransientError(RuntimeError):
    """Airflow did not answer well (5xx, 429, connection) even after MAX_ATTEMPTS tries."""


def log(message: str, **fields) -> None:
    print(json.dumps({"message": message, **fields}, default=str))  # one line per CloudWatch event


def setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise TriggerError(f"the environment variable {name} is not set")
    return value


# --- HTTP with retries --------------------------------------------------------------------------
def http(method: str, url: str, body: dict | None = None, headers: dict | None = None
         ) -> tuple[int, dict | str]:
    """One call, retried on 5xx/429/connection errors with exponential back-off. Returns (status,
    body) for 2xx and 4xx answers; raises TransientError when every try failed."""
    attempts = int(os.environ.get("MAX_ATTEMPTS") or 4)
    backoff = float(os.environ.get("BACKOFF_SECONDS") or 1)
    timeout = float(os.environ.get("TIMEOUT_SECONDS") or 10)
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            with urlopen(Request(url, data=data, method=method, headers=all_headers),
                         timeout=timeout) as response:
                return response.status, parse(response.read())
        except HTTPError as exc:
            status, answer = exc.code, parse(exc.read())
            if status < 500 and status != 429:
                return status, answer
            problem = f"{method} {url} -> {status}"
        except (URLError, OSError) as exc:  # refused, reset, DNS, timeout
            problem = f"{method} {url}: {getattr(exc, 'reason', exc)}"
        if attempt < attempts:
            delay = backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            log("transient error, retrying", problem=problem, attempt=attempt, wait_s=round(delay, 2))
            sleep(delay)
    raise TransientError(f"{problem} (gave up after {attempts} tries)")


def parse(raw: bytes) -> dict | str:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:300]


# --- Airflow ------------------------------------------------------------------------------------
def api_base(url: str) -> str:
    """/api/v2 on Airflow 3, /api/v1 on Airflow 2 (asked once per container)."""
    if url not in _api_cache:
        status, _ = http("GET", f"{url}/api/v2/version")
        _api_cache[url] = f"{url}/api/v2" if status != 404 else f"{url}/api/v1"
    return _api_cache[url]


def auth_headers(url: str, api: str, renew: bool = False) -> dict:
    token = os.environ.get("AIRFLOW_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    username, password = setting("AIRFLOW_USERNAME"), setting("AIRFLOW_PASSWORD")
    if api.endswith("/v1"):  # Airflow 2: Basic auth on every call
        basic = base64.b64encode(f"{username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {basic}"}
    key = (url, username)
    if renew or key not in _token_cache:
        status, answer = http("POST", f"{url}/auth/token",
                              {"username": username, "password": password})
        if status not in (200, 201):
            raise TriggerError(f"POST /auth/token -> {status}: {answer}")
        _token_cache[key] = answer["access_token"]
    return {"Authorization": f"Bearer {_token_cache[key]}"}


def trigger(dag_id: str, run_id: str, conf: dict) -> str:
    """Trigger one run; "triggered", or "already triggered" when the run id exists (409)."""
    url = setting("AIRFLOW_URL").rstrip("/")
    api = api_base(url)
    body = {"dag_run_id": run_id, "conf": conf}
    if api.endswith("/v2"):
        body["logical_date"] = None  # required, may be null, on Airflow 3
    path = f"{api}/dags/{dag_id}/dagRuns"
    status, answer = http("POST", path, body, auth_headers(url, api))
    if status in (401, 403) and not os.environ.get("AIRFLOW_TOKEN") and api.endswith("/v2"):
        status, answer = http("POST", path, body, auth_headers(url, api, renew=True))  # expired JWT
    if status in (200, 201):
        return "triggered"
    if status == 409:
        return "already triggered"
    raise TriggerError(f"POST {path} -> {status}: {answer}")


# --- events ---------------------------------------------------------------------------------------
def created_objects(event: dict) -> list[dict]:
    """The objects an event says were created: bucket, key, size, etag, sequencer, event id/time."""
    found = []
    for record in event.get("Records") or []:
        if record.get("eventSource") == "aws:s3" and record.get("eventName", "").startswith("ObjectCreated:"):
            s3 = record["s3"]
            found.append({"bucket": s3["bucket"]["name"], "key": unquote_plus(s3["object"]["key"]),
                          "size": s3["object"].get("size"), "etag": s3["object"].get("eTag"),
                          "sequencer": s3["object"].get("sequencer"), "event_name": record["eventName"],
                          "event_time": record.get("eventTime"), "event_id": None})
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event["detail"]
        found.append({"bucket": detail["bucket"]["name"], "key": detail["object"]["key"],
                      "size": detail["object"].get("size"), "etag": detail["object"].get("etag"),
                      "sequencer": detail["object"].get("sequencer"), "event_name": "Object Created",
                      "event_time": event.get("time"), "event_id": event.get("id")})
    return found


def run_id_for(obj: dict) -> str:
    """The same object event always gives the same run id: readable start, unique hash end."""
    identity = obj["sequencer"] or obj["etag"] or obj["event_id"] or ""
    digest = hashlib.sha256(f"{obj['bucket']}/{obj['key']}@{identity}".encode()).hexdigest()[:16]
    readable = RUN_ID_UNSAFE.sub("_", f"{obj['bucket']}/{obj['key']}")[:100]
    return f"s3__{readable}__{digest}"


def lambda_handler(event: dict, context=None) -> dict:
    dag_id = os.environ.get("DAG_ID") or "s3_file_arrived"
    objects = created_objects(event)
    if not objects:
        log("nothing to trigger", event_keys=sorted(event))
        return {"dag_id": dag_id, "triggered": [], "already_triggered": [], "skipped": True}
    result = {"dag_id": dag_id, "triggered": [], "already_triggered": [], "skipped": False}
    for obj in objects:
        run_id = run_id_for(obj)
        conf = {k: v for k, v in obj.items() if v is not None}
        conf["request_id"] = getattr(context, "aws_request_id", None)
        outcome = trigger(dag_id, run_id, conf)
        log(outcome, dag_id=dag_id, run_id=run_id, bucket=obj["bucket"], key=obj["key"])
        result["triggered" if outcome == "triggered" else "already_triggered"].append(run_id)
    return result
