"""Rate limits on signing in, on the public forms and on downloads through a resident's
private link, against guessing and flooding (each download is an audit event).

A sliding window per key (client address, and the user name for signing in), kept in this
process: with several gunicorn processes each keeps its own window, so the effective limit
is the number of processes times the limit — enough to stop guessing at scale.
"""
from __future__ import annotations

import threading
import time
from collections import deque

from flask import Flask, Response, jsonify, render_template, request


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """0 when this hit is allowed (and counted), else seconds until one is."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 50_000:
                self._hits.clear()
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] > self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return int(self.seconds - (now - hits[0])) + 1
            hits.append(now)
            return 0


#: endpoint -> (window, the method it limits)
LIMITED = {"auth.login": ("login", "POST"), "resident.start": ("form", "POST"),
           "resident.complete_task": ("form", "POST"), "resident.send_message": ("form", "POST"),
           "documents.resident_download": ("download", "GET"),
           "documents.resident_message_pdf": ("download", "GET")}


def install(app: Flask, login_limit: int, form_limit: int, download_limit: int) -> None:
    windows = {"login": SlidingWindow(login_limit, 300), "form": SlidingWindow(form_limit, 600),
               "download": SlidingWindow(download_limit, 600),
               # one user name from many addresses (an account that exists is also limited
               # in the database, in every process: accounts.authenticate)
               "account": SlidingWindow(login_limit, 300)}

    @app.before_request
    def _limit() -> tuple[Response | str, int, dict[str, str]] | None:
        kind, method = LIMITED.get(request.endpoint or "", ("", ""))
        if not kind or request.method != method:
            return None
        key = request.remote_addr or "?"
        wait = 0
        if kind == "login":
            name = (request.form.get("username") or "")[:80].lower()
            key += "|" + name
            wait = windows["account"].retry_after(name)
        wait = wait or windows[kind].retry_after(key)
        if not wait:
            return None
        headers = {"Retry-After": str(wait)}
        if request.path.startswith("/api/"):
            return jsonify({"error": "Too many attempts; try again later."}), 429, headers
        return render_template("error.html", status=429, title="Te veel pogingen",
                               message="Te veel pogingen. Probeer het over een paar minuten "
                                       "opnieuw."), 429, headers
