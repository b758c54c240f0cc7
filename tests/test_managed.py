"""Managed Airflow (docs/managed-airflow.md): each way the helper signs in to a hosted Airflow, tested as far
as this machine can. A static Bearer token (Astro) and Google credentials (Composer) live against the kit's
Airflow 3; MWAA offline only, as no emulator implements it: botocore's Stubber checks what InvokeRestApi
gets, a before-send hook shows the signed request MWAA would receive, and nothing is sent."""
import json

import boto3
import pytest
import requests
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2.credentials import Credentials

from apikit import Airflow, AirflowAPIError, AirflowAuthError, AirflowError

ENV, REGION = "my-env", "eu-west-1"
COMPOSER_URL = "https://abc123-dot-europe-west1.composer.googleusercontent.com"


def airflow_token(stack) -> str:
    return requests.post(f"{stack.url}/auth/token", json={"username": "admin", "password": "admin"},
                         timeout=10).json()["access_token"]


# --- a static Bearer token (Astro's Deployment API token, or any API token) ------------------------------
@pytest.mark.airflow3
def test_static_token_is_sent_as_it_is_and_never_renewed(stack, monkeypatch):
    """As an Astro Deployment API token: sent as a Bearer token from the first call on; the helper never signs
    in with a password to renew it, and a refused token is the helper's clear error."""
    monkeypatch.setenv("AIRFLOW_TOKEN", airflow_token(stack))
    af = Airflow(stack.url, verbose=False)
    assert af.auth == "static token (token= or AIRFLOW_TOKEN; never renewed)"
    monkeypatch.setattr(af, "_fetch_token", lambda: pytest.fail("a static token was renewed"))
    assert af.get("/dags", limit=1)["total_entries"] >= 3
    af.session.headers["Authorization"] = "Bearer revoked.or.expired"
    with pytest.raises(AirflowAPIError) as refused:
        af.get("/dags", limit=1)
    assert refused.value.status in (401, 403)
    monkeypatch.setenv("AIRFLOW_TOKEN", "not-a-token")
    with pytest.raises(AirflowAuthError, match="Create a new one .Astro: a Deployment API token"):
        Airflow(stack.url, verbose=False)


@pytest.mark.airflow3
def test_official_client_takes_the_same_token(stack):
    """docs/managed-airflow.md's form for Airflow's own Python client: the Deployment URL and the token."""
    import airflow_client.client as client
    config = client.Configuration(host=stack.url, access_token=airflow_token(stack))
    with client.ApiClient(config) as api:
        assert client.DAGApi(api).get_dags(limit=1).total_entries >= 3


# --- Amazon MWAA: InvokeRestApi through boto3, offline ---------------------------------------------------
def mwaa_client():
    """A real boto3 MWAA client with made-up credentials: it signs, and nothing here sends."""
    return boto3.client("mwaa", region_name=REGION, aws_access_key_id="AKIDEXAMPLE",
                        aws_secret_access_key="made-up-for-the-test")


def invoke(path: str, method: str = "GET", **extra) -> dict:
    return {"Name": ENV, "Path": path, "Method": method, **extra}


def answer(body: dict, status: int = 200) -> dict:
    return {"RestApiStatusCode": status, "RestApiResponse": body}


def connected(stubber: Stubber) -> None:
    """What connect() calls: the version (MWAA adds /api/v2), then one DAG to check it may call the API."""
    stubber.add_response("invoke_rest_api", answer({"version": "3.0.6", "git_version": None}),
                         invoke("/version"))
    stubber.add_response("invoke_rest_api", answer({"dags": [], "total_entries": 0}),
                         invoke("/dags", QueryParameters={"limit": 1}))


def test_mwaa_calls_are_invoke_rest_api_with_the_path_without_the_api_prefix():
    client = mwaa_client()
    with Stubber(client) as stubber:
        connected(stubber)
        stubber.add_response("invoke_rest_api", answer({"dags": [{"dag_id": "etl"}], "total_entries": 1}),
                             invoke("/dags", QueryParameters={"limit": 5, "tags": ["daily"]}))
        stubber.add_response("invoke_rest_api", answer({"dag_run_id": "from_the_kit", "state": "queued"}),
                             invoke("/dags/etl/dagRuns", "POST",
                                    Body={"dag_run_id": "from_the_kit", "logical_date": None, "conf": {"n": 1}}))
        af = Airflow(mwaa=ENV, mwaa_client=client, verbose=False)
        assert (af.version, af.api, af.url) == ("3.0.6", "/api/v2", f"mwaa://{ENV}")
        assert af.auth == f"AWS IAM: boto3's mwaa.invoke_rest_api ({REGION})"
        assert af.get("/dags", limit=5, tags=["daily"])["total_entries"] == 1
        run = af.post("/dags/etl/dagRuns",
                      json={"dag_run_id": "from_the_kit", "logical_date": None, "conf": {"n": 1}})
        assert run["state"] == "queued"
        stubber.assert_no_pending_responses()


