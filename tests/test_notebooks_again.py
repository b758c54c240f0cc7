"""Issue 9, notebooks: each notebook runs again right after nbval ran it (so twice in a row, the first
time after the notebook before it), green, and leaves the stack as it found it before its first run:
what it made (variables, connections, pools, DAG runs) it deletes, the DAGs it paused it unpauses.

conftest.py moves each of these tests to just after the last cell of its notebook and records the
stack's state before the notebook's first cell; run alone (`pytest tests/test_notebooks_again.py`),
each simply runs its notebook once and compares with the state before that."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from apikit.stack import REPO
from conftest import stack_state, state_before_notebook

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_again_and_cleans_up(notebook: Path, af):
    before = state_before_notebook.get(notebook.name) or stack_state(af)
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if a cell fails
    after = stack_state(af)
    changed = {key: {"left behind": sorted(set(after[key]) - set(before[key])),
                     "removed": sorted(set(before[key]) - set(after[key]))}
               for key in before if after[key] != before[key]}
    assert not changed, f"{notebook.name} did not leave the stack as it found it: {changed}"
