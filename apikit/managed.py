"""Managed Airflow: the two services that do not take a plain Bearer token (docs/managed-airflow.md).

Each is a session `Airflow` sends its calls through instead of a `requests.Session`, with `describe` (how it
signs in, for `connect()`'s "Auth:" line) and `refused` (what to do when the probe call gets 401 or 403):

- `MwaaSession`: Amazon MWAA. Every call goes through boto3's `mwaa.invoke_rest_api`, signed with your AWS
  credentials (IAM); MWAA adds the API prefix (/api/v1 or /api/v2) itself.
- `google_session()`: Google Cloud Composer. google-auth's `AuthorizedSession`, which sends your Google
  credentials' token as a Bearer token and renews it.

Astro (and any Airflow that hands out API tokens) needs neither: a static Bearer token, `connect(url,
token=...)` or AIRFLOW_TOKEN.
"""
from __future__ import annotations

import json
import re
from typing import Any

import requests

from apikit.client import AirflowAuthError, AirflowError, AirflowNotRunning

API_PREFIX = re.compile(r"^/api/v\d+(?=/)")
GOOGLE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


class MwaaSession:
    """Sends `request(method, url, params=, json=)` as MWAA's InvokeRestApi and answers with a
    `requests.Response`, so that `Airflow` reads it as it reads any other: Airflow's status code
    (RestApiStatusCode) and its JSON (RestApiResponse)."""

    def __init__(self, name: str, region: str | None = None, client: Any = None, timeout: float = 60):
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise AirflowError("connect(mwaa=...) needs boto3: `pip install boto3` (the kit's .venv has it: "
                               "`make install`).") from None
        self.name = name
        self.client = client or boto3.client("mwaa", region_name=region,
                                             config=Config(read_timeout=timeout, retries={"mode": "standard"}))
        self.region = self.client.meta.region_name
        self.url = f"mwaa://{name}"  # no address of its own: every call goes to MWAA's InvokeRestApi
        self.describe = f"AWS IAM: boto3's mwaa.invoke_rest_api ({self.region})"
        self.refused = (f"MWAA refused the call for environment {name!r}: your AWS identity needs "
                        f"airflow:InvokeRestApi on arn:aws:airflow:{self.region}:<account>:role/{name}/<Role> "
                        f"(Admin, Op, User or Viewer).")

    def request(self, method: str, url: str, params: dict | None = None, json: Any = None,
                timeout: float | None = None, **unsupported) -> requests.Response:
        from botocore.exceptions import ClientError, ConnectionError, NoCredentialsError, ReadTimeoutError

        path = url.removeprefix(self.url)
        if not API_PREFIX.match(path):
            raise AirflowError(f"MWAA's InvokeRestApi reaches only the REST API (/api/...), not {path}.")
        if unsupported:
            raise AirflowError(f"MWAA's InvokeRestApi takes a path, a query and a JSON body; not "
                               f"{', '.join(unsupported)}.")
        call = {"Name": self.name, "Path": API_PREFIX.sub("", path), "Method": method}
        if params:
            call["QueryParameters"] = {k: v for k, v in params.items() if v is not None}
        if json is not None:
            call["Body"] = json
        try:
            answer = self.client.invoke_rest_api(**call)
        except ClientError as exc:  # Airflow's 4xx and 5xx come back as RestApiClient/ServerException
            answer = exc.response
            if "RestApiStatusCode" not in answer:
                raise self.error(exc) from None
        except NoCredentialsError:
            raise AirflowAuthError("boto3 found no AWS credentials: `aws configure` or `aws sso login`, or "
                                   "set AWS_PROFILE, then connect again.") from None
        except (ConnectionError, ReadTimeoutError) as exc:
            raise AirflowNotRunning(f"MWAA did not answer for {self.name!r} ({exc}): check the region and "
                                    f"your network, then try again.") from None
        return response(answer["RestApiStatusCode"], answer.get("RestApiResponse"))

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def error(self, exc) -> AirflowError:
        """MWAA's own errors (not Airflow's), each with what to do."""
        code = exc.response["Error"]["Code"]
        if code == "AccessDeniedException":
            return AirflowAuthError(self.refused)
        if code == "ResourceNotFoundException":
            return AirflowError(f"MWAA has no environment {self.name!r} in {self.region}: check the name "
                                f"and the region (`aws mwaa list-environments --region {self.region}`).")
        return AirflowError(f"MWAA: {code}: {exc.response['Error'].get('Message')} (environment "
                            f"{self.name!r}, {self.region}). An older environment may need updating to "
                            f"use InvokeRestApi.")


def response(status: int, body: Any) -> requests.Response:
    """Airflow's answer as MWAA passed it on, as a requests.Response."""
    r = requests.Response()
    r.status_code = status
    r.reason = "MWAA InvokeRestApi"
    if body is not None:
        r._content = json.dumps(body).encode()
        r.headers["content-type"] = "application/json"
    else:
        r._content = b""
    return r


def google_session(credentials: Any = "default"):
    """An AuthorizedSession with `credentials`, or with google.auth.default()'s ("default")."""
    try:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError, RefreshError
        from google.auth.transport.requests import AuthorizedSession
    except ImportError:
        raise AirflowError("connect(google_credentials=...) needs google-auth: `pip install "
                           "'google-auth[requests]'` (the kit's .venv has it: `make install`).") from None
    if credentials == "default":
        try:
            credentials, _ = google.auth.default(scopes=GOOGLE_SCOPES)
        except DefaultCredentialsError:
            raise AirflowAuthError("No Google credentials found: run `gcloud auth application-default "
                                   "login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account's "
                                   "key file, then connect again.") from None

    class GoogleSession(AuthorizedSession):
        describe = f"Google credentials ({type(credentials).__name__})"
        refused = ("Airflow refused your Google credentials: the account needs an IAM role on the Composer "
                   "environment (Composer User at least) and a role in Airflow; check that your IP may reach "
                   "the web server (web server access control).")

        def request(self, method, url, **kwargs):
            try:
                return super().request(method, url, **kwargs)
            except RefreshError as exc:  # a 401 made google-auth renew, and it could not
                raise AirflowAuthError(f"Airflow answered 401 and your Google credentials could not be "
                                       f"renewed ({exc}): sign in again (`gcloud auth application-default "
                                       f"login`).") from None

    return GoogleSession(credentials)
