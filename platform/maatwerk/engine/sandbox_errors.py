"""The errors of the sandbox (sandbox.py), and the readable sentences they carry.

`SandboxError` is what callers see. `SandboxViolation` is raised inside the sandbox when a
limit or rule is broken at run time: a `BaseException`, so the sandboxed code cannot catch
it (bare `except:` and `finally` are refused by the static check). `failure` turns either,
or an ordinary exception of the sandboxed code, into a `SandboxError` with a short message
that names the script line where it happened.
"""
from __future__ import annotations

from types import TracebackType
from typing import NoReturn

from .sandbox_limits import SANDBOX_FILENAME

_MAX_MESSAGE = 300


class SandboxError(Exception):
    """Refused or failed untrusted code; the message is a readable sentence."""


class SandboxViolation(BaseException):
    """A limit or rule broken at run time; sandboxed code cannot catch it."""


def refuse(message: str) -> NoReturn:
    """End the sandboxed code: a run-time limit or rule is broken."""
    raise SandboxViolation(message)


def failure(exc: BaseException, mode: str) -> SandboxError:
    """The SandboxError for an exception raised while running sandboxed code (`mode`
    'eval' or 'exec'; a script's message names its line)."""
    message = str(exc) if isinstance(exc, SandboxViolation) else _describe(exc)
    line = _sandbox_line(exc.__traceback__)
    if mode == "exec" and line is not None:
        message = f"{message} (line {line})"
    return SandboxError(_shorten(message))


def _sandbox_line(traceback: TracebackType | None) -> int | None:
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == SANDBOX_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 3] + "..."


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnboundLocalError):
        return f"Variable '{exc.name}' is used before it is assigned"
    if isinstance(exc, NameError):
        return f"Unknown variable '{exc.name}'"
    if isinstance(exc, KeyError):
        key = exc.args[0] if exc.args else None
        return f"Key {_shorten(repr(key))} does not exist"
    if isinstance(exc, ZeroDivisionError):
        return "Division by zero"
    if isinstance(exc, RecursionError):
        return "Too many nested function calls (recursion)"
    return _describe_general(exc)


def _describe_general(exc: BaseException) -> str:
    labels: dict[type, str] = {
        IndexError: "Index out of range", TypeError: "Type error",
        ValueError: "Invalid value", OverflowError: "Number too large",
        AssertionError: "Assertion failed", MemoryError: "Out of memory",
    }
    label = next((text for kind, text in labels.items() if isinstance(exc, kind)),
                 type(exc).__name__)
    detail = _detail(exc)
    return f"{label}: {detail}" if detail else label


def _detail(exc: BaseException) -> str:
    """The exception's own text; OS-style (errno, text) arguments give just the text."""
    if len(exc.args) == 2 and isinstance(exc.args[1], str):
        return exc.args[1]
    return str(exc)
