"""Maatwerk: BPMN cases with room for people."""
from __future__ import annotations

from .config import Settings


def create_app(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    """The Flask app; the only place that wires the layers together."""
    from .web.app import build_app

    return build_app(settings or Settings())
