"""Reads a folder's JavaScript file (postman/folders/NN_name.js): what Postman needs beyond the notebook's
calls, one section per call. Standard library only; build_collection.py uses it.

    /** The folder: Postman notes (added to its description), then @where / @variable / @airflow3 lines. */

    /** 1 · The request's name                first line: the request's name
     * @call GET /dags/{dag_id}/dagRuns/{run_id}   the notebook's call it belongs to (notebook_calls.py)
     * @status 200                           the status codes its test accepts (optional)
     *
     * A note, added to the description.     (optional)
     *
     * @where run_id = {{rfRunId}}            more tags: see below (optional)
     */
    prerequest: {                            the pre-request script (optional)
      ...
    }
    test: { runStateIs('success', "the run succeeded"); }    the rest of the test script (optional with
                                             @status); a block of one statement may stand on one line

Tags (lines starting with @, anywhere in the comment; an unknown one stops the build): `@call KEY` names
the notebook's call the section belongs to, as notebook_calls.py keys it (its method and path as written,
` in CELL-ID` where the notebook makes it in several cells, ` as NAME` where one cell makes it several
times); the order of the sections does not matter. `@status 200 201`: the test script starts with
`status(200, 201);`; in the folder's comment it holds for every section without one; `@status none`: the
test checks the status itself. `@airflow3`: the pre-request script starts with `airflow3Only();` (the
request skips itself on Airflow 2); in the folder's comment it holds for every section. `@where EXPR =
VALUE`: where the notebook's call has EXPR (a name or an expression as the notebook writes it, or
`/segment`, a segment of its path), the request sends VALUE (`{{aVariable}}`, a literal, or JSON); in the
folder's comment it holds for every section. `@query key=value`: a query parameter only Postman sends.
`@header Name: value`. In the folder's comment also `@variable name = default`: a collection variable
declared with a default.

Each block is a JavaScript block statement with a label, so the file is valid JavaScript (`node --check`)
and each script keeps its own scope, as in the collection, where the builder wraps each script in `{ }`.
Lines starting with // outside the comments and blocks are for the reader only.

A statement in a block that only calls a snippet, e.g. `waitForRuns(...);`, becomes the snippet's lines
(postman/scripts/snippets.js, which every folder shares; a folder file may define its own, each a `function`
with a /** comment */, before its first section, when no other folder needs it). In a snippet, `$name`
stands for the argument of that name, written as it reads where it lands: in code as the call writes it,
inside a string as text (an expression is spliced in with +, a rest parameter joined by " or "), in a
comment as text (an array as its items, an object as its values joined by /).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

BLOCK = re.compile(r"^(prerequest|test): \{( .* \})?$")  # a block, or a block of one statement on one line
FUNCTION = re.compile(r"^function (\w+)\(([^)]*)\) \{$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
FOLDER_TAGS = {"where", "variable", "airflow3", "status"}
SECTION_TAGS = {"call", "status", "airflow3", "where", "query", "header"}
STATUS = re.compile(r"^(none|\d{3}( \d{3})*)$")


class ScriptError(Exception):
    pass


@dataclass
class Snippet:
    name: str
    params: list[str]  # "$a", "...$rest"
    lines: list[str]  # the body, unindented

    @property
    def expression(self) -> str | None:
        """The expression a one-line `return ...;` snippet stands for (used inside another call)."""
        if len(self.lines) == 1 and self.lines[0].startswith("return ") and self.lines[0].endswith(";"):
            return self.lines[0][len("return "):-1]
        return None


@dataclass
class Section:
    name: str
    note: str
    tags: list[tuple[str, str]]
    pre: list[str] | None
    test: list[str] | None
    line: int

    def tag(self, key: str) -> list[str]:
        return [v for k, v in self.tags if k == key]

    @property
    def call(self) -> str | None:
        """The key of the notebook's call this section belongs to (`@call`)."""
        calls = self.tag("call")
        return calls[0] if calls else None


