"""The layer rule of the project, checked on every test run.

The rule lives as import-linter contracts in ``pyproject.toml`` ([tool.importlinter]); each
contract is one test here (``.venv/bin/lint-imports`` checks the same from the shell):

* ``layers``: bench|cli > web > services > engine|persistence > forms > domain|config; a
  layer imports only layers below it (``|``: neither side imports the other).
* ``domain-pure`` / ``domain-no-root``: ``maatwerk.domain`` imports no other maatwerk module.
* ``spiff-in-engine``: only ``maatwerk.engine`` imports SpiffWorkflow.
* ``flask-in-web``: only ``maatwerk.web`` imports flask, flask_wtf, wtforms and werkzeug.
  ``maatwerk/__init__.py``'s ``create_app`` is the composition root: it imports
  ``maatwerk.web.app`` inside the function and never Flask itself, so it needs no exception;
  ``maatwerk.cli`` does not import the web layer at all today.
* ``pdf-in-letters``: only ``maatwerk.services.letters`` imports WeasyPrint (printing PDF).
* ``web-through-services``: ``maatwerk.web`` imports neither ``maatwerk.persistence`` nor
  SQLAlchemy nor Alembic; it reaches the database through ``maatwerk.services``.
* ``acyclic``: no import cycle between the sub-packages of maatwerk, nor between the
  modules of any one of them (every import counts, also one inside a function).

Besides, the import graph of the whole package as it runs at import time (imports at module
level; those inside functions and ``if TYPE_CHECKING:`` left out) must have no cycle at all,
also between a package and its own modules, which the ``acyclic`` contract does not see.

The negative checks run the same contracts on a small package made in a temporary folder,
with one forbidden import for each contract, to show that each of them can fail.
"""
from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import api as _configures_importlinter  # noqa: F401 (sets it up on import)
from importlinter.application import output as importlinter_output
from importlinter.application import use_cases as importlinter

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LINTER_CONFIG: dict[str, Any] = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
CONTRACTS: list[dict[str, Any]] = LINTER_CONFIG["contracts"]
CONTRACT_IDS = [contract["id"] for contract in CONTRACTS]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
IMPORT_LINE = re.compile(r"([\w.]+) -> ([\w.]+) \(l\.([\d, ]+)\)")


# --- running import-linter -----------------------------------------------------------------


def lint(config: Path, contract_id: str, monkeypatch: pytest.MonkeyPatch) -> tuple[bool, str]:
    """Check one contract of ``config``: whether it is kept, and import-linter's report.

    (What `lint-imports` runs, less its command-line set-up: that reconfigures logging,
    disabling every logger that exists, and puts the working directory on sys.path.)"""
    monkeypatch.setattr(importlinter_output.console, "width", 160)  # no wrapped lines
    with importlinter_output.console.capture() as captured:
        kept = importlinter.lint_imports(config_filename=str(config),
                                         limit_to_contracts=(contract_id,), cache_dir=None,
                                         no_logo=True)
    return kept, ANSI.sub("", captured.get())


def explain(report: str) -> str:
    """The broken-contract part of a report, with the source line of each named import."""
    text = report.split("Broken contracts", 1)[-1].strip("-\n ")
    lines = []
    for line in text.splitlines():
        lines.append(line)
        if found := IMPORT_LINE.search(line):
            importer, _imported, numbers = found.groups()
            for number in numbers.split(","):
                source = source_line(importer, int(number))
                if source:
                    lines.append(f"        l.{number.strip()}: {source}")
    return "\n".join(lines)


