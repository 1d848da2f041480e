"""Cases through HTTP on gunicorn: the JSON API, keep-alive clients, worker memory."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .threads import timed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Gunicorn:
    """A real gunicorn serving the app on loopback, stopped when the block ends."""

    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        env = dict(os.environ, MAATWERK_DATABASE_URL=url,
                   MAATWERK_SECRET_KEY="bench-secret-key-of-enough-length")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "maatwerk:create_app()"], env=env)
        self.workers = workers

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *_exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def rss_mib_per_worker(self) -> float:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return round(sum(sizes) / len(sizes), 1) if sizes else 0.0


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc), e.g. a gunicorn's workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.conn.request("POST", path, json.dumps(body), self.headers)
        response = self.conn.getresponse()
        answer = response.read()
        data: dict[str, Any] = json.loads(answer) if answer else {}  # 204: no body
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {data}")
        return data


def _drive(port: int, env: dict[str, Any], cases: int, latencies: list[float]) -> None:
    client = Client(port, env["token"])
    for _ in range(cases):
        case = client.post("/api/v1/cases", {"process_key": env["process_key"], "data": {}})
        while case["open_tasks"]:
            task_id = case["open_tasks"][0]["id"]
            t0 = time.perf_counter()
            case = client.post(f"/api/v1/tasks/{task_id}/complete", {"data": {}})
            latencies.append(1000 * (time.perf_counter() - t0))


def run(url: str, env: dict[str, Any], workers: int, cases: int, clients: int) -> dict[str, Any]:
    from .__main__ import summary
    with Gunicorn(url, workers) as server:
        _drive(server.port, env, 2, [])  # warm up: imports, spec cache, connections
        latencies: list[float] = []
        per_client = max(1, cases // clients)
        threads = [threading.Thread(target=_drive, args=(server.port, env, per_client, latencies))
                   for _ in range(clients)]
        elapsed = timed(threads)
        rss = server.rss_mib_per_worker()
    return {**summary(latencies), "cases_per_second": round(per_client * clients / elapsed, 1),
            "workers": workers, "clients": clients, "rss_mib_per_worker": rss}
