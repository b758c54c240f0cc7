"""An AWS Lambda function that tells Airflow when a file arrives in S3: it triggers a DAG run
(`MODE=dag_run`, the default) or reports an asset event (`MODE=asset_event`).

Handler: `lambda_function.lambda_handler`. Python 3.11+ standard library only: no layer, no package.

Configuration (environment variables of the function):

| variable | meaning | default |
|---|---|---|
| `AIRFLOW_URL` | the Airflow's address, e.g. `https://xyz.astronomer.run/abc` | required |
| `AIRFLOW_TOKEN` | a bearer token (Astro: a Deployment API token) | - |
| `AIRFLOW_USERNAME` / `AIRFLOW_PASSWORD` | used when there is no token: a JWT from `POST /auth/token` (Airflow 3) or Basic auth (Airflow 2) | - |
| `MODE` | `dag_run`: trigger `DAG_ID`; `asset_event`: report an event of the object's asset | `dag_run` |
| `DAG_ID` | the DAG to trigger (`MODE=dag_run`) | `s3_file_arrived` |
| `ASSET_URI` | the asset to report (`MODE=asset_event`) | `s3://<bucket>/<the key's first folder>` |
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

Asset events (`MODE=asset_event`): `POST /api/v2/assets/events` with the asset's id (looked up by its
URI) and the object in `extra` (bucket, key, size, ETag, sequencer, ...), plus `dedup_key`, the same
identity as the run id above. Airflow has no unique key for events, so before each try the function
looks for an event of the asset with that `dedup_key` (since the S3 event's time) and reports none if
there is one ("already reported"). On Airflow 2.11: `POST /api/v1/datasets/events` with the URI.

Errors: 5xx, 429 and connection errors are retried with exponential back-off, at most MAX_ATTEMPTS
times; then the function raises (Lambda's own retry or your dead-letter queue takes over). Other
4xx (a wrong token, an unknown DAG or asset, a bad body) are not retried: the function raises at once.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
from datetime import datetime, timedelta
from time import sleep
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote_plus
from urllib.request import Request, urlopen

RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.~:+-]")  # Airflow's default allowed run-id characters
_token_cache: dict[tuple, str] = {}  # survives between invocations of a warm Lambda container
_api_cache: dict[str, str] = {}
_asset_cache: dict[tuple, int] = {}  # (api, asset URI) -> the asset's id
DUPLICATE_WINDOW_MINUTES = 15  # how far before the S3 event's time to look for an earlier report of it


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
def http(method: str, url: str, body: dict | None = None, headers: dict | None = None,
         attempts: int | None = None) -> tuple[int, dict | str]:
    """One call, retried on 5xx/429/connection errors with exponential back-off. Returns (status,
    body) for 2xx and 4xx answers; raises TransientError when every try failed. `attempts` (default
    MAX_ATTEMPTS) 1: one try, for a caller that must check something before it tries again."""
    attempts = attempts or max_attempts()
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
            back_off(problem, attempt, backoff)
    raise TransientError(f"{problem} (gave up after {attempts} tries)")


def max_attempts() -> int:
    return int(os.environ.get("MAX_ATTEMPTS") or 4)


def back_off(problem: str, attempt: int, backoff: float | None = None) -> None:
    """Wait before try `attempt` + 1: BACKOFF_SECONDS, doubled for each further try, with jitter."""
    backoff = float(os.environ.get("BACKOFF_SECONDS") or 1) if backoff is None else backoff
    delay = backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
    log("transient error, retrying", problem=problem, attempt=attempt, wait_s=round(delay, 2))
    sleep(delay)


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


def airflow() -> tuple[str, str]:
    """The Airflow's address and its API's (…/api/v2 or …/api/v1)."""
    url = setting("AIRFLOW_URL").rstrip("/")
    return url, api_base(url)


def signed(method: str, path: str, body: dict | None = None, attempts: int | None = None
           ) -> tuple[int, dict | str]:
    """http() with the credentials; a refused JWT (expired) is renewed once."""
    url, api = airflow()
    status, answer = http(method, path, body, auth_headers(url, api), attempts)
    if status in (401, 403) and not os.environ.get("AIRFLOW_TOKEN") and api.endswith("/v2"):
        status, answer = http(method, path, body, auth_headers(url, api, renew=True), attempts)
    return status, answer


def trigger(dag_id: str, run_id: str, conf: dict) -> str:
    """Trigger one run; "triggered", or "already triggered" when the run id exists (409)."""
    _, api = airflow()
    body = {"dag_run_id": run_id, "conf": conf}
    if api.endswith("/v2"):
        body["logical_date"] = None  # required, may be null, on Airflow 3
    path = f"{api}/dags/{dag_id}/dagRuns"
    status, answer = signed("POST", path, body)
    if status in (200, 201):
        return "triggered"
    if status == 409:
        return "already triggered"
    raise TriggerError(f"POST {path} -> {status}: {answer}")


# --- asset events (MODE=asset_event) -------------------------------------------------------------
def asset_uri_for(obj: dict) -> str:
    """ASSET_URI, else the S3 folder the object landed in: s3://<bucket>/<first folder of the key>."""
    if os.environ.get("ASSET_URI"):
        return os.environ["ASSET_URI"]
    folder = obj["key"].split("/", 1)[0] if "/" in obj["key"] else ""
    return f"s3://{obj['bucket']}/{folder}" if folder else f"s3://{obj['bucket']}"


