"""The README is one screen a newcomer reads first, and every page it and docs/ link to exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from stacks.paths import REPO

README = REPO / "README.md"
PAGES = [README, REPO / "CONTRIBUTING.md", REPO / "use_cases" / "README.md", REPO / "postman" / "README.md",
         *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")
CODE = re.compile(r"^```.*?^```", re.M | re.S)


def links(text: str) -> list[str]:
    """The targets of the Markdown links of `text`, outside code blocks."""
    return [target for target, _ in LINK.findall(CODE.sub("", text))]


def test_readme_fits_one_screen():
    assert len(README.read_text().splitlines()) <= 150


def test_readme_lists_every_notebook():
    listed = set(re.findall(r"^\| `(\d\d_[a-z0-9_]+)`", README.read_text(), re.M))
    assert listed == {p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}


def test_readme_quickstart_is_the_two_commands():
    quickstart = README.read_text().split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", quickstart, re.M)
    assert commands == ["up", "test"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(page: Path):
    missing = [target for target in links(page.read_text())
               if not target.startswith(("http://", "https://", "mailto:"))
               and not (page.parent / target).exists()]
    assert missing == [], f"{page.relative_to(REPO)} links to files that do not exist: {missing}"


def test_the_link_check_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('See [the docs](docs/nowhere.md) and [a section](#here).\n```\nx = d["k"](1)\n```\n')
    assert links(page.read_text()) == ["docs/nowhere.md"]
