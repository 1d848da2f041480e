"""A sandbox process: runs designer code for one server process (sandbox_pool.py).

Started as `python -m maatwerk.engine.sandbox_process MEMORY_MB`. It loads the sandbox,
then lets the kernel bound it before it reads any code: address space MEMORY_MB, no new
processes, no files written, and before each call CPU time up to the time limit plus a
margin (SIGXCPU ends it past that). Then it answers requests on its standard input and
output, one length-prefixed pickle each way, until its input closes (the server process
ended). Anything printed goes to standard error, never into the answers.

An answer is ("ok", value, None), ("error", message, unknown variable or None),
("template_error", message, line or None) for a template (template_sandbox.py), or
("retire", message, None) after running out of memory: the pool then replaces it.
"""
from __future__ import annotations

import math
import os
import pickle
import resource
import sys
import time
from typing import Any

from . import sandbox, template_sandbox
from .sandbox_errors import SandboxError
from .sandbox_pool import READY, read_frame, write_frame

_CPU_MARGIN = 2  # seconds of CPU past the time limit


def _bound(memory_mb: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _allow_cpu(limit: float) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    seconds = math.ceil(spent + limit) + _CPU_MARGIN
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, resource.RLIM_INFINITY))


def answer(request: bytes) -> tuple[Any, ...]:
    """Run one request; its answer, for the pool."""
    mode, source, variables, limit = pickle.loads(request)  # noqa: S301 - the server's own
    _allow_cpu(limit)
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
    except MemoryError:
        return ("retire", "Out of memory", None)
    return ("ok", value, None)


def _encoded(reply: tuple[Any, ...]) -> bytes:
    try:
        return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("retire", "Out of memory", None))
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        kind = type(reply[1]).__name__
        message = (f"The expression gives a value of type '{kind}', which cannot be used "
                   f"({type(exc).__name__})")
        return pickle.dumps(("error", message, None))


def main() -> None:
    inward = sys.stdin.fileno()
    outward = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints never reach the answers
    _bound(int(sys.argv[1]))
    write_frame(outward, READY)
    while True:
        try:
            request = read_frame(inward, time.monotonic() + 365 * 86400, limit=1 << 40)
        except Exception:  # the server ended: so does this process
            return
        write_frame(outward, _encoded(answer(request)))


if __name__ == "__main__":
    main()