def module_path(module: str) -> Path | None:
    """The file of a module of an importable package (without importing it)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def source_line(module: str, number: int) -> str:
    path = module_path(module)
    if path is None:
        return ""
    lines = path.read_text().splitlines()
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def cycle_details(package: str) -> str:
    """The cycles between the children of a package, each import in them with its line
    (the acyclic contract only counts the imports between two children)."""
    graph = grimp.build_graph(package.split(".")[0], cache_dir=None)
    children = sorted(graph.find_children(package))

    def child_of(module: str) -> str | None:
        return next((c for c in children if module == c or module.startswith(c + ".")), None)

    between: dict[tuple[str, str], list[str]] = {}
    for importer in sorted(graph.find_descendants(package)):
        source = child_of(importer)
        path = module_path(importer)
        deferred = deferred_import_lines(path) if path else {}
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            target = child_of(imported)
            if source is None or target is None or source == target:
                continue
            for detail in graph.get_import_details(importer=importer, imported=imported):
                where = deferred.get(detail["line_number"])
                lazy = f", {where}" if where else ""
                between.setdefault((source, target), []).append(
                    f"    {importer} -> {imported} "
                    f"(l.{detail['line_number']}{lazy}: {detail['line_contents']})")
    edges: dict[str, set[str]] = {child: set() for child in children}
    for source, target in between:
        edges[source].add(target)
    return "\n".join(
        "cycle " + " -> ".join(cycle) + ":\n" + "\n".join(
            line for a, b in itertools.pairwise(cycle) for line in between[a, b])
        for cycle in cycles(edges))


def failure_message(contract_id: str, report: str) -> str:
    message = f"import contract {contract_id!r} is broken:\n\n{explain(report)}"
    packages = re.findall(r"No cycles are allowed in ([\w.]+)\.", report)
    if packages:
        message += "\n\nThe imports in those cycles (remove at least one of each):\n" + \
            "\n".join(cycle_details(package) for package in packages)
    return message


@pytest.mark.parametrize("contract_id", CONTRACT_IDS)
def test_import_contract_is_kept(contract_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kept, report = lint(PYPROJECT, contract_id, monkeypatch)
    assert kept, failure_message(contract_id, report)


# --- import cycles at import time ------------------------------------------------------------


def deferred_import_lines(path: Path) -> dict[int, str]:
    """The lines of the imports that do not run when the module is imported, with where they
    are: inside a function, or under ``if TYPE_CHECKING:``."""
    lines: dict[int, str] = {}

    def visit(node: ast.AST, deferred: str) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom) and deferred:
            lines[node.lineno] = deferred
        if not deferred and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            deferred = "inside a function"
        elif not deferred and _is_type_checking(node):
            deferred = "if TYPE_CHECKING"
        for child in ast.iter_child_nodes(node):
            visit(child, deferred)

    visit(ast.parse(path.read_text(), str(path)), "")
    return lines


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_time_graph(package: str) -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """Who imports whom while modules are imported, and the import line behind each edge."""
    graph = grimp.build_graph(package, cache_dir=None)
    edges: dict[str, set[str]] = {module: set() for module in graph.modules}
    where: dict[tuple[str, str], str] = {}
    for importer in sorted(graph.modules):
        path = module_path(importer)
        deferred = deferred_import_lines(path) if path else {}
        for imported in graph.find_modules_directly_imported_by(importer):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                if detail["line_number"] not in deferred:
                    edges[importer].add(imported)
                    where.setdefault((importer, imported),
                                     f"l.{detail['line_number']}: {detail['line_contents']}")
    return edges, where


def cycles(edges: dict[str, set[str]]) -> Iterator[list[str]]:
    """One cycle (a list of modules, the first again at the end) per strongly connected
    component of the graph (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    for component in components:
        start = min(component)
        paths = {start: [start]}
        queue = [start]
        while queue:  # breadth first, inside the component, back to the start
            node = queue.pop(0)
            for target in sorted(edges[node] & component):
                if target == start:
                    yield paths[node] + [start]
                    queue = []
                    break
                if target not in paths:
                    paths[target] = paths[node] + [target]
                    queue.append(target)


def import_time_cycles(package: str) -> list[str]:
    edges, where = import_time_graph(package)
    return ["\n".join(f"  {a} -> {b}  ({where[a, b]})" for a, b in itertools.pairwise(cycle))
            for cycle in cycles(edges)]


def test_no_import_cycle_at_import_time() -> None:
    found = import_time_cycles("maatwerk")
    assert not found, "import cycles between modules of maatwerk at import time:\n\n" + \
        "\n\n".join(found)


# --- negative checks: the same contracts on a package that breaks each of them ------------------

FAKE = "fakepkg"
FAKE_MODULES = {
    "__init__.py": "",
    "config.py": "",
    "cli.py": "",
    "bench/__init__.py": "",
    "domain/__init__.py": "",
    "domain/rules.py": f"from {FAKE}.config import X\n",
    "domain/root.py": f"import {FAKE}\n",
    "forms/__init__.py": "",
    "forms/fields.py": f"from {FAKE}.services import cases\n",
    "engine/__init__.py": "",
    "engine/runtime.py": "import SpiffWorkflow\n\n\ndef later():\n    from . import steps\n",
    "engine/steps.py": "from . import runtime\n",  # a cycle, but only through a function
    "persistence/__init__.py": "",
    "persistence/database.py": "",
    "persistence/models.py": "from SpiffWorkflow.task import Task\n",
    "services/__init__.py": "",
    "services/accounts.py": "from werkzeug.security import check_password_hash\n",
    "services/cases.py": "from . import documents\nfrom flask import g\n",
    "services/documents.py": "from .cases import start\n",
    "services/letters.py": "import weasyprint\n",
    "services/receipts.py": "from weasyprint import HTML\n",
    "web/__init__.py": "",
    "web/views.py": f"from {FAKE}.persistence.database import Database\n"
                    "import flask\nimport flask_wtf\nimport wtforms\nimport werkzeug\n",
}
#: per contract, what its failure must name
EXPECTED = {
    "layers": f"{FAKE}.forms.fields -> {FAKE}.services.cases (l.1)",
    "domain-pure": f"{FAKE}.domain.rules -> {FAKE}.config (l.1)",
    "domain-no-root": f"{FAKE}.domain.root -> {FAKE} (l.1)",
    "spiff-in-engine": f"{FAKE}.persistence.models -> SpiffWorkflow (l.1)",
    "flask-in-web": f"{FAKE}.services.cases -> flask (l.2)",
    "web-through-services": f"{FAKE}.web.views -> {FAKE}.persistence.database (l.1)",
    "pdf-in-letters": f"{FAKE}.services.receipts -> weasyprint (l.1)",
    "acyclic": f"{FAKE}.services.documents -> {FAKE}.services.cases (l.1: from .cases import",
}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value)  # a JSON string is a TOML basic string


