"""The API calls of a notebook, read from its code without running it: what build_collection.py makes
the collection's requests of. Standard library only.

The calls, in order: in each code cell, in source order, `af.get/post/put/patch/delete/table/items(PATH,
...)` and raw `requests.get/post/...(f"{api}/..." or f"{af.url}/api/..." or f"{af.url}/auth/...")`; where
the code branches on `af.major`, only the Airflow 3 branch; each call site once (in a loop, in a function).
Any other `af.<name>(...)` (but the helpers in HELPERS), and an af call whose PATH is not a string or an
f-string starting with "/", is a call the reader cannot read: `Notebook.unreadable`, which stops the build.

Each call has a key, which the section of the folder's .js file that belongs to it names (`@call`): its
method and its path as the notebook writes it (`GET /dags/{dag_id}`, `POST {af.url}/auth/token`); where the
notebook makes that call in more than one cell, then ` in CELL-ID`; where that cell makes it more than once,
then ` as NAME`, the name its answer is stored in (`stuck = af.post(...)`).

Each call's arguments are evaluated with the values the notebook's own code gives them: constants,
dicts and f-strings built from them, `af.major` as 3 (the collection is written for Airflow 3). A value
the notebook only has when it runs (a run id Airflow answered, a loop variable, a function's parameter)
is a `Runtime`; the folder's .js file names the collection variable that stands for it (`@where`).
"""
from __future__ import annotations

import ast
import copy
import json
import operator
import re
import types
from dataclasses import dataclass, field
from pathlib import Path

AF_METHODS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "table": "GET",
              "items": "GET"}
# af's helpers: no call of their own (the waits poll: a request's script waits instead; `with af.quiet():` only
# stops the printing, and the calls inside it are read as any others)
HELPERS = {"wait_for_run", "wait_for_scheduler", "quiet"}
RAW_METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "delete": "DELETE", "put": "PUT"}
PAGED = {"table", "items"}  # every page of a list; the request asks for the first page of 100
NOT_SENT = {"columns", "key", "page_size"}  # arguments of af.table / af.items that are not query parameters
PAGE = {"limit": 100, "offset": 0}
OWN_PATHS = ("/api/", "/auth/", "/openapi.json")  # af calls sent as they are, not under {{api}} (as apikit does)
SAFE = {"len": len, "str": str, "int": int, "float": float, "bool": bool, "dict": dict, "list": list,
        "sorted": sorted, "json": json, "True": True, "False": False, "None": None}
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Mod: operator.mod}


class Runtime:
    """A value the notebook only has when it runs, known by the expression that holds it."""

    def __init__(self, expr: str):
        self.expr = expr

    def __repr__(self):
        return f"Runtime({self.expr})"


class Made:
    """What a call the reader cannot make returns (an answer, a widget): a Runtime whose attributes are
    the call's keyword arguments (a widget's `value` is the value it was made with)."""

    def __init__(self, expr: str, kwargs: dict):
        self.expr, self.kwargs = expr, kwargs

    def __repr__(self):
        return f"Made({self.expr})"


@dataclass
class Text:
    """An f-string with Runtime parts."""
    parts: list


@dataclass
class Bound:
    """What the folder's `@where` says the request sends for a notebook expression: text (often a
    `{{variable}}`) or a JSON value."""
    value: object


