"""Restricted evaluation of the untrusted Python in uploaded models.

Script tasks, gateway conditions, DMN cells and timer expressions come from uploaded
BPMN/DMN files, so they are treated as hostile. Three layers protect the server:

1. A static AST whitelist (`check_expression`, `check_script`; the rules are in
   sandbox_rules.py), used at upload time and again before every run: no imports, classes,
   generators, `with`, `global`, `finally`, bare `except:`, no name or attribute starting
   with `_`, only attributes that are methods of text, lists, dicts, sets and numbers.
2. An AST rewrite (sandbox_rewrite.py): attribute reads go through a per-type whitelist at
   run time, and the operators that can build huge values in one C call (`+ * ** << %` on
   numbers, text and lists, `str.join`, `str.replace`, `list.extend`, padding methods,
   f-strings, `str()`) go through guards (sandbox_guards.py, sandbox_builtins.py) that
   refuse results beyond fixed sizes (sandbox_limits.py).
3. A wall-clock budget and a call-depth limit enforced with `sys.settrace` (works in any
   thread, restores the previous trace function; here), and a check that a script leaves
   only plain JSON-like data of bounded size behind (sandbox_results.py). `execute` works
   on a deep copy and writes back only on success, so a failed script changes nothing.

Limit violations are raised inside the sandbox as `SandboxViolation`, a `BaseException`
that the sandboxed code cannot catch (bare `except:` and `finally` are refused), and reach
the caller as `SandboxError` (sandbox_errors.py).

Decisions: `def` and `lambda` are allowed (no decorators, no annotations); `try`/`except`
is allowed with named exception classes only; `raise` is allowed with the few exception
classes offered in `SAFE_BUILTINS`; `print` is a no-op.

4. The code runs in a separate process that the operating system bounds (sandbox_pool.py,
   sandbox_process.py): memory, CPU time, no new processes or files; killed and replaced
   when it overruns. One C-level operation the watch of layer 3 cannot interrupt (hashing
   a deeply shared tuple, a huge `%` format) ends there as an error of that case, while
   the web and timer workers go on. `evaluate_inline`/`execute_inline` are layers 1-3
   alone; the sandbox process runs them.
"""
from __future__ import annotations

import ast
import copy
import functools
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping
from types import CodeType, FrameType, ModuleType
from typing import Any, NamedTuple

from . import sandbox_pool
from .sandbox_builtins import RUNTIME_BUILTINS, SAFE_BUILTINS
from .sandbox_errors import SandboxError, SandboxViolation, failure
from .sandbox_limits import MAX_CALL_DEPTH, MAX_SOURCE_LENGTH, SANDBOX_FILENAME, TIME_LIMIT
from .sandbox_results import check_results
from .sandbox_rewrite import GuardRewriter
from .sandbox_rules import find_problems

__all__ = ["SAFE_BUILTINS", "SandboxError", "check_expression", "check_script", "evaluate",
           "execute"]

_STACK_MARGIN = 50


# --------------------------------------------------------------------------- public API

def check_expression(source: str) -> list[str]:
    """Problems that make `source` unacceptable as an expression (empty list: fine)."""
    return list(_analyse(_prepare(source, "eval"), "eval").problems)


def check_script(source: str) -> list[str]:
    """Problems that make `source` unacceptable as a script (empty list: fine)."""
    return list(_analyse(_prepare(source, "exec"), "exec").problems)


def evaluate(expression: str, variables: Mapping[str, Any], *,
             time_limit: float | None = None) -> Any:
    """Evaluate an untrusted expression against `variables` (which it cannot rebind), in a
    sandbox process (sandbox_pool.py) unless MAATWERK_SANDBOX=inline."""
    limit = TIME_LIMIT if time_limit is None else time_limit
    if sandbox_pool.inline():
        return evaluate_inline(expression, variables, time_limit=limit)
    return sandbox_pool.run("eval", expression, _visible(variables), limit)


def execute(script: str, variables: dict[str, Any], *,
            time_limit: float | None = None) -> None:
    """Run an untrusted script with `variables` as namespace; keep its data changes.

    Nothing changes in `variables` when the script fails. Names bound to functions are
    dropped; everything else left behind must be JSON-like data of bounded size.
    """
    limit = TIME_LIMIT if time_limit is None else time_limit
    if sandbox_pool.inline():
        results = execute_inline(script, variables, time_limit=limit)
    else:
        results = sandbox_pool.run("exec", script, _visible(variables), limit)
    for name in [name for name in _visible(variables) if name not in results]:
        del variables[name]
    variables.update(results)


def evaluate_inline(expression: str, variables: Mapping[str, Any], *,
                    time_limit: float | None = None) -> Any:
    """`evaluate` in this process: the language rules, guards and time watch, no OS bounds."""
    code = _compiled(expression, "eval")
    result = _execute_code(code, _namespace(variables), time_limit, "eval")
    if callable(result) or isinstance(result, Iterator):
        raise SandboxError("The expression gives a function or iterator instead of a value")
    return result