@dataclass
class FolderScripts:
    path: Path
    note: str
    tags: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)
    snippets: dict[str, Snippet] = field(default_factory=dict)

    def tag(self, key: str) -> list[str]:
        return [v for k, v in self.tags if k == key]


# --- reading a file ------------------------------------------------------------------------------------
def doc_comment(lines: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The text lines and (@tag, value) pairs of a /** ... */ comment's inner lines."""
    text, tags = [], []
    for raw in lines:
        line = re.sub(r"^\s*\* ?", "", raw).rstrip()
        match = re.match(r"^@(\w+)(?:\s+(.*))?$", line)
        if match:
            tags.append((match[1], (match[2] or "").strip()))
        else:
            text.append(line)
    while text and not text[-1].strip():
        text.pop()
    while text and not text[0].strip():
        text.pop(0)
    return text, tags


def unwrap(lines: list[str]) -> str:
    """A comment's text as Markdown: paragraphs on one line each (a list item or a table row keeps its own)."""
    paragraphs, current = [], []
    for line in lines + [""]:
        if not line.strip() or line.lstrip().startswith(("- ", "* ", "|")):
            if current:
                paragraphs.append(" ".join(current))
                current = []
            if line.strip():
                paragraphs.append(line.rstrip())
            elif paragraphs and paragraphs[-1] != "":
                paragraphs.append("")
        elif paragraphs and paragraphs[-1].lstrip().startswith(("- ", "* ")) and line.startswith("  "):
            paragraphs[-1] += " " + line.strip()  # a list item's next line
        else:
            current.append(line.strip())
    return "\n".join(paragraphs).replace("\n\n\n", "\n\n").strip()


def check_tags(tags: list[tuple[str, str]], known: set[str], origin: str) -> None:
    for key, value in tags:
        if key not in known:
            raise ScriptError(f"{origin}: unknown tag @{key} (here: {', '.join('@' + k for k in sorted(known))})")
        if key == "status" and not STATUS.match(value):
            raise ScriptError(f"{origin}: `@status {value}`: HTTP status codes, e.g. `@status 204 404`, or `none`")


def read_folder_scripts(path: Path) -> FolderScripts:
    lines = path.read_text().split("\n")
    folder = None
    pending = None  # the section whose blocks follow
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("//"):
            i += 1
            continue
        if line.startswith("/**"):
            end = next(j for j in range(i, len(lines)) if lines[j].rstrip().endswith("*/"))
            inner = [lines[i][3:]] + lines[i + 1:end + 1]
            inner[-1] = inner[-1].rstrip()[:-2]
            text, tags = doc_comment(inner)
            following = next((line for line in lines[end + 1:] if line.strip()), "")
            if folder is not None and FUNCTION.match(following):
                i = end + 1  # a snippet's own comment
                continue
            if folder is None:
                check_tags(tags, FOLDER_TAGS, f"{path.name}:{i + 1}, the folder's comment")
                folder = FolderScripts(path, unwrap(text), tags)
            else:
                if not text:
                    raise ScriptError(f"{path.name}:{i + 1}: a section's comment starts with the request's name")
                note = unwrap(text[1:])
                check_tags(tags, SECTION_TAGS, f"{path.name}:{i + 1}, {text[0].strip()!r}")
                pending = Section(text[0].strip(), note, tags, None, None, i + 1)
                folder.sections.append(pending)
            i = end + 1
            continue
        match = BLOCK.match(line) or FUNCTION.match(line)
        if not match:
            raise ScriptError(f"{path.name}:{i + 1}: expected a /** comment */, `prerequest: {{`, `test: {{` "
                              f"or a snippet `function name(...) {{` at the top level, found {line!r}")
        one_line = match.re is BLOCK and match[2] is not None
        end = i if one_line else next((j for j in range(i + 1, len(lines)) if lines[j] == "}"), None)
        if end is None:
            raise ScriptError(f"{path.name}:{i + 1}: no closing `}}` at the start of a line")
        body = [match[2][1:-2].strip()] if one_line else []
        for j in range(i + 1, end):
            if lines[j] and not lines[j].startswith("  "):
                raise ScriptError(f"{path.name}:{j + 1}: a block's lines are indented by two spaces")
            body.append(lines[j][2:])
        if folder is None:
            raise ScriptError(f"{path.name}: the file starts with the folder's /** comment */")
        if match.re is FUNCTION:
            if folder.sections:
                raise ScriptError(f"{path.name}:{i + 1}: snippets come before the first section")
            params = [p.strip() for p in match[2].split(",") if p.strip()]
            folder.snippets[match[1]] = Snippet(match[1], params, body)
        else:
            if pending is None:
                raise ScriptError(f"{path.name}:{i + 1}: a block before any section's comment")
            if getattr(pending, match[1] if match[1] == "test" else "pre") is not None:
                raise ScriptError(f"{path.name}:{i + 1}: {pending.name!r} has two {match[1]} blocks")
            setattr(pending, "test" if match[1] == "test" else "pre", body)
        i = end + 1
    if folder is None:
        raise ScriptError(f"{path.name}: empty")
    return folder


def read_snippets(path: Path) -> dict[str, Snippet]:
    """The snippets of a file of snippets (top-level `function`s, each with a /** comment */)."""
    snippets = {}
    lines = path.read_text().split("\n")
    for i, line in enumerate(lines):
        match = FUNCTION.match(line)
        if match:
            end = next(j for j in range(i + 1, len(lines)) if lines[j] == "}")
            params = [p.strip() for p in match[2].split(",") if p.strip()]
            snippets[match[1]] = Snippet(match[1], params, [line[2:] for line in lines[i + 1:end]])
    return snippets


# --- expanding snippets -----------------------------------------------------------------------------------
@dataclass
class Arg:
    kind: str  # str, num, json, expr
    text: str  # as written (expr: after expanding snippets in it)
    value: object = None  # str: the content; json: the value


def code_chars(text: str, start: int = 0):
    """(position, character, depth) of each character of `text` from `start` that is not inside a string;
    depth counts the brackets open before it (a closing bracket counts as closed)."""
    depth, quote, i = 0, None, start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
        else:
            depth -= c in ")]}"
            yield i, c, depth
            depth += c in "([{"
        i += 1


def split_args(text: str) -> list[str]:
    """The arguments of a call, split at the commas between them."""
    cuts = [i for i, c, depth in code_chars(text) if c == "," and depth == 0]
    args = [text[a + 1:b].strip() for a, b in zip([-1] + cuts, cuts + [len(text)])]
    return args[:-1] if not args[-1] else args


def parse_arg(text: str, snippets: dict[str, Snippet]) -> Arg:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return Arg("str", text, re.sub(r"\\(.)", r"\1", text[1:-1]))
    if NUMBER.match(text):
        return Arg("num", text)
    if text[0] in "[{":
        try:
            return Arg("json", json.dumps(json.loads(text), ensure_ascii=False), json.loads(text))
        except json.JSONDecodeError:
            pass
    match = re.match(r"^(\w+)\((.*)\)$", text, re.S)
    if match and match[1] in snippets and snippets[match[1]].expression is not None:
        return Arg("expr", expand_expression(snippets[match[1]], match[2], snippets))
    return Arg("expr", text)


def as_code(arg: Arg) -> str:
    return arg.text


def as_string(arg: Arg, quote: str) -> str:
    if arg.kind == "str":
        return arg.value
    if arg.kind == "expr":
        return f"{quote} + {arg.text} + {quote}"
    return arg.text


def as_comment(arg: Arg) -> str:
    if arg.kind == "str":
        return arg.value
    if arg.kind == "json" and isinstance(arg.value, list):
        return ", ".join(v if isinstance(v, str) else "/".join(map(str, v.values())) if isinstance(v, dict)
                         else json.dumps(v) for v in arg.value)
    return arg.text


def bind(snippet: Snippet, args: list[Arg]) -> dict[str, list[Arg]]:
    """Each parameter's arguments (one, or the rest)."""
    bound = {}
    for n, param in enumerate(snippet.params):
        if param.startswith("..."):
            bound[param[3:]] = args[n:]
            break
        if n >= len(args):
            raise ScriptError(f"{snippet.name}(): no argument for {param}")
        bound[param] = [args[n]]
    else:
        if len(args) > len(snippet.params):
            raise ScriptError(f"{snippet.name}(): {len(args)} arguments for {len(snippet.params)} parameters")
    return bound


def fill(line: str, bound: dict[str, list[Arg]], rest: set[str]) -> str:
    """One line of a snippet with its $parameters replaced, each as it reads where it is."""
    names = sorted(bound, key=len, reverse=True)
    out, i, quote, comment = [], 0, None, False
    while i < len(line):
        c = line[i]
        if c == "$":
            name = next((n for n in names if line.startswith(n, i)), None)
            if name:
                args = bound[name]
                if comment:
                    texts, joiner = [as_comment(a) for a in args], ", "
                elif quote:
                    texts, joiner = [as_string(a, quote) for a in args], " or "
                else:
                    texts, joiner = [as_code(a) for a in args], ", "
                out.append(joiner.join(texts) if name in rest else texts[0])
                i += len(name)
                continue
        if not comment:
            if quote:
                if c == "\\":
                    out.append(line[i:i + 2])
                    i += 2
                    continue
                if c == quote:
                    quote = None
            elif c in "'\"`":
                quote = c
            elif line.startswith("//", i):
                comment = True
        out.append(c)
        i += 1
    return "".join(out)


def expand_expression(snippet: Snippet, args_text: str, snippets) -> str:
    args = [parse_arg(a, snippets) for a in split_args(args_text)]
    rest = {p[3:] for p in snippet.params if p.startswith("...")}
    return fill(snippet.expression, bind(snippet, args), rest)


def call_at(lines: list[str], i: int, snippets: dict[str, Snippet]) -> tuple[Snippet, str, int] | None:
    """A statement from line i that only calls a snippet: (snippet, its arguments' text, its last line)."""
    match = re.match(r"^\s*(\w+)\(", lines[i])
    if not match or match[1] not in snippets:
        return None
    text = "\n".join(lines[i:])
    start = text.index("(") + 1
    j = next((k for k, _, depth in code_chars(text, start) if depth < 0), len(text)) + 1  # after its `)`
    if not text[j:].startswith(";"):
        return None
    last = i + text[:j].count("\n")
    if text[j + 1:].split("\n", 1)[0].strip():
        raise ScriptError(f"{match[1]}(): more code after the call on its line")
    return snippets[match[1]], text[start:j - 1], last


def expand(lines: list[str], snippets: dict[str, Snippet]) -> list[str]:
    """The lines of a block with each statement that calls a snippet replaced by the snippet's lines."""
    out, i = [], 0
    while i < len(lines):
        found = call_at(lines, i, snippets)
        if not found:
            out.append(lines[i])
            i += 1
            continue
        snippet, args_text, last = found
        if snippet.expression is not None:
            raise ScriptError(f"{snippet.name}() stands for an expression: use it as an argument")
        indent = re.match(r"^\s*", lines[i])[0]
        args = [parse_arg(a, snippets) for a in split_args(args_text)]
        bound = bind(snippet, args)
        rest = {p[3:] for p in snippet.params if p.startswith("...")}
        body = expand([fill(line, bound, rest) for line in snippet.lines], snippets)
        out += [indent + line if line else line for line in body]
        i = last + 1
    return out