def concrete(value) -> bool:
    if isinstance(value, (Runtime, Made, Text, Bound)):
        return False
    if isinstance(value, dict):
        return all(concrete(k) and concrete(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(concrete(v) for v in value)
    return True


def reads_af_major(test: ast.AST) -> bool | None:
    """Whether an `if` test that reads `af.major` is true on Airflow 3; None when it does not read it."""
    if "af.major" not in ast.unparse(test):
        return None
    try:
        return bool(eval(compile(ast.Expression(test), "<test>", "eval"),
                         {"__builtins__": {}}, {"af": types.SimpleNamespace(major=3)}))
    except Exception:
        return None


class Evaluator:
    """Evaluates expressions of the notebook with what its code assigned so far (`env`); `where` maps
    expressions (as ast.unparse writes them) and path segments to what the request sends instead."""

    def __init__(self, env: dict, where: dict):
        self.env, self.where = env, where

    def __call__(self, node: ast.AST):
        text = ast.unparse(node)
        if text in self.where:
            return self.where[text]
        method = getattr(self, "_" + type(node).__name__, None)
        return method(node, text) if method else self._python(node, text)

    def _Constant(self, node, text):
        return node.value

    def _Name(self, node, text):
        if node.id in self.env:
            return self.env[node.id]
        return SAFE[node.id] if node.id in SAFE else Runtime(node.id)

    def _Attribute(self, node, text):
        if text == "af.major":
            return 3
        owner = self(node.value)
        if isinstance(owner, Made):
            return owner.kwargs.get(node.attr, Runtime(text))
        if concrete(owner):
            try:
                return getattr(owner, node.attr)
            except AttributeError:
                pass
        return Runtime(text)

    def _Subscript(self, node, text):
        owner, key = self(node.value), self(node.slice)
        if concrete(key) and isinstance(owner, (dict, list, tuple, str)):
            try:
                return owner[key]
            except (KeyError, IndexError, TypeError):
                pass
        return Runtime(text)

    def _Slice(self, node, text):
        parts = [self(p) if p is not None else None for p in (node.lower, node.upper, node.step)]
        return slice(*parts) if all(p is None or concrete(p) for p in parts) else Runtime(text)

    def _Dict(self, node, text):
        out = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # **other
                other = self(value)
                if not isinstance(other, dict):
                    return Runtime(text)
                out.update(other)
            else:
                out[self(key)] = self(value)
        return out

    def _List(self, node, text):
        return [self(e) for e in node.elts]

    _Tuple = _List

    def _JoinedStr(self, node, text):
        parts = []
        for part in node.values:
            value = self(part.value) if isinstance(part, ast.FormattedValue) else part.value
            if not isinstance(value, (Runtime, Made, Bound, Text)):
                value = str(value)
            if parts and isinstance(value, str) and isinstance(parts[-1], str):
                parts[-1] += value
            else:
                parts.append(value)
        return parts[0] if len(parts) == 1 and isinstance(parts[0], str) else Text(parts)

    def _IfExp(self, node, text):
        taken = reads_af_major(node.test)
        if taken is None:
            return Runtime(text)
        return self(node.body if taken else node.orelse)

    def _BoolOp(self, node, text):
        values = [self(v) for v in node.values]
        if not all(concrete(v) for v in values):
            return Runtime(text)
        result = values[0]
        for value in values[1:]:
            if isinstance(node.op, ast.Or):
                result = result or value
            else:
                result = result and value
        return result

    def _BinOp(self, node, text):
        left, right = self(node.left), self(node.right)
        if concrete(left) and concrete(right) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](left, right)
        return Runtime(text)

    def _Call(self, node, text):
        func = self(node.func)
        args = [self(a) for a in node.args]
        kwargs = {k.arg: self(k.value) for k in node.keywords if k.arg}
        if callable(func) and concrete(args) and concrete(kwargs):
            try:
                return func(*args, **kwargs)
            except Exception:
                return Runtime(text)
        return Made(text, kwargs)

    def _python(self, node, text):
        """Anything else (a comprehension): Python evaluates it when every name it reads is known."""
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        known = {n: self.env[n] for n in names if n in self.env and concrete(self.env[n])}
        try:
            return eval(compile(ast.Expression(node), "<notebook>", "eval"), {"__builtins__": SAFE}, known)
        except Exception:
            return Runtime(text)


@dataclass
class Call:
    """One API call of a notebook: where it is, and what it sends once `where` is known."""
    cell: int  # index of its code cell in the notebook
    cell_id: str
    target: str | None  # the name its answer is stored in (`stuck = af.post(...)`), if any
    line: int
    col: int
    method: str
    node: ast.Call
    kind: str  # "af" or "requests"
    name: str  # af's method (get, table, ...) or requests' function
    env: dict = field(repr=False)
    path_node: ast.AST = field(repr=False)
    source: str = ""
    key: str = ""  # what the folder's section names in its `@call` (read_notebook sets it)

    def request(self, where: dict) -> dict:
        """method, path (without the API prefix, or one of OWN_PATHS: /api/..., /auth/..., /openapi.json), query,
        body, headers; `where` maps expressions (as ast.unparse writes them) and path segments ("/segment") to
        what is sent instead.
        A value known only at run time that `where` does not name raises NotSent."""
        ev = Evaluator(self.env, where)
        kwargs = {k.arg: k.value for k in self.node.keywords if k.arg}
        path = render(ev(self.path_node), where, self, "path")
        path = "/".join(render(where["/" + s], where, self, "path") if "/" + s in where else s
                        for s in path.split("/"))  # `@where /segment = ...`
        query: dict = {}
        prefix = ""
        if self.kind == "af":
            if self.name in ("get", *PAGED):
                for k in self.node.keywords:
                    if k.arg is None:
                        query.update(self._dict(ev, k.value, where))
                    elif k.arg not in NOT_SENT:
                        query[k.arg] = render(ev(k.value), where, self, k.arg)
            if "params" in kwargs and self.name not in ("get", *PAGED):
                query.update(self._dict(ev, kwargs["params"], where))
        else:
            prefix, _, path = path.partition("/")  # "api" (f"{api}/...") or "url" (f"{af.url}/...")
            path = "/" + path
            if "params" in kwargs:
                query.update(self._dict(ev, kwargs["params"], where))
        body = None
        if "json" in kwargs:
            body = to_json(ev(kwargs["json"]), where, self, "json")
        elif self.kind == "af" and self.name in ("post", "put", "patch") and len(self.node.args) > 1:
            body = to_json(ev(self.node.args[1]), where, self, "json")
        headers = {}
        if self.kind == "requests":
            sent = self._dict(ev, kwargs["headers"], where) if "headers" in kwargs else {}
            if "Authorization" not in sent:  # as the notebook sends it: not signed in by the collection
                headers["X-Kit-Auth"] = "none"
            headers.update(sent)
        # under the API's root: every af call whose path does not name its own prefix (as the client
        # reads it), and every raw call made to f"{api}/..."
        under_api = prefix == "api" if self.kind == "requests" else not path.startswith(OWN_PATHS)
        return {"method": self.method, "path": path, "query": query, "body": body, "headers": headers,
                "paged": self.kind == "af" and self.name in PAGED, "under_api": under_api}

    def _dict(self, ev, node, where) -> dict:
        value = ev(node)
        if not isinstance(value, dict):
            raise NotSent(self, ast.unparse(node))
        return {k: render(v, where, self, k) if isinstance(v, (str, Text, Runtime, Bound, Made)) else v
                for k, v in value.items()}


class NotSent(Exception):
    """A value the notebook has only at run time, which the folder's `@where` does not name."""

    def __init__(self, call: Call, expr: str):
        super().__init__(expr)
        self.call, self.expr = call, expr


def render(value, where, call, what) -> str:
    """A path, a query value or a header as text; {{variables}} for what `where` names."""
    if isinstance(value, Bound):
        if isinstance(value.value, (dict, list)):
            raise NotSent(call, f"{what}: JSON where text is sent")
        return render(value.value, where, call, what)
    if isinstance(value, (Runtime, Made)):
        if value.expr in where:  # kept in a value the notebook built before the call
            return render(where[value.expr], where, call, what)
        raise NotSent(call, value.expr)
    if isinstance(value, Text):
        return "".join(render(p, where, call, what) for p in value.parts)
    if isinstance(value, bool):
        return str(value).lower()
    if value is None or isinstance(value, (dict, list)):
        raise NotSent(call, f"{what}={value!r}")
    return str(value)


def to_json(value, where, call, what):
    if isinstance(value, dict):
        return {str(k): to_json(v, where, call, what) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, where, call, what) for v in value]
    if isinstance(value, (Runtime, Made)) and value.expr in where:
        value = where[value.expr]
    if isinstance(value, Bound):
        return value.value
    if isinstance(value, (Runtime, Made, Text)):
        return render(value, where, call, what)
    return value


