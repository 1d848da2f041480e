"""Real operating-system processes for the multi-process tests: gunicorn app processes and
`maatwerk worker`s started the way the README starts them, HTTP over real sockets, and
finding which process owns a given database connection (to kill exactly that one)."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from maatwerk.bench.http_runs import children_of, free_port

BIN = Path(sys.executable).parent  # .venv/bin: gunicorn and maatwerk live next to python
ROOT = Path(__file__).resolve().parents[1]
SECRET = "multiprocess-test-secret-key-long-enough"
T = TypeVar("T")


def process_env(database_url: str, instance_dir: Path) -> dict[str, str]:
    """The environment a production process gets: only MAATWERK_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAATWERK_")}
    env.update(MAATWERK_DATABASE_URL=database_url, MAATWERK_SECRET_KEY=SECRET,
               MAATWERK_AUDIT_KEY=os.environ["MAATWERK_AUDIT_KEY"],
               MAATWERK_INSTANCE_DIR=str(instance_dir), PYTHONUNBUFFERED="1",
               # these tests hold locks on purpose while they line processes up
               MAATWERK_DB_BUSY_TIMEOUT="240", MAATWERK_DB_STATEMENT_TIMEOUT="300",
               MAATWERK_DB_IDLE_TIMEOUT="300")
    return env


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll until `condition()` is truthy and return it; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class AppProcess:
    """`gunicorn -b 127.0.0.1:<port> -w <workers> "maatwerk:create_app()"`."""

    def __init__(self, database_url: str, workers: int, log_dir: Path, name: str) -> None:
        self.port = free_port()
        self.workers = workers
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
                 "--timeout", "120", "maatwerk:create_app()"],
                env=process_env(database_url, log_dir), cwd=ROOT, stdout=out,
                stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                status, _ = request(self.port, "GET", "/healthz", None, timeout=5)
            except OSError:
                return False
            return status == 200 and len(self.worker_pids()) == self.workers
        wait_for(ready, timeout, f"gunicorn on port {self.port}", interval=0.2)

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        stop_process(self.process)


class WorkerProcess:
    """`maatwerk worker` (polling every `interval` seconds), its log in a file."""

    def __init__(self, database_url: str, log_dir: Path, name: str, interval: float = 0.2,
                 once: bool = False) -> None:
        self.log = log_dir / f"{name}.log"
        args = [str(BIN / "maatwerk"), "worker", "--interval", str(interval)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                args + (["--once"] if once else []), env=process_env(database_url, log_dir),
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    def fired(self) -> int:
        """Cases this worker fired timers of, from its log lines."""
        total = 0
        for line in self.log.read_text().splitlines():
            if "fired timers of " in line:
                total += int(line.split("fired timers of ")[1].split()[0])
        return total

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn and the worker stop gracefully), SIGKILL if that takes too long."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def request(port: int, method: str, path: str, token: str | None,
            body: dict[str, Any] | None = None, timeout: float = 90) -> tuple[int, Any]:
    """One HTTP request on its own connection; (status, parsed JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


def upload(port: int, token: str, path: Path) -> tuple[int, Any]:
    """POST a model file to /api/v1/process-models as multipart form data."""
    boundary = "maatwerk-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{path.name}\"\r\nContent-Type: application/xml\r\n\r\n").encode() \
        + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/v1/process-models", body, {
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def race(calls: list[Callable[[], T]], timeout: float = 120) -> list[T | BaseException]:
    """Run every call in its own thread, released together by a barrier; results in order
    (an exception a call raised takes its place)."""
    barrier = threading.Barrier(len(calls))
    results: list[T | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a racing call did not finish"
    return results  # type: ignore[return-value]  # every slot was filled


def pid_with_local_port(port: int, candidates: list[int]) -> int | None:
    """Which of `candidates` owns the TCP socket whose local port is `port` (e.g. the
    client end of a PostgreSQL connection that pg_stat_activity shows as client_port)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in candidates:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in inodes for link in links):
            return pid
    return None