def asset_id_for(uri: str) -> int:
    """The id of the asset with this URI (asked once per container); TriggerError if Airflow has none:
    no DAG declares it, and reporting it would start nothing."""
    _, api = airflow()
    if (api, uri) in _asset_cache:
        return _asset_cache[(api, uri)]
    if api.endswith("/v1"):  # Airflow 2.11: a dataset, found by its URI
        path = f"{api}/datasets/{quote(uri, safe='')}"
        status, answer = signed("GET", path)
        if status not in (200, 404):
            raise TriggerError(f"GET {path} -> {status}: {answer}")
        found = answer.get("id") if status == 200 else None
    else:  # uri_pattern matches URIs that contain the text: keep the one that is the URI
        offset, found = 0, None
        while found is None:
            path = f"{api}/assets?uri_pattern={quote(uri, safe='')}&limit=100&offset={offset}"
            status, answer = signed("GET", path)
            if status != 200:
                raise TriggerError(f"GET {path} -> {status}: {answer}")
            found = next((a["id"] for a in answer["assets"] if a["uri"] == uri), None)
            offset += len(answer["assets"])
            if not answer["assets"] or offset >= answer["total_entries"]:
                break
    if found is None:
        raise TriggerError(f"Airflow has no asset {uri} (no DAG declares it): set ASSET_URI, or add the asset "
                           f"to a DAG")
    _asset_cache[(api, uri)] = found
    return found


def reported_before(asset_id: int, dedup_key: str, since: str | None) -> int | None:
    """The id of an event of the asset that already reports this object (its extra's dedup_key), if any.
    Only events from DUPLICATE_WINDOW_MINUTES before the S3 event's time on: a duplicate is younger."""
    _, api = airflow()
    start = None
    if since:
        start = datetime.fromisoformat(since.replace("Z", "+00:00")) - timedelta(minutes=DUPLICATE_WINDOW_MINUTES)
    offset = 0
    while True:
        if api.endswith("/v1"):  # Airflow 2.11: no time filter; newest first, stop at the window
            path = f"{api}/datasets/events?dataset_id={asset_id}&order_by=-timestamp&limit=100&offset={offset}"
        else:
            window = f"&timestamp_gte={quote(start.isoformat())}" if start else ""
            path = f"{api}/assets/events?asset_id={asset_id}&order_by=-timestamp&limit=100&offset={offset}{window}"
        status, answer = signed("GET", path)
        if status != 200:
            raise TriggerError(f"GET {path} -> {status}: {answer}")
        events = answer.get("asset_events", answer.get("dataset_events", []))
        for event in events:
            if (event.get("extra") or {}).get("dedup_key") == dedup_key:
                return event["id"]
        offset += len(events)
        older = start and events and datetime.fromisoformat(events[-1]["timestamp"].replace("Z", "+00:00")) < start
        if not events or offset >= answer["total_entries"] or older:
            return None


def report(obj: dict, request_id: str | None) -> tuple[str, int]:
    """Report one object as an event of its asset: ("reported", the new event's id), or ("already
    reported", the earlier event's id) when an event with its dedup_key exists. A transient error is
    retried as http() does, but each new try first looks again: the lost answer may have been a 200."""
    _, api = airflow()
    uri = asset_uri_for(obj)
    asset_id = asset_id_for(uri)
    dedup_key = run_id_for(obj)  # the identity of the S3 event, as the run id of MODE=dag_run
    extra = {**{k: v for k, v in obj.items() if v is not None}, "dedup_key": dedup_key, "request_id": request_id}
    if api.endswith("/v1"):  # Airflow 2.11
        path, body = f"{api}/datasets/events", {"dataset_uri": uri, "extra": extra}
    else:
        path, body = f"{api}/assets/events", {"asset_id": asset_id, "extra": extra}
    attempts = max_attempts()
    for attempt in range(1, attempts + 1):
        earlier = reported_before(asset_id, dedup_key, obj.get("event_time"))
        if earlier is not None:
            return "already reported", earlier
        try:
            status, answer = signed("POST", path, body, attempts=1)
        except TransientError as exc:
            problem = str(exc).split(" (gave up after")[0]
            if attempt == attempts:
                raise TransientError(f"{problem} (gave up after {attempts} tries)") from None
            back_off(problem, attempt)
            continue
        if status in (200, 201):
            return "reported", answer["id"]
        raise TriggerError(f"POST {path} -> {status}: {answer}")
    raise AssertionError("unreachable")


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
    mode = os.environ.get("MODE") or "dag_run"
    if mode not in ("dag_run", "asset_event"):
        raise TriggerError(f"MODE={mode}: use dag_run (trigger DAG_ID) or asset_event (report an asset event)")
    if mode == "asset_event":
        return report_asset_events(event, context)
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


def report_asset_events(event: dict, context=None) -> dict:
    """MODE=asset_event: one asset event per created object; the ids of the events reported now and of
    those an earlier delivery reported."""
    result = {"mode": "asset_event", "reported": [], "already_reported": [], "skipped": False}
    objects = created_objects(event)
    if not objects:
        log("nothing to report", event_keys=sorted(event))
        return {**result, "skipped": True}
    for obj in objects:
        outcome, event_id = report(obj, getattr(context, "aws_request_id", None))
        log(outcome, asset_uri=asset_uri_for(obj), event_id=event_id, bucket=obj["bucket"], key=obj["key"])
        result["reported" if outcome == "reported" else "already_reported"].append(event_id)
    return result