def path_text(node: ast.AST | None, as_written: bool = False) -> str | None:
    """The path a call's first argument writes, placeholders as {} (or `as_written`: {the expression});
    None if it is no string or f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" if as_written
                       else "{}" for v in node.values)
    return None


def raw_path_node(node: ast.AST) -> ast.AST | None:
    """f"{api}/dags" -> an f-string "api/dags" (the collection's {{api}}); f"{af.url}/auth/token" ->
    "url/auth/token"; None for any other address (af2, a plugin's page)."""
    if not isinstance(node, ast.JoinedStr) or not node.values or not isinstance(node.values[0], ast.FormattedValue):
        return None
    head = ast.unparse(node.values[0].value)
    rest = path_text(ast.JoinedStr(values=node.values[1:])) or ""
    if head == "api" and rest.startswith("/"):
        return ast.JoinedStr(values=[ast.Constant("api")] + node.values[1:])
    if head == "af.url" and rest.startswith(("/api/", "/auth/")):
        return ast.JoinedStr(values=[ast.Constant("url")] + node.values[1:])
    return None


class Walker:
    """Goes through a notebook's code in order: assigns what it can evaluate, and records each API call
    with a copy of the values known where it is made."""

    def __init__(self):
        self.env: dict = {}
        self.calls: list[Call] = []
        self.unreadable: list[Unreadable] = []
        self.cell = 0
        self.cell_id = ""
        self.source = ""
        self.target: str | None = None  # the name the current statement assigns, if one

    # --- statements -----------------------------------------------------------------------------
    def run(self, stmts):
        for stmt in stmts:
            self.statement(stmt)

    def statement(self, stmt):
        if isinstance(stmt, ast.If):
            taken = reads_af_major(stmt.test)
            self.find_calls(stmt.test)
            if taken is None:
                self.run(stmt.body)
                self.run(stmt.orelse)
            else:
                self.run(stmt.body if taken else stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.find_calls(stmt.iter)
            self.forget(stmt.target)
            self.run(stmt.body)
            self.run(stmt.orelse)
        elif isinstance(stmt, ast.While):
            self.find_calls(stmt.test)
            self.run(stmt.body)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self.find_calls(item.context_expr)
                if item.optional_vars is not None:
                    self.forget(item.optional_vars)
            self.run(stmt.body)
        elif isinstance(stmt, ast.Try):
            self.run(stmt.body)
            for handler in stmt.handlers:
                self.run(handler.body)
            self.run(stmt.orelse)
            self.run(stmt.finalbody)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            outer = dict(self.env)
            for arg in stmt.args.posonlyargs + stmt.args.args + stmt.args.kwonlyargs:
                self.env[arg.arg] = Runtime(arg.arg)
            self.run(stmt.body)
            self.env = outer
            self.env[stmt.name] = Runtime(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            self.env[stmt.name] = Runtime(stmt.name)
        else:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            self.target = names[0] if len(names) == 1 and len(targets) == 1 else None
            self.find_calls(stmt)
            self.target = None
            self.assign(stmt)

    def assign(self, stmt):
        if isinstance(stmt, ast.Assign):
            value = Evaluator(self.env, {})(stmt.value)
            for target in stmt.targets:
                self.store(target, value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.store(stmt.target, Evaluator(self.env, {})(stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            self.forget(stmt.target)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                name = (alias.asname or alias.name).split(".")[0]
                self.env[name] = json if name == "json" else Runtime(name)

    def store(self, target, value):
        if isinstance(target, ast.Name):
            if isinstance(value, (Runtime, Text, Bound)):
                value = Runtime(target.id)  # known by its own name from here on
            elif isinstance(value, Made):
                value = Made(target.id, value.kwargs)
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (list, tuple)) and len(value) == len(target.elts):
                for t, v in zip(target.elts, value):
                    self.store(t, v)
            else:
                self.forget(target)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            owner = self.env.get(target.value.id)
            key = Evaluator(self.env, {})(target.slice)
            if isinstance(owner, dict) and concrete(key):
                owner = copy.copy(owner)
                owner[key] = value
                self.env[target.value.id] = owner

    def forget(self, target):
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.env[node.id] = Runtime(node.id)

    # --- calls ------------------------------------------------------------------------------------
    def find_calls(self, node):
        finder = _CallSites()
        finder.visit(node)
        for call in sorted(finder.found, key=lambda c: (c.lineno, c.col_offset)):
            self.record(call)

    def record(self, node: ast.Call):
        func = node.func
        owner, name = func.value.id, func.attr
        if owner == "af":
            if name in HELPERS:
                return
            if name not in AF_METHODS:
                return self.cannot_read(node, f"af.{name}() is none of the calls the builder reads: "
                                              f"af.{'/'.join(AF_METHODS)}(PATH, ...)")
            paths = self.branches(node.args[0]) if node.args else [None]
            for path_node in paths:
                text = path_text(path_node)
                if text is None or not text.startswith("/"):
                    return self.cannot_read(node, "its PATH is not written in the call as a string or an "
                                                  "f-string starting with / (the builder reads it, it runs nothing)")
            for path_node in paths:
                self.add(node, AF_METHODS[name], "af", name, path_node, path_text(path_node, as_written=True))
        elif node.args:
            path_node = raw_path_node(node.args[0])
            if path_node is not None:
                self.add(node, RAW_METHODS[name], "requests", name, path_node, path_text(node.args[0], as_written=True))

    def cannot_read(self, node: ast.Call, why: str):
        self.unreadable.append(Unreadable(self.cell, self.cell_id, self.segment(node), why))

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def branches(self, node) -> list:
        if isinstance(node, ast.IfExp):
            taken = reads_af_major(node.test)
            if taken is not None:
                return self.branches(node.body if taken else node.orelse)
            return self.branches(node.body) + self.branches(node.orelse)
        return [node]

    def add(self, node, method, kind, name, path_node, written):
        self.calls.append(Call(self.cell, self.cell_id, self.target, node.lineno, node.col_offset, method, node, kind,
                               name, dict(self.env), path_node, self.segment(node), f"{method} {written}"))


class _CallSites(ast.NodeVisitor):
    """af.<method>(...) and requests.<method>(...) calls inside one simple statement or expression,
    taking only the Airflow 3 branch of a conditional expression on af.major."""

    def __init__(self):
        self.found: list[ast.Call] = []

    def visit_IfExp(self, node):
        taken = reads_af_major(node.test)
        if taken is None:
            return self.generic_visit(node)
        self.visit(node.test)
        self.visit(node.body if taken else node.orelse)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
                func.value.id == "af" or (func.value.id == "requests" and func.attr in RAW_METHODS)):
            self.found.append(node)
        self.generic_visit(node)


@dataclass
class Unreadable:
    """An af call the reader cannot make a request of: where it is, and why."""
    cell: int
    cell_id: str
    source: str
    why: str


@dataclass
class Notebook:
    path: Path
    title: str
    overview: str
    cells: list
    calls: list[Call]
    unreadable: list[Unreadable] = field(default_factory=list)

    def introduction(self, call: Call) -> str:
        """The markdown that introduces a call: the last heading above it, in bold, then the text of the
        last markdown cell before the call's cell (without its headings)."""
        text = heading = ""
        for cell in reversed(self.cells[:call.cell]):
            if cell["cell_type"] != "markdown":
                continue
            lines = "".join(cell["source"]).strip().splitlines()
            if not text:
                text = "\n".join(line for line in lines if not line.startswith("#")).strip()
            headings = [line.lstrip("#").strip() for line in lines if line.startswith("##")]
            if headings:
                heading = headings[-1]
            if text and heading:
                break
        text = re.sub(r"\n{3,}", "\n\n", text)
        return "\n\n".join(p for p in (f"**{heading}**" if heading else "", text) if p)


def code_of(cell) -> str:
    """A code cell's Python: IPython's %magics and !shell lines left out."""
    return "\n".join(line for line in "".join(cell["source"]).splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def read_notebook(path: Path) -> Notebook:
    nb = json.loads(path.read_text())
    walker = Walker()
    title = overview = ""
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown" and not title:
            text = "".join(cell["source"])
            title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
            paragraphs = [p.strip() for p in text.split("\n\n")]
            overview = next((p for p in paragraphs if p.startswith("**Overview.**")), "")
            overview = overview.removeprefix("**Overview.**").strip()
        if cell["cell_type"] != "code":
            continue
        walker.cell, walker.cell_id, walker.source = index, cell.get("id", ""), code_of(cell)
        walker.run(ast.parse(walker.source).body)
    set_keys(walker.calls)
    return Notebook(path, title, overview, nb["cells"], walker.calls, walker.unreadable)


def set_keys(calls: list[Call]) -> None:
    """Each call's key: its method and path as written; ` in CELL-ID` where the notebook makes that call in
    more than one cell; ` as NAME` where that cell makes it more than once (a call whose answer is stored in
    no name keeps the key without it). Two calls whose keys are still the same are for the builder to refuse."""
    for call in calls:
        same = [c for c in calls if c.key == call.key]
        cells = {c.cell for c in same}
        in_cell = [c for c in same if c.cell == call.cell]
        call.full_key = call.key + (f" in {call.cell_id}" if len(cells) > 1 else "") + \
            (f" as {call.target}" if len(in_cell) > 1 and call.target else "")
    for call in calls:
        call.key = call.full_key
        del call.full_key
