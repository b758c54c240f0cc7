"""The report `make test` prints at its end: where its time went, in seconds per test file (each notebook
apart) for each Airflow version, read from the JUnit reports the last `make test` wrote in .airflow-test/
(airflow3-tests.xml, airflow3-stacks.xml and airflow3-lessons.xml, Airflow 3's three parts; airflow2-*.xml).
Run it alone to see the last run's again:

    .venv/bin/python scripts/test_report.py [--rows 12] [--home .airflow-test]

A test's time includes its fixtures' set-up and tear-down, so a shared stack's start counts in the
first test of the pytest that needs it. The pytests run at the same time on the same cores: a figure is
wall time within its own pytest, not CPU time, and a version's "in all" adds up those of its parts.
"""
from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAMES = {"3": "Airflow 3", "2": "Airflow 2.11"}


def seconds_per_file(home: Path, major: str) -> dict[str, float] | None:
    """{test file or notebook: seconds} from the JUnit reports of one version: airflowN.xml, or one per part
    (airflow3-tests.xml, airflow3-stacks.xml, ...: a version's pytests in the whole suite); None if none."""
    reports = [*home.glob(f"airflow{major}.xml"), *home.glob(f"airflow{major}-*.xml")]
    if not reports:
        return None
    found: dict[str, float] = defaultdict(float)
    for report in reports:
        for case in ET.parse(report).getroot().iter("testcase"):
            found[case.get("file", "?")] += float(case.get("time") or 0)  # junit_family=xunit1 names the file
    return dict(found)


def table(columns: dict[str, dict[str, float]], rows: int) -> str:
    files = sorted({f for c in columns.values() for f in c}, key=lambda f: -max(c.get(f, 0) for c in columns.values()))
    shown, others = files[:rows], files[rows:]
    width = max([len(f) for f in shown] + [16])

    def line(label: str, figures: list[float | None]) -> str:
        return f"  {label:<{width}}" + "".join(f"{'-':>14}" if x is None else f"{x:>13.0f}s" for x in figures)

    lines = [f"  {'':<{width}}" + "".join(f"{name:>14}" for name in columns)]
    lines += [line(f, [c.get(f) for c in columns.values()]) for f in shown]
    if others:
        lines.append(line(f"the other {len(others)}", [sum(c.get(f, 0) for f in others) for c in columns.values()]))
    lines.append(line("in all", [sum(c.values()) for c in columns.values()]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=REPO / ".airflow-test", help="make test's KIT_TEST_HOME")
    parser.add_argument("--rows", type=int, default=12, help="how many files to show (the slowest)")
    args = parser.parse_args(argv)
    columns = {NAMES[m]: column for m in NAMES if (column := seconds_per_file(args.home, m)) is not None}
    if not columns:
        print(f"No JUnit report in {args.home}: run `make test` first.", file=sys.stderr)
        return 1
    print("Where the suite's time went, per file (fixtures included):")
    print(table(columns, args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
