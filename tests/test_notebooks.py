"""The notebooks as lessons: as committed (no credential in a source or an output, outputs made on the
default stack, no per-cell execution times), and as run (nbval runs each one in `make test`; conftest.py
records the stack's state before its first cell and after its last one and puts each clean-up test here
right after that last cell).

A learner may stop a lesson anywhere (restart the kernel) and run it again from the top. So before nbval
runs a lesson, conftest.py runs it up to a cell chosen at random and stops it there; nbval's run is then
the run from the top, which must pass (on Airflow 3 with the committed outputs) and leave the stack as the
lesson found it: what it made (variables, connections, pools, DAG runs) deleted, the DAGs it paused
unpaused. What each lesson claims beyond its outputs is checked in its kernel (tests/lessons/)."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from conftest import STOP_SEED, STOPPED_AFTER, lesson_checks, state_after_notebook, state_before_notebook
from helpers import changes
from stacks.paths import REPO
from stacks.stack import DEFAULT_PORT, FAB_PORT

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 9


# --- as committed --------------------------------------------------------------------------------
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
SECRETS = [
    (JWT, "a JWT"),
    # The header's name in code is fine (`{"Authorization": f"Bearer {token}"}`); a value is not.
    (re.compile(r"Authorization['\"]?\s*[:=]\s*['\"]?(Bearer|Basic)\s+[A-Za-z0-9._+/=-]{16,}", re.I),
     "an Authorization header with its value"),
    (re.compile(r"\bBasic [A-Za-z0-9+/]{8,}=*"), "Basic credentials"),
    (re.compile(r"\bBearer [A-Za-z0-9._-]{16,}"), "a Bearer token"),
    (re.compile(r"YWRtaW46YWRtaW4"), "admin:admin in base64"),
    (re.compile(r"\"access_token\"\s*:\s*\"[^\"]{16,}"), "an access_token value"),
]
LOCAL_ADDRESS = re.compile(r"127\.0\.0\.1:(\d+)")


def texts(notebook: dict):
    for n, cell in enumerate(notebook["cells"]):
        yield f"cell {n} source", "".join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            for key in ("text", "data", "traceback", "evalue"):
                if key in output:
                    yield f"cell {n} output", json.dumps(output[key])


def output_texts(notebook: dict):
    for n, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            yield n, json.dumps(output)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_holds_no_credential(path):
    notebook = json.loads(path.read_text())
    found = [f"{where}: {what}" for where, text in texts(notebook) for pattern, what in SECRETS
             if pattern.search(text)]
    assert found == [], f"{path.name} shows credentials: {found}"


def test_the_scan_finds_what_it_looks_for():
    token = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    sample = {"cells": [{"source": "", "outputs": [{"text": f"headers {{'Authorization': 'Bearer {token}'}}"}]}]}
    found = {what for _, text in texts(sample) for pattern, what in SECRETS if pattern.search(text)}
    assert found >= {"a JWT", "an Authorization header with its value", "a Bearer token"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_come_from_the_default_stacks(path):
    """A reader on GitHub sees the addresses `make up` gives: 8080 (Airflow 3), 8082 (Airflow 2) and 8084
    (`make airflow AUTH=fab`).
    (`make notebooks` runs them on private ports and writes these.)"""
    notebook = json.loads(path.read_text())
    ports = {int(port) for _, text in output_texts(notebook) for port in LOCAL_ADDRESS.findall(text)}
    assert ports <= {*DEFAULT_PORT.values(), FAB_PORT}, f"{path.name}: outputs show ports {sorted(ports)}"


# A folder of the machine that ran the notebook (a home, a checkout, a temporary folder): meaningless to
# a reader, and different on theirs (macOS's temporary folder is under /var/folders).
MACHINE_PATH = re.compile(r"(?<![\w.:/])/(tmp|home|Users|root|work|var/folders|private|opt)/")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_hold_no_path_of_a_machine(path):
    found = [f"cell {n}: {m.group(0)}..." for n, text in output_texts(json.loads(path.read_text()))
             for m in MACHINE_PATH.finditer(text)]
    assert found == [], f"{path.name}: outputs show paths of the machine that ran it: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_execution_times(path):
    """Per-cell execution times change at every run: without them a diff shows only what changed."""
    timed = [n for n, cell in enumerate(json.loads(path.read_text())["cells"])
             if "execution" in cell.get("metadata", {})]
    assert timed == [], f"{path.name}: cells {timed} carry execution times (run it with `make notebooks`)"


# --- as run: each leaves the stack as it found it ------------------------------------------------
# Deleting a run the scheduler still holds can stop Airflow 3.3's scheduler (apache/airflow#63926): seen in
# make test when a lesson ended its runs and deleted them in one go. A run a lesson marks failed is deleted
# only after af.wait_for_scheduler() (its next heartbeat); a run it lets finish, after af.wait_for_run().
MARKED_FAILED = re.compile(r'"state": "failed"')  # a run's new state: one PATCH, or the entities of a bulk update
DELETES_A_RUN = re.compile(r'\.delete\([^\n]*/dagRuns/\{[^}]+\}"\)|"action": "delete"')


def deletes_right_after_marking_failed(code: str) -> list[str]:
    """The lines of a cell that delete a run after a line marked one failed, with no wait between them."""
    found, marked = [], False
    for line in code.splitlines():
        if MARKED_FAILED.search(line):
            marked = True
        elif "af.wait_for_scheduler()" in line:
            marked = False
        elif marked and DELETES_A_RUN.search(line):
            found.append(line.strip())
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_run_marked_failed_is_deleted_once_the_scheduler_let_go(path):
    notebook = json.loads(path.read_text())  # its code cells in order, as Run All runs them
    bad = deletes_right_after_marking_failed("\n".join("".join(cell["source"]) for cell in notebook["cells"]
                                                         if cell["cell_type"] == "code"))
    assert not bad, (f"{path.name} deletes a run it has just marked failed; call af.wait_for_scheduler() between "
                     f"the two (apikit/client.py says why): {bad}")


def test_the_run_deletion_check_finds_what_it_looks_for():
    ended = ('af.patch(f"/dags/{dag_id}/dagRuns/{run_id}", json={"state": "failed"})\n'
             'af.delete(f"/dags/{dag_id}/dagRuns/{run_id}")\n')
    assert deletes_right_after_marking_failed(ended)
    bulk = ('{"action": "update", "entities": [{"dag_run_id": RUN_ID, "state": "failed"}]},\n'
            '{"action": "delete", "entities": [RUN_ID]}\n')
    assert deletes_right_after_marking_failed(bulk)
    assert not deletes_right_after_marking_failed(ended.replace("\naf.delete", "\naf.wait_for_scheduler()\naf.delete"))


def test_changes_names_what_was_left_behind():
    before = {"variables": ["a"], "DAG runs": []}
    after = {"variables": ["a", "kit_x"], "DAG runs": []}
    assert changes(before, after) == {"variables": {"left behind": ["kit_x"], "removed": []}}
    assert changes(before, before) == {}


@pytest.mark.live
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_lesson_stopped_anywhere_runs_again_and_leaves_the_stack_as_it_found_it(notebook: Path):
    """Before nbval ran it, conftest.py ran the lesson up to a cell chosen at random and stopped there, as a
    learner who restarts the kernel half-way (a stop after the last cell is a complete run). nbval's run
    from the top then passed (on Airflow 3 with the committed outputs), and left the stack as the lesson
    found it before the stopped run: nothing it made left behind, nothing it paused still paused."""
    before, after = state_before_notebook.get(notebook.name), state_after_notebook.get(notebook.name)
    assert before is not None and after is not None, (
        f"nbval did not run {notebook.name} in this session, so there is nothing to compare: run this "
        f"test together with the notebook (pytest notebooks/{notebook.name} {__file__})")
    assert not changes(before, after), (
        f"{notebook.name}, stopped after cell {STOPPED_AFTER[notebook.name]} (KIT_STOP_SEED={STOP_SEED} "
        f"replays it) and run again, did not leave the stack as it found it: {changes(before, after)}")


# --- what the lessons claim: tests/lessons/ --------------------------------------------------------
CHECKS = sorted((REPO / "tests" / "lessons").glob("*.py"))


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.name)
def test_lesson_checks_name_cells_of_their_lesson(path):
    """Each file of tests/lessons/ is a lesson's, and each of its checks names a code cell of it by id:
    a check whose cell is gone would never run."""
    lesson = REPO / "notebooks" / f"{path.stem}.ipynb"
    assert lesson.exists(), f"{path.name} checks a lesson that does not exist ({lesson.name})"
    ids = {cell.get("id") for cell in json.loads(lesson.read_text())["cells"] if cell["cell_type"] == "code"}
    checks = lesson_checks(lesson.name)
    assert checks, f"{path.name} has no AFTER checks"
    assert set(checks) <= ids, f"{path.name} checks cells that {lesson.name} does not have: {sorted(set(checks) - ids)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_read_on_github(path):
    """GitHub cannot draw a live widget: every widget output carries a picture of it (apikit.widgets.show),
    and no progress bar is left frozen at its first frame ("0task [00:00, ?task/s]")."""
    bare = []
    for n, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data and "text/html" not in data:
                bare.append(f"cell {n}: {''.join(data.get('text/plain', ''))[:60]}")
    assert bare == [], f"{path.name}: widgets GitHub shows as text: {bare}"


WIDEST = 100  # characters in one table column, as GitHub and JupyterLab show a notebook


def unreadable_outputs(cells: list[dict]) -> list[str]:
    """What committed outputs show that does not read: a table column wider than WIDEST characters, `NaN`
    where the API sent null (the course shows a null as None), a pandas `dtype:` line."""
    found = []
    for n, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            table = "".join(data.get("text/html", ""))
            for column in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, re.S):
                text = html.unescape(re.sub(r"<[^>]+>", "", column)).strip()
                if len(text) > WIDEST:
                    found.append(f"cell {n}: a column of {len(text)} characters: {text[:50]}...")
                if text == "NaN":
                    found.append(f"cell {n}: NaN in a table (a null is shown as None)")
            shown = "" if table else "".join(output.get("text", "") or data.get("text/plain", ""))
            for line in shown.splitlines():
                if re.fullmatch(r"(Name: .*, )?(Length: \d+, )?dtype: \w+", line.strip()):
                    found.append(f"cell {n}: a pandas dtype line: {line.strip()}")
                if re.search(r"\bNaN\b", line):
                    found.append(f"cell {n}: NaN in {line.strip()[:60]}")
    return found


def test_the_output_walk_finds_what_does_not_read():
    cells = [{"outputs": [{"data": {"text/html": "<table><tr><td>" + "x" * 101 + "</td><td>NaN</td>"
                                                 "<td>" + "y" * 100 + "</td><td>None</td></tr></table>",
                                    "text/plain": "dtype: object"}}]},
             {"outputs": [{"name": "stdout", "text": "state    NaN\nName: 0, dtype: object\n"}]}]
    assert unreadable_outputs(cells) == [
        f"cell 0: a column of 101 characters: {'x' * 50}...", "cell 0: NaN in a table (a null is shown as None)",
        "cell 1: NaN in state    NaN", "cell 1: a pandas dtype line: Name: 0, dtype: object"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_tables_that_read(path):
    """Every committed output: no table column wider than 100 characters, no NaN for a null, no dtype line."""
    assert unreadable_outputs(json.loads(path.read_text())["cells"]) == []