def execute_inline(script: str, variables: Mapping[str, Any], *,
                   time_limit: float | None = None) -> dict[str, Any]:
    """Run a script in this process on a copy of `variables`; the variables it leaves."""
    code = _compiled(script, "exec")
    namespace = _namespace(copy.deepcopy(_visible(variables)))
    _execute_code(code, namespace, time_limit, "exec")
    results = {name: value for name, value in namespace.items()
               if not name.startswith("_") and not _is_code(value)}
    check_results(results)
    return results


def _visible(variables: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in variables.items()
            if isinstance(name, str) and not name.startswith("_")}


def _is_code(value: Any) -> bool:
    return callable(value) or isinstance(value, ModuleType)


# --------------------------------------------------------------------------- static check

class _Analysis(NamedTuple):
    code: CodeType | None
    problems: tuple[str, ...]


def _prepare(source: str, mode: str) -> str:
    if not isinstance(source, str):
        raise SandboxError(f"Code must be text, not {type(source).__name__}")
    return source.strip() if mode == "eval" else textwrap.dedent(source)


@functools.lru_cache(maxsize=2048)
def _analyse(source: str, mode: str) -> _Analysis:
    """Parse, check and compile once per distinct source text."""
    if len(source) > MAX_SOURCE_LENGTH:
        return _Analysis(None, (f"The code is longer than {MAX_SOURCE_LENGTH} characters",))
    try:
        tree = ast.parse(source, filename=SANDBOX_FILENAME, mode=mode)
        problems = find_problems(tree)
        if problems:
            return _Analysis(None, problems)
        guarded = ast.fix_missing_locations(GuardRewriter().visit(tree))
        return _Analysis(compile(guarded, SANDBOX_FILENAME, mode), ())
    except SyntaxError as exc:
        return _Analysis(None, (_syntax_message(exc),))
    except (RecursionError, MemoryError, ValueError):
        return _Analysis(None, ("The code is nested too deeply",))


def _syntax_message(exc: SyntaxError) -> str:
    return f"Syntax error on line {exc.lineno or 1}: {exc.msg}"


def _compiled(source: str, mode: str) -> CodeType:
    analysis = _analyse(_prepare(source, mode), mode)
    if analysis.code is None:
        raise SandboxError("; ".join(analysis.problems))
    return analysis.code


# --------------------------------------------------------------------------- running

class _Watch:
    """A trace function that ends the sandboxed code when its time is up or it nests too deep.

    The call depth is limited well below Python's recursion limit: a RecursionError
    raised while Python calls the trace function would silently switch tracing off
    (and with it the time limit), and a script could catch it with `except Exception`.
    """

    def __init__(self, limit: float, what: str, max_depth: int) -> None:
        self.limit = limit
        self.what = what
        self.deadline = time.monotonic() + limit
        self.max_depth = max_depth
        self.depth = 0

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > self.deadline:
            raise SandboxViolation(
                f"The {self.what} took too long (more than {self.limit:g} s)")
        if event == "call":
            if frame.f_code.co_filename != SANDBOX_FILENAME:
                return None
            self.depth += 1
            if self.depth > self.max_depth:
                raise SandboxViolation(
                    f"Too many nested function calls (more than {self.max_depth})")
        elif event == "return":
            self.depth -= 1
        return self.trace


def _allowed_depth() -> int:
    """Sandbox frames that fit under the recursion limit from here (each may add helpers)."""
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    room = (sys.getrecursionlimit() - depth - _STACK_MARGIN) // 3
    if room < 1:
        raise SandboxError("The server's call stack is too deep to run this code")
    return min(MAX_CALL_DEPTH, room)


def _run(code: CodeType, namespace: dict[str, Any], limit: float, what: str) -> Any:
    watch = _Watch(limit, what, _allowed_depth())
    previous = sys.gettrace()
    sys.settrace(watch.trace)
    try:
        return eval(code, namespace)  # checked, rewritten and traced code
    finally:
        sys.settrace(previous)


def _namespace(variables: Mapping[str, Any]) -> dict[str, Any]:
    namespace = {name: value for name, value in variables.items()
                 if isinstance(name, str) and not name.startswith("_")}
    namespace["__builtins__"] = RUNTIME_BUILTINS
    return namespace


def _execute_code(code: CodeType, namespace: dict[str, Any], limit: float | None,
                  mode: str) -> Any:
    what = "expression" if mode == "eval" else "script"
    try:
        return _run(code, namespace, TIME_LIMIT if limit is None else limit, what)
    except SandboxViolation as exc:
        raise failure(exc, mode) from None
    except Exception as exc:  # ordinary errors of the sandboxed code
        raise failure(exc, mode) from exc
