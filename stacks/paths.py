"""Where the kit is and where it keeps its stacks: defined here once, imported by everything else."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The local stacks' homes (database, logs, settings) and JupyterLab's record.
KIT_HOME = Path(os.environ.get("KIT_HOME") or REPO / ".airflow").resolve()
# The test suite's stacks and its migrated database templates (conftest.py, scripts/run_notebooks.py).
TEST_HOME = Path(os.environ.get("KIT_TEST_HOME") or REPO / ".airflow-test").resolve()
