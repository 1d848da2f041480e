"""Gunicorn's access log without the residents' private links: a status link is the key to
a case, so `/status/<token>` is written as `/status/…` in the request line, the path and
the referrer. `make run` and the Docker image start gunicorn with
`--logger-class maatwerk.web.access_log.MaskedAccessLogger`."""
from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_STATUS_LINK = re.compile(r"/status/[A-Za-z0-9_-]+")
_MASKED = ("r", "U", "f", "{referer}i")


class MaskedAccessLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in _MASKED:
            if isinstance(atoms.get(key), str):
                atoms[key] = _STATUS_LINK.sub("/status/…", atoms[key])
        return atoms
