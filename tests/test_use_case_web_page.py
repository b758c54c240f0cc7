"""The web-page use case: headless Chromium opens the static page of use_cases/web_page/ (served on a port
of its own, so another origin than Airflow's), signs in and lists the DAGs with `fetch`. Without CORS
settings (the session's stack, as the kit's Airflow runs) the browser blocks the calls and the page says
so; on a throwaway stack whose `[api] access_control_allow_*` allow the page's origin, the page lists the
DAGs. Airflow 3: the page signs in with POST /auth/token."""
from __future__ import annotations

import importlib.util

import psutil
import pytest

from conftest import fresh_stack
from helpers import launch_chromium, serving
from stacks.paths import REPO

pytestmark = [pytest.mark.airflow3, pytest.mark.live]


def load_server_module():
    spec = importlib.util.spec_from_file_location("web_page_server", REPO / "use_cases" / "web_page" / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


server = load_server_module()


@pytest.fixture(scope="module")
def page_url():
    with serving(server.make_server(0)) as url:  # a free port, on 127.0.0.1
        yield url


@pytest.fixture(scope="module")
def cors_stack(page_url):
    """A throwaway Airflow that allows the page's origin, and only the methods and headers the page uses."""
    stack = fresh_stack("cors", major="3", extra_env=server.cors_settings(page_url))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop(quiet=True)


def list_dags_in_the_browser(page_url: str, airflow_url: str) -> tuple[str, list[str], list[str]]:
    """What the page shows after signing in to `airflow_url` (its status line and its list), and the
    browser console's errors."""
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(page_url)
            page.fill("#airflow", airflow_url)
            page.fill("#username", "admin")
            page.fill("#password", "admin")
            page.click("#list")
            page.wait_for_function("!document.getElementById('status').textContent.endsWith('...')",
                                   timeout=60_000)
            return page.inner_text("#status"), page.locator("#dags li").all_inner_texts(), errors
        finally:
            browser.close()


def test_page_server_listens_on_loopback_only_and_serves_only_the_page(page_url):
    import requests

    port = int(page_url.rsplit(":", 1)[1])
    listening = [c.laddr.ip for c in psutil.Process().net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening == ["127.0.0.1"], listening
    assert requests.get(f"{page_url}/app.js", timeout=10).ok
    assert requests.get(f"{page_url}/server.py", timeout=10).status_code == 404


def test_without_cors_settings_the_browser_blocks_the_page(stack, page_url):
    status, dags, errors = list_dags_in_the_browser(page_url, stack.url)
    assert status.startswith(f"The browser blocked the call to {stack.url}"), status
    assert dags == []
    assert any("blocked by CORS policy" in e and "No 'Access-Control-Allow-Origin'" in e for e in errors), errors


def test_with_cors_settings_the_page_lists_the_dags(cors_stack, page_url):
    status, dags, errors = list_dags_in_the_browser(page_url, cors_stack.url)
    assert status.endswith(" DAGs") and {"api_dag", "dependent_dag", "random_failures"} <= set(dags), (status, errors)
    assert dags == sorted(dags) and errors == []
