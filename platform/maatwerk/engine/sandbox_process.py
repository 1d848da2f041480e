"""A sandbox process: runs designer code for one server process (sandbox_pool.py).

Started as `python -m maatwerk.engine.sandbox_process MEMORY_MB`. It loads the sandbox,
then lets the kernel bound it before it reads any code (sandbox_serve.py: address space
MEMORY_MB, no new processes, no files written, CPU time per call) and answers requests,
one length-prefixed pickle each way, until the server process ends.

An answer is ("ok", value, None), ("error", message, unknown variable or None),
("template_error", message, line or None) for a template (template_sandbox.py), or
("retire", message, None) after running out of memory: the pool then replaces it.
"""
from __future__ import annotations

from typing import Any

from . import sandbox, template_sandbox
from .sandbox_errors import SandboxError
from .sandbox_serve import serve


def answer(mode: str, source: Any, variables: dict[str, Any], limit: float
           ) -> tuple[Any, ...]:
    """Run one request; its answer, for the pool."""
    try:
        if mode == "template":
            return template_sandbox.answer(source, variables)
        if mode == "eval":
            value = sandbox.evaluate_inline(source, variables, time_limit=limit)
        else:
            value = sandbox.execute_inline(source, variables, time_limit=limit)
    except SandboxError as exc:
        if "Out of memory" in str(exc):
            return ("retire", str(exc), None)
        cause = exc.__cause__
        unknown = cause.name if isinstance(cause, NameError) and \
            not isinstance(cause, UnboundLocalError) else None
        return ("error", str(exc), unknown)
    return ("ok", value, None)


def main() -> None:
    serve(answer)


if __name__ == "__main__":
    main()
