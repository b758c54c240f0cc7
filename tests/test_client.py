"""The client helper against the live stack: each way of signing in, and each error a learner meets."""
import http.server
import threading

import pytest
import requests

from apikit import Airflow, AirflowAPIError, AirflowAuthError, AirflowError, AirflowNotRunning
from conftest import free_port


@pytest.mark.airflow3
def test_jwt_sign_in(stack):
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    assert (af.version, af.api) == (stack.version, "/api/v2")
    assert af.auth.startswith("JWT")
    assert af.session.headers["Authorization"].startswith("Bearer ey")


@pytest.mark.airflow2
def test_basic_sign_in(stack):
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    assert (af.version, af.api, af.auth) == (stack.version, "/api/v1", "basic (admin)")


def test_url_with_api_prefix_still_works(stack):
    assert Airflow(f"{stack.url}/api/v{2 if stack.major == '3' else 1}/", verbose=False).url == stack.url


def test_wrong_password_says_what_to_check(stack):
    with pytest.raises(AirflowAuthError, match="AIRFLOW_PASSWORD"):
        Airflow(stack.url, "admin", "not-the-password")


def test_airflow_not_running_says_how_to_start_it():
    with pytest.raises(AirflowNotRunning, match="make airflow"):
        Airflow(f"http://127.0.0.1:{free_port()}")


def test_a_server_that_is_not_airflow():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(AirflowError, match="not the Airflow API"):
            Airflow(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.airflow3
def test_api_v1_on_airflow_3_points_to_v2(af):
    with pytest.raises(AirflowAPIError, match="use /api/v2/dags") as err:
        af.get("/api/v1/dags")
    assert err.value.status == 404


def test_http_errors_carry_airflows_detail(af):
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/no_such_dag/dagRuns", json={"logical_date": None} if af.major >= 3 else {})
    assert err.value.status == 404 and "no_such_dag" in str(err.value)


@pytest.mark.airflow3
def test_validation_errors_name_the_field(af):
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/dependent_dag/dagRuns", json={"conf": {}})  # 3.x requires logical_date
    assert err.value.status == 422 and "logical_date" in str(err.value)


@pytest.mark.airflow2
def test_airflow_2_rejects_null_logical_date(af):
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/dependent_dag/dagRuns", json={"logical_date": None})
    assert err.value.status == 400


@pytest.mark.airflow3
def test_static_token(stack):
    token = requests.post(f"{stack.url}/auth/token", json={"username": "admin", "password": "admin"},
                          timeout=10).json()["access_token"]
    af = Airflow(stack.url, token=token, verbose=False)
    assert af.auth == "token (AIRFLOW_TOKEN)"
    assert any(d["dag_id"] == "dependent_dag" for d in af.items("/dags"))
    with pytest.raises(AirflowAuthError, match="AIRFLOW_TOKEN"):
        Airflow(stack.url, token=token[:-4] + "AAAA")


@pytest.mark.airflow3
def test_expired_jwt_is_renewed(stack):
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    af.session.headers["Authorization"] = "Bearer expired.or.tampered"
    assert af.get("/dags", limit=1)["total_entries"] >= 3
    assert af.session.headers["Authorization"] != "Bearer expired.or.tampered"


def test_items_follow_pages(af):
    assert {d["dag_id"] for d in af.items("/dags", page_size=1)} >= {"api_dag", "dependent_dag",
                                                                      "random_failures"}


def test_table_has_the_asked_columns(af):
    frame = af.table("/dags", columns=["dag_id", "is_paused"])
    assert list(frame.columns) == ["dag_id", "is_paused"]
    assert {"api_dag", "dependent_dag", "random_failures"} <= set(frame["dag_id"])


def test_verbose_calls_show_method_path_status(af, capsys):
    af.verbose = True
    try:
        af.get("/version")
    finally:
        af.verbose = False
    assert capsys.readouterr().out.strip() == f"GET {af.api}/version -> 200"
