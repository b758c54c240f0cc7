"""`make up`'s JupyterLab (stacks/jupyter.py), as a learner meets it in a browser: the first lesson open,
no question or notice to dismiss, and its first code cell runs at once. Headless Chromium drives it, on a
copy of notebooks/ (running a cell changes a notebook, and JupyterLab saves what changed)."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys

import pytest
import requests

from conftest import free_port
from helpers import launch_chromium, wait_until
from stacks.paths import REPO

pytestmark = [pytest.mark.live, pytest.mark.airflow3]  # JupyterLab runs from .venv: once, in the 3.x pass
FIRST_LESSON = "10_connect.ipynb"


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab as `make up` starts it, on a copy of the lessons; its address with the token."""
    notebooks = shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_PORT": str(port), "JUPYTER_TOKEN": token, "KIT_HOME": str(tmp_path / "home"),
           "AIRFLOW_URL": f"http://127.0.0.1:{free_port()}",  # no Airflow: the first cell says how to start one
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}  # the learner's own are never read
    lab = subprocess.Popen([sys.executable, "-m", "stacks.jupyter", "--notebooks", str(notebooks)], cwd=REPO,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok
        except requests.RequestException:
            return lab.poll() is not None  # exited: the assertion below says so

    try:
        wait_until(answers, 120, what="JupyterLab to answer")
        assert lab.poll() is None, "JupyterLab exited at start-up"
        yield f"{url}/?token={token}"
    finally:
        subprocess.run([sys.executable, "-m", "stacks.jupyter", "stop"], cwd=REPO, env=env, timeout=60,
                       stdout=subprocess.DEVNULL)
        lab.wait(30)


def first_code_cell(notebook) -> int:
    return next(n for n, cell in enumerate(json.loads(notebook.read_text())["cells"]) if cell["cell_type"] == "code")


def test_jupyterlab_opens_the_first_lesson_with_nothing_to_dismiss(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(jupyterlab, wait_until="domcontentloaded", timeout=180_000)  # a busy machine is slow
            tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
            expect(tab).to_have_text(FIRST_LESSON, timeout=120_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_be_attached(
                timeout=300_000)  # the kernel has started (minutes on a busy machine)
            page.wait_for_timeout(5_000)  # JupyterLab asks its questions once it has restored its layout
            notices = page.locator(".jp-toast-message, .jp-Dialog").all_inner_texts()
            assert notices == [], f"a learner must first dismiss: {notices}"
            # As the lesson says: run the cells from the top with Shift-Enter, up to the first code cell.
            page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
            for _ in range(first_code_cell(REPO / "notebooks" / FIRST_LESSON) + 1):
                page.keyboard.press("Shift+Enter")
                page.wait_for_timeout(1_000)  # as a person presses it: each press acts on the cell it lands on
            expect(page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-InputArea-prompt")).to_have_text(
                "[1]:", timeout=300_000)
        finally:
            browser.close()
