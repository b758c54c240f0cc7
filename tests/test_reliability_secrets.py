"""Issue 9, secrets: the committed notebooks show no credential (outputs nor sources)."""
from __future__ import annotations

import json
import re

import pytest

from apikit.stack import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
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


def texts(notebook: dict):
    for n, cell in enumerate(notebook["cells"]):
        yield f"cell {n} source", "".join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            for key in ("text", "data", "traceback", "evalue"):
                if key in output:
                    yield f"cell {n} output", json.dumps(output[key])


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 7


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
