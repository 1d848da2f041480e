"""Designer code runs in separate processes that the operating system bounds.

The language rules, guards and time watch of sandbox.py stop most hostile code, but one C
call (hashing a tuple that shares itself 30 levels deep, a `%` format of 300 MB) cannot be
interrupted from inside Python. So every evaluation and script runs in a sandbox process
(sandbox_process.py): a fresh Python whose memory, CPU time, new processes and files the
kernel limits (setrlimit). The caller waits for its answer at most the time limit plus a
margin; a process that overruns is killed and replaced, and the call ends as a
SandboxError, an error of that case only. Web workers and the timer worker go on.

Each server process keeps its own small pool (pre-started processes, one per thread that
runs code at the same moment, a few kept idle); a process forked from a parent that had a
pool starts its own. Requests go to the sandbox process as a pickle (trusted data: the
case's variables); answers come back through an unpickler that builds only plain data
(text, numbers, lists, dicts, sets, tuples), so a process that the code took over still
cannot make the server run anything.
"""
from __future__ import annotations

import atexit
import io
import logging
import math
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from .. import config
from .sandbox_errors import SandboxError

log = logging.getLogger(__name__)
_HEADER = struct.Struct(">Q")
_MAX_ANSWER = 64 * 1024 * 1024   # bytes of one answer (a script's data is at most 1 MB)
_READY_WITHIN = 60.0             # seconds a new sandbox process may take to start
_MARGIN = 1.0                    # seconds past the time limit before the process is killed
_KEEP_IDLE = 4
_KINDS = ("ok", "error", "retire", "template_error")
READY = b"ready"
SANDBOX = "maatwerk.engine.sandbox_process"  # the module designer code runs in


class _Gone(Exception):
    """The sandbox process did not answer in time, or ended."""


_ALLOWED_CLASSES: dict[tuple[str, str], type] = {
    ("builtins", "range"): range, ("builtins", "complex"): complex}


