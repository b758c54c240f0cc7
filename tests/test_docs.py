"""What the docs say agrees with the tree: the README is one screen a newcomer reads first; every page
the docs link to and every file path the docs and the tests name exists; the tables of lessons, Postman
folders, DAGs, test files, settings and commands list what the tree has, no more and no less; and the
README names every tool the commands need, as `make doctor` installs them."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pathspec
import pytest

from helpers import load_collection
from scripts import doctor  # scripts/doctor.py
from stacks.paths import REPO
from stacks.stack import dag_ids

README = REPO / "README.md"
PAGES = [README, REPO / "CONTRIBUTING.md", REPO / "use_cases" / "README.md", REPO / "postman" / "README.md",
         *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")
CODE = re.compile(r"^```.*?^```", re.M | re.S)
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def links(text: str) -> list[str]:
    """The targets of the Markdown links of `text`, outside code blocks."""
    return [target for target, _ in LINK.findall(CODE.sub("", text))]


def table(text: str, heading: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row starts with `| heading |`, as lists of cells."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(f"| {heading} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def code_names(cell: str) -> list[str]:
    """What a table cell names in `backticks`."""
    return re.findall(r"`([^`]+)`", cell)


# --- the README -------------------------------------------------------------------------------------
def test_readme_fits_one_screen():
    assert len(README.read_text().splitlines()) <= 150


def test_readme_quickstart_is_the_two_commands():
    quickstart = README.read_text().split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", quickstart, re.M)
    assert commands == ["up", "test"]


def packages(fix: str) -> set[str]:
    """The packages a fix installs: the words after `apt-get install` and `brew install [--cask]`."""
    return {word for found in re.findall(r"(?:apt-get|brew) install ((?:--cask )?[\w@.+-]+(?: [\w@.+-]+)*)", fix)
            for word in found.split() if word != "--cask"}


def test_readme_names_every_tool_the_commands_need_and_how_to_install_it():
    """`make doctor` checks what `make up`, `make check` and `make test` need; the README's "You need" names
    each tool and every package that installs it (apt-get and brew)."""
    you_need = README.read_text().split("**You need**", 1)[1].split("\n\n", 1)[0]
    words = set(re.findall(r"[\w@.+-]+", you_need))
    tools = [*doctor.TOOLS, doctor.Tool("Chromium", "chromium", "", doctor.CHROMIUM_FIX)]
    fixes = [doctor.PYTHON_FIX, doctor.MAKE_FIX, doctor.INSTALLER_FIX, *(tool.fix for tool in tools)]
    wanted = {tool.name.split()[0] for tool in tools} | {"make", "uv", "venv", "xcode-select"} | \
        set().union(*map(packages, fixes))
    assert len(wanted) > 12 and wanted <= words, f"the README's \"You need\" does not name {wanted - words}"


def test_packages_are_read_from_a_fix():
    assert packages("apt-get install nodejs npm, or brew install node") == {"nodejs", "npm", "node"}
    assert packages(doctor.CHROMIUM_FIX) == {"chromium"}


# --- links and paths -------------------------------------------------------------------------------
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


# A path in the kit: it starts with a name at the top of the checkout (docs/, tests/, Makefile, ...).
TOP = sorted({p.name for p in REPO.iterdir() if p.name != ".git"}, key=len, reverse=True)
PATH = re.compile(r"(?<![\w./~{$@:-])((?:" + "|".join(map(re.escape, TOP)) + r")/[\w.*{}<>-]*(?:/[\w.*{}<>-]+)*/?)")
IGNORED = pathspec.GitIgnoreSpec.from_lines((REPO / ".gitignore").read_text().splitlines())
WRITINGS = [README, REPO / "CONTRIBUTING.md", REPO / "postman" / "README.md", *sorted((REPO / "docs").glob("*.md")),
            *sorted(p for p in (REPO / "tests").rglob("*") if p.suffix in (".py", ".md", ".cfg"))]
# Paths the tests name that are not the kit's, on purpose: each with what it is.
NOT_THE_KITS = {
    "postman/x.json": "tests/test_astro.py: a file the Astro image must leave out",
    "use_cases/lambda/x.py": "tests/test_compose.py: a path in a made-up notebook cell",
    "notebooks/99_test.ipynb": "tests/test_postman.py: a made-up lesson",
    "postman/folders/99_test.js": "tests/test_postman.py: the made-up lesson's folder",
    "dags/dependent_dag/dagRuns": "tests/test_triggering.py: part of an API path in an error message",
    "dags/dependent_dag": "docs/mcp.md: part of an API path in the MCP server's error message",
    "scripts/download-compose-schema.ts": "tests/data/README.md: a file of the npm package dclint",
    "docs/nowhere.md": "tests/test_docs.py: the broken link the link check must see",
    "docs/not-there.md": "tests/test_docs.py: a missing path the path check must see",
    "tests/test_nowhere.py": "tests/test_docs.py: a missing path the path check must see",
    "scripts/nowhere.js": "tests/test_docs.py: a missing path the path check must see",
    "scripts/after.js": "tests/test_docs.py: postman/scripts/after.js named outside its folder's listing",
    "scripts/snippets.js": "tests/test_docs.py: postman/scripts/snippets.js in a listing, within a string",
}


def as_glob(path: str) -> str:
    """A path as written, its placeholders (NN_name, airflowN, {major}, <template>, *) made glob wildcards."""
    path = re.sub(r"\{[^}]*\}|<[^>]*>", "*", path)
    path = re.sub(r"(?<![A-Za-z])NN_name", "[0-9][0-9]_*", path)
    return re.sub(r"(?<=[a-z])N(?=[._/-]|$)", "[0-9]", path)


def missing_paths(text: str) -> list[str]:
    """The paths in the kit that `text` names and the tree does not have: neither the path, nor (for a
    pattern) a file it matches, nor a path git ignores (made when the kit runs: .airflow/, node_modules/).
    In an indented listing (a code block's tree), a line's path can also be under the folder above it."""
    missing, folders = [], {}  # indentation -> the folder a listing's line at that indentation names
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        folders = {i: f for i, f in folders.items() if i < indent}
        first = line.split()[0] if line.split() else ""
        if first.endswith("/"):
            folders[indent] = "".join(folders[i] for i in sorted(folders)) + first
        for path in (p.rstrip(".,:;") for p in PATH.findall(line)):
            under = "".join(folders[i] for i in sorted(folders) if i < indent)
            candidates = [path, under + path] if under else [path]
            if not any(list(REPO.glob(as_glob(c).rstrip("/"))) or IGNORED.match_file(c)
                       or IGNORED.match_file(c.rstrip("/") + "/") for c in candidates):
                missing.append(path)
    return missing


@pytest.mark.parametrize("writing", WRITINGS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_path_named_exists(writing: Path):
    missing = [path for path in missing_paths(writing.read_text()) if path not in NOT_THE_KITS]
    assert missing == [], f"{writing.relative_to(REPO)} names paths the kit does not have: {missing}"


def test_the_path_check_sees_a_missing_path():
    text = ("See docs/not-there.md, docs/testing.md and notebooks/NN_name.ipynb, `requirements/airflowN.lock`,\n"
            "the stack's home in .airflow/airflow3/, tests/test_nowhere.py and scripts/ (the folder).\n"
            "```\npostman/\n  scripts/snippets.js   under postman/\n  scripts/nowhere.js\nscripts/after.js\n```\n")
    assert missing_paths(text) == ["docs/not-there.md", "tests/test_nowhere.py", "scripts/nowhere.js",
                                   "scripts/after.js"]


def test_what_the_tests_name_on_purpose_is_still_named():
    """NOT_THE_KITS lists only what a test still names, and nothing of the kit's own."""
    text = "\n".join(p.read_text() for p in WRITINGS)
    assert [p for p in NOT_THE_KITS if p not in text or (REPO / p).exists()] == []


# --- tables ----------------------------------------------------------------------------------------
def notebooks_airflow_3_only() -> set[str]:
    """The lessons whose introduction says "**Airflow 3 only**" (conftest skips them on Airflow 2)."""
    return {p.stem for p in NOTEBOOKS
            if "**Airflow 3 only**" in "".join(json.loads(p.read_text())["cells"][0]["source"])}


def test_readme_lists_every_notebook():
    rows = table(README.read_text(), "notebook")
    assert [code_names(row[0])[0] for row in rows] == [p.stem for p in NOTEBOOKS]
    assert {code_names(row[0])[0] for row in rows if "(Airflow 3 only)" in row[3]} == notebooks_airflow_3_only()
    assert all(row[2].isdigit() for row in rows), "each lesson's minutes, a number"


def test_the_airflow_2_page_names_the_notebooks_that_stop_on_2():
    sentence = (REPO / "docs" / "airflow2.md").read_text().split("The notebooks marked *Airflow 3 only*", 1)[1]
    named = set(re.findall(r"`(\d\d_\w+)`", sentence.split("stop at their", 1)[0]))
    assert named == notebooks_airflow_3_only()


def test_postman_readme_lists_every_folder():
    """One row per folder of the collection, in its order, with the folder's own notebook."""
    rows = table((REPO / "postman" / "README.md").read_text(), "folder")
    assert [row[0] for row in rows] == [folder["name"] for folder in load_collection()["item"]]
    notebooks = {p.name[:2]: f"notebooks/{p.name}" for p in NOTEBOOKS}
    assert [code_names(row[1])[0] for row in rows] == [notebooks.get(row[0][:2]) for row in rows]


def test_the_dags_page_lists_every_dag():
    """Every DAG a file of dags/ defines, also under an `if` (a DAG for Airflow 3 only)."""
    defined = {dag_id for path in (REPO / "dags").glob("*.py")
               for node in ast.walk(ast.parse(path.read_text())) for dag_id in dag_ids(node)}
    listed = [code_names(row[0])[0] for row in table((REPO / "docs" / "dags.md").read_text(), "DAG")]
    assert len(defined) >= 13 and sorted(listed) == sorted(defined)


def test_the_testing_page_lists_every_test_file():
    """docs/testing.md's table names each tests/test_*.py, by name or by a pattern (`test_use_case_*.py`)."""
    names = [name for row in table((REPO / "docs" / "testing.md").read_text(), "file")
             for name in code_names(row[0]) if "/" not in name]
    listed = [p.name for name in names for p in sorted((REPO / "tests").glob(name))]
    assert sorted(listed) == sorted(p.name for p in (REPO / "tests").glob("test_*.py"))


def env_example() -> dict[str, str]:
    return dict(line.split("=", 1) for line in (REPO / ".env.example").read_text().splitlines()
                if re.match(r"[A-Z_0-9]+=", line))


def test_the_settings_page_lists_every_setting_with_its_default():
    """docs/settings.md's settings are .env.example's, with the same defaults where the file gives one."""
    documented = {}
    for row in table((REPO / "docs" / "settings.md").read_text(), "variable"):
        names, defaults = code_names(row[0]), row[1].split(" / ")
        documented.update(zip(names, defaults if len(defaults) == len(names) else defaults * len(names)))
    example = env_example()
    assert sorted(documented) == sorted(example)
    assert {k: documented[k] for k, v in example.items() if v} == {k: f"`{v}`" for k, v in example.items() if v}


def test_the_settings_page_lists_every_make_command():
    """docs/settings.md's commands are the Makefile's targets that `make help` lists."""
    targets = re.findall(r"^([a-z-]+):.*## ", (REPO / "Makefile").read_text(), re.M)
    commands = [code_names(row[0])[0] for row in table((REPO / "docs" / "settings.md").read_text(), "command")]
    assert len(targets) >= 14 and sorted(commands) == sorted(f"make {t}" for t in targets)
