"""`make specs`: Airflow's REST API document (OpenAPI) of two releases, as each ships it in its
apache-airflow-core wheel, into specs/airflow-VERSION.openapi.yaml, byte for byte. Lesson 61 compares them;
tests/test_openapi_specs.py checks that the kit's Airflow 3 serves the newer one at /openapi.json.

The releases: OLDER, pinned here, and the kit's Airflow 3, pinned in requirements/airflow3.in.
pip downloads the wheels (PYTHON, default python3, needs pip), without their dependencies."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from stacks.paths import REPO
from stacks.stack import airflow_version_pinned

OLDER = "3.2.2"  # the release lesson 61 compares the kit's Airflow 3 with
VERSIONS = [OLDER, airflow_version_pinned("3")]
SPECS = REPO / "specs"
IN_THE_WHEEL = "airflow/api_fastapi/core_api/openapi/v2-rest-api-generated.yaml"


def spec_path(version: str) -> Path:
    return SPECS / f"airflow-{version}.openapi.yaml"


def main() -> int:
    python = os.environ.get("PYTHON") or "python3"
    if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        print(f"make specs needs pip for {python} (python3 -m ensurepip, or apt-get install python3-pip).",
              file=sys.stderr)
        return 1
    documents = {}
    with tempfile.TemporaryDirectory() as wheels:
        for version in VERSIONS:
            print(f"apache-airflow-core {version}: downloading its wheel ...")
            subprocess.run([python, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                            "-d", wheels, f"apache-airflow-core=={version}"], check=True)
            with zipfile.ZipFile(Path(wheels) / f"apache_airflow_core-{version}-py3-none-any.whl") as wheel:
                documents[version] = wheel.read(IN_THE_WHEEL)
    for old in SPECS.glob("airflow-*.openapi.yaml"):  # a release no longer compared
        old.unlink()
    for version, document in documents.items():
        spec_path(version).write_bytes(document)
        print(f"wrote {spec_path(version).relative_to(REPO)} ({len(document):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