class _PlainData(pickle.Unpickler):
    """Unpickles only what needs no class lookup, and ranges and complex numbers."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED_CLASSES.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
        return allowed


def plain_loads(data: bytes) -> Any:
    return _PlainData(io.BytesIO(data)).load()


def write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int, deadline: float, limit: int = _MAX_ANSWER) -> bytes:
    """One length-prefixed frame from `fd`, by `deadline` (time.monotonic())."""
    header = _read_exactly(fd, _HEADER.size, deadline)
    (size,) = _HEADER.unpack(header)
    if size > limit:
        raise _Gone(f"an answer of {size} bytes")
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    parts: list[bytes] = []
    left = size
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            raise _Gone("timeout")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise _Gone("ended")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


class _Process:
    """One sandbox process and the two pipes to it."""

    def __init__(self, memory_mb: int, module: str) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", module, str(memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
            start_new_session=True)
        if self.popen.stdin is None or self.popen.stdout is None:  # pragma: no cover
            raise RuntimeError("the sandbox process has no pipes")
        self.to_child = self.popen.stdin.fileno()
        self.from_child = self.popen.stdout.fileno()
        self.ready = False

    def wait_ready(self) -> None:
        if not self.ready:
            try:
                started = read_frame(self.from_child, time.monotonic() + _READY_WITHIN)
            except _Gone:
                started = b""
            if started != READY:
                raise _Gone("not started")
            self.ready = True

    def ask(self, request: bytes, limit: float) -> Any:
        self.wait_ready()
        try:
            write_frame(self.to_child, request)
        except OSError as exc:
            raise _Gone("ended") from exc
        frame = read_frame(self.from_child, time.monotonic() + limit + _MARGIN)
        try:
            answer = plain_loads(frame)
        except Exception as exc:  # whatever a process that the code took over could send
            raise _Gone(f"an answer that is not plain data ({type(exc).__name__})") from None
        if not (isinstance(answer, tuple) and len(answer) == 3 and answer[0] in _KINDS):
            raise _Gone("an answer of the wrong shape")
        return answer

    def kill(self) -> int | None:
        """End the process; its exit status (negative: the signal that ended it)."""
        if self.popen.poll() is None:
            self.popen.kill()
        try:
            status = self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            status = None
        for pipe in (self.popen.stdin, self.popen.stdout):
            if pipe is not None:
                pipe.close()
        return status


class SandboxPool:
    """The sandbox processes of this server process."""

    def __init__(self, memory_mb: int, module: str = SANDBOX) -> None:
        """Processes running `module` (its main() calls `serve`), bounded to memory_mb."""
        self.memory_mb = memory_mb
        self.module = module
        self.pid = os.getpid()
        self._idle: list[_Process] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start one process ahead, so that the first call does not wait for it."""
        with self._lock:
            if not self._idle:
                self._idle.append(_Process(self.memory_mb, self.module))

    def ask(self, mode: str, source: Any, variables: dict[str, Any], limit: float
            ) -> tuple[Any, ...]:
        """The sandbox process's answer (sandbox_process.py); SandboxError when it overran."""
        try:
            request = pickle.dumps((mode, source, variables, limit), pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            raise SandboxError(f"The case data cannot be given to the code ({exc})") from None
        process = self._take()
        try:
            answer = process.ask(request, limit)
        except _Gone as exc:
            error = _overrun(process, mode, limit, exc)
            self.start()  # its replacement starts now, not when the next call comes
            raise error from None
        except BaseException:
            process.kill()  # interrupted while it ran: its state is unknown
            raise
        if answer[0] == "retire":
            process.kill()
        else:
            self._give_back(process)
        return tuple(answer)

    def _take(self) -> _Process:
        with self._lock:
            process = self._idle.pop() if self._idle else None
        if process is None or process.popen.poll() is not None:
            if process is not None:
                process.kill()
            process = _Process(self.memory_mb, self.module)
        return process

    def _give_back(self, process: _Process) -> None:
        with self._lock:
            if len(self._idle) < _KEEP_IDLE:
                self._idle.append(process)
                return
        process.kill()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            process.kill()


def _overrun(process: _Process, mode: str, limit: float, exc: BaseException) -> SandboxError:
    status = process.kill()
    module = process.popen.args[2] if isinstance(process.popen.args, list) else "?"
    what = {"eval": "expression", "exec": "script", "pdf": "letter"}.get(mode, mode)
    if str(exc) == "not started":
        log.error("a bounded process (%s) did not start (exit status %s); see its output "
                  "above", module, status)
        return SandboxError(f"The {what} could not be run: the server could not start a "
                            "sandbox process for it")
    if str(exc) == "timeout" or status == -signal.SIGXCPU:
        return SandboxError(f"The {what} took too long (more than {limit:g} s); it was stopped")
    if isinstance(exc, _Gone) and str(exc) == "ended" and status not in (0, None):
        return SandboxError(f"The {what} was stopped: it used more memory than allowed")
    return SandboxError(f"The {what} gave a value that cannot be used ({exc})")


def _result(answer: tuple[Any, ...]) -> Any:
    kind, value, unknown = answer
    if kind == "ok":
        return value
    error = SandboxError(value)
    if unknown is not None:  # as in this process: the cause names the unknown variable
        raise error from NameError(f"name '{unknown}' is not defined", name=unknown)
    raise error


_POOLS: dict[str, SandboxPool] = {}
_POOL_LOCK = threading.Lock()


def pool(module: str = SANDBOX, memory_mb: int | None = None) -> SandboxPool:
    """This process's pool of processes running `module` (a forked child gets its own)."""
    with _POOL_LOCK:
        found = _POOLS.get(module)
        if found is None or found.pid != os.getpid():
            memory = config.sandbox_settings().memory_mb if memory_mb is None else memory_mb
            found = _POOLS[module] = SandboxPool(memory, module)
        return found


def inline() -> bool:
    """MAATWERK_SANDBOX=inline: run in the calling process (for measuring only)."""
    return config.sandbox_settings().mode == "inline"


def run(mode: str, source: str, variables: dict[str, Any], limit: float) -> Any:
    """Run `source` ('eval' or 'exec') in a sandbox process; its value or its variables."""
    return _result(ask(mode, source, variables, limit))


def ask(mode: str, source: Any, variables: dict[str, Any], limit: float,
        module: str = SANDBOX, memory_mb: int | None = None) -> tuple[Any, ...]:
    """A request of any kind to a process running `module`: its answer as it gave it."""
    if not math.isfinite(limit) or limit <= 0:
        raise SandboxError("The time limit must be a positive number of seconds")
    return pool(module, memory_mb).ask(mode, source, variables, limit)


def _close_at_exit() -> None:
    for found in list(_POOLS.values()):
        if found.pid == os.getpid():
            found.close()


atexit.register(_close_at_exit)