def test_mwaa_errors_are_the_helpers_errors():
    """Airflow's 404, passed on by MWAA as RestApiClientException, is the helper's AirflowAPIError with
    Airflow's status and detail; MWAA's own AccessDenied says which IAM permission is missing."""
    client = mwaa_client()
    with Stubber(client) as stubber:
        connected(stubber)
        stubber.add_client_error("invoke_rest_api", "RestApiClientException", http_status_code=400,
                                 modeled_fields=answer({"detail": "The Dag with ID: `nope` was not found"}, 404),
                                 expected_params=invoke("/dags/nope"))
        stubber.add_client_error("invoke_rest_api", "AccessDeniedException", "User is not authorized",
                                 http_status_code=403, expected_params=invoke("/dags/etl"))
        af = Airflow(mwaa=ENV, mwaa_client=client, verbose=False)
        with pytest.raises(AirflowAPIError) as missing:
            af.get("/dags/nope")
        assert (missing.value.status, missing.value.detail) == (404, "The Dag with ID: `nope` was not found")
        with pytest.raises(AirflowAuthError, match=f"airflow:InvokeRestApi on arn:aws:airflow:{REGION}:"):
            af.get("/dags/etl")
        with pytest.raises(AirflowError, match="only the REST API"):
            af.post("/auth/token")


def test_mwaa_request_is_signed_and_sent_to_the_environments_restapi_url():
    """The request boto3 would send, caught just before it leaves: POST to MWAA's own endpoint, SigV4-signed,
    Airflow's call in the JSON body."""
    client, sent = mwaa_client(), []

    def catch(request, **_):
        sent.append(request)
        call = json.loads(request.body)
        body = {"version": "3.0.6"} if call["Path"] == "/version" else {"dags": [], "total_entries": 0}
        return AWSResponse(request.url, 200, {"content-type": "application/json"},
                           Raw(json.dumps(answer(body)).encode()))

    client.meta.events.register("before-send.mwaa.InvokeRestApi", catch)
    Airflow(mwaa=ENV, mwaa_client=client, verbose=False)
    assert [r.url for r in sent] == [f"https://env.airflow.{REGION}.amazonaws.com/restapi/{ENV}"] * 2
    assert all(r.method == "POST" for r in sent)
    assert all(r.headers["Authorization"].startswith(b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
               for r in sent)
    assert json.loads(sent[1].body) == {"Path": "/dags", "Method": "GET", "QueryParameters": {"limit": 1}}


class Raw:
    """The raw body of a caught response, as botocore reads it."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


def test_mwaa_without_boto3_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "boto3", None)
    with pytest.raises(AirflowError, match="needs boto3: `pip install boto3`"):
        Airflow(mwaa=ENV, region=REGION)


# --- Google Cloud Composer: google-auth's AuthorizedSession ----------------------------------------------
class Capture(requests.adapters.BaseAdapter):
    """A transport that answers as Airflow would (or with `status`) and keeps each request: no network."""

    def __init__(self, status: int = 200):
        super().__init__()
        self.status, self.requests = status, []

    def send(self, request, **_):
        self.requests.append(request)
        r = requests.Response()
        r.status_code, r.url, r.request = self.status, request.url, request
        r.headers["content-type"] = "application/json"
        body = {"version": "3.1.8"} if request.url.endswith("/version") else {"dags": [], "total_entries": 0}
        r._content = json.dumps(body if self.status == 200 else {"detail": "Not authenticated"}).encode()
        return r

    def close(self):
        pass


@pytest.fixture
def transport(monkeypatch):
    """Every requests.Session mounts Capture instead of the network."""
    capture = Capture()
    mount = requests.Session.__init__

    def init(session):
        mount(session)
        session.mount("https://", capture)
    monkeypatch.setattr(requests.Session, "__init__", init)
    return capture


def test_composer_url_signs_each_call_with_googles_default_credentials(transport, monkeypatch):
    monkeypatch.setattr("google.auth.default", lambda scopes: (Credentials(token="ya29.from-adc"), "my-project"))
    af = Airflow(COMPOSER_URL, verbose=False)
    assert af.auth == "Google credentials (Credentials)"
    assert [r.url for r in transport.requests] == [f"{COMPOSER_URL}/api/v2/version",
                                                   f"{COMPOSER_URL}/api/v2/dags?limit=1"]
    assert {r.headers["Authorization"] for r in transport.requests} == {"Bearer ya29.from-adc"}


def test_composer_credentials_given_and_their_errors(transport, monkeypatch):
    Airflow(COMPOSER_URL, google_credentials=Credentials(token="ya29.given"), verbose=False)
    assert transport.requests[-1].headers["Authorization"] == "Bearer ya29.given"
    transport.status = 401  # a token-only Credentials cannot be renewed: google-auth's RefreshError
    with pytest.raises(AirflowAuthError, match="could not be renewed"):
        Airflow(COMPOSER_URL, google_credentials=Credentials(token="ya29.expired"), verbose=False)

    def no_credentials(scopes):
        raise DefaultCredentialsError("none")
    monkeypatch.setattr("google.auth.default", no_credentials)
    with pytest.raises(AirflowAuthError, match="gcloud auth application-default login"):
        Airflow(COMPOSER_URL, verbose=False)


@pytest.mark.airflow3
def test_composer_session_against_the_kits_airflow(stack):
    """Composer's own client code, AuthorizedSession, with an Airflow JWT standing in for Google's token."""
    af = Airflow(stack.url, google_credentials=Credentials(token=airflow_token(stack)), verbose=False)
    assert af.auth == "Google credentials (Credentials)"
    assert af.get("/dags", limit=1)["total_entries"] >= 3
    with pytest.raises(AirflowAuthError, match="Airflow refused your Google credentials"):
        Airflow(stack.url, google_credentials=Credentials(token="x"), verbose=False)