def _renamed(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\bmaatwerk\b", FAKE, value)
    if isinstance(value, list):
        return [_renamed(item) for item in value]
    return value


@pytest.fixture(scope="module")
def fake_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package with one violation per contract, and our contracts aimed at it."""
    root = tmp_path_factory.mktemp("architecture")
    for name, text in FAKE_MODULES.items():
        path = root / FAKE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    lines = ["[tool.importlinter]"] + [
        f"{key} = {_toml(_renamed(value))}" for key, value in LINTER_CONFIG.items()
        if key != "contracts"]
    for contract in CONTRACTS:
        lines += ["", "[[tool.importlinter.contracts]]"] + [
            f"{key} = {_toml(_renamed(value))}" for key, value in contract.items()]
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return root


def test_every_contract_has_a_negative_check() -> None:
    assert sorted(EXPECTED) == sorted(CONTRACT_IDS)


@pytest.mark.parametrize("contract_id", CONTRACT_IDS)
def test_contract_fails_on_a_forbidden_import(contract_id: str, fake_project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(fake_project))
    kept, report = lint(fake_project / "pyproject.toml", contract_id, monkeypatch)
    assert not kept, report
    assert EXPECTED[contract_id] in failure_message(contract_id, report)


def test_import_time_cycle_check_fails_on_a_cycle(fake_project: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(fake_project))
    found = import_time_cycles(FAKE)
    assert len(found) == 1, found  # engine.runtime <-> engine.steps only through a function
    assert f"{FAKE}.services.cases -> {FAKE}.services.documents  (l.1: from . import" \
        in found[0]
    assert f"{FAKE}.services.documents -> {FAKE}.services.cases  (l.1: from .cases import" \
        in found[0]
