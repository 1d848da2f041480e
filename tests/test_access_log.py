"""The access log of a real gunicorn, started as `make run` and the image start it, does
not hold residents' private links: `/status/<token>` is written as `/status/…` in the
request line and the referrer."""
from __future__ import annotations

import http.client
import subprocess
from pathlib import Path

from processes import BIN, ROOT, free_port, process_env, stop_process, wait_for

LOGGER = "--logger-class maatwerk.web.access_log.MaskedAccessLogger"
TOKEN = "Zq3kVQ8xw1_secret-token-of-a-resident"


def test_status_links_are_masked_in_the_access_log(database_url: str, tmp_path: Path,
                                                   demo_loaded: list[str]) -> None:
    assert LOGGER in (ROOT / "Makefile").read_text().replace("\\\n\t  ", "")
    assert LOGGER in (ROOT / "scripts" / "docker-entrypoint").read_text().replace(
        "\\\n            ", "")
    port, log = free_port(), tmp_path / "access.log"
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "1", "--access-logfile",
         str(log), *LOGGER.split(), "maatwerk:create_app()"],
        env=process_env(database_url, tmp_path), cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _get(port, "/healthz") == 200, 60, "gunicorn")
        assert _get(port, f"/status/{TOKEN}") == 404
        assert _get(port, f"/status/{TOKEN}/documenten/x?taal=en",
                    {"Referer": f"http://127.0.0.1:{port}/status/{TOKEN}"}) == 404
        wait_for(lambda: log.read_text().count("/status/…") >= 3, 10, "the log lines")
    finally:
        stop_process(process)
    text = log.read_text()
    assert TOKEN not in text
    assert "GET /status/… HTTP/1.1" in text and "/status/…/documenten/x?taal=en" in text


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()
