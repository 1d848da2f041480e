"""The loop of a bounded process in a pool (sandbox_pool.py): bound by the kernel, then
answer requests on standard input and output until the server that started it ends.

Started as `python -m <module> MEMORY_MB`, whose main() calls `serve` with what answers a
request. Before it reads any request the process limits itself (setrlimit): address space
MEMORY_MB, no files written, no core dumps, and (unless the work needs threads) no new
processes; before each request its CPU time up to the request's time limit plus a margin
(SIGXCPU ends it past that). Anything printed goes to standard error, never into the
answers. An answer is a tuple whose first item is "ok", "error" or "retire" (out of
memory: the pool replaces the process).
"""
from __future__ import annotations

import math
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from .sandbox_pool import READY, read_frame, write_frame

_CPU_MARGIN = 2  # seconds of CPU past the time limit
Answer = Callable[[str, Any, dict[str, Any], float], tuple[Any, ...]]


def _bound(memory_mb: int, new_processes: bool) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if not new_processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _allow_cpu(limit: float) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    seconds = math.ceil(spent + limit) + _CPU_MARGIN
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, resource.RLIM_INFINITY))


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


def _reply(answer: Answer, request: bytes) -> tuple[Any, ...]:
    mode, source, variables, limit = pickle.loads(request)  # noqa: S301 - the server's own
    _allow_cpu(limit)
    try:
        return answer(mode, source, variables, limit)
    except MemoryError:
        return ("retire", "Out of memory", None)


def serve(answer: Answer, *, new_processes: bool = False) -> None:
    inward = sys.stdin.fileno()
    outward = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints never reach the answers
    _bound(int(sys.argv[1]), new_processes)
    write_frame(outward, READY)
    while True:
        try:
            request = read_frame(inward, time.monotonic() + 365 * 86400, limit=1 << 40)
        except Exception:  # the server ended: so does this process
            return
        write_frame(outward, _encoded(_reply(answer, request)))
