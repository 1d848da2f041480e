"""What designers' templates (message texts, mail_templates.py; letters, letters.py) are
filled in: Jinja2's immutable sandbox, so a template can't run code or change data, in a
sandbox process that the operating system bounds (engine/template_sandbox.py); and how a
template that can't be filled in is explained at upload."""
from __future__ import annotations

import re
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from ..engine import template_sandbox

_NO_FIELD = re.compile(r"^'dict object' has no attribute '([^']+)'$")


def render(text: str, values: dict[str, Any], *, html: bool, strict: bool = True) -> str:
    """The template filled in (engine/template_sandbox.py: Jinja2's immutable sandbox, in
    a sandbox process); TemplateError when it cannot be."""
    return template_sandbox.render(text, values, html=html, strict=strict)


def problem(exc: TemplateError, values: dict[str, Any], noun: str) -> str:
    """Why a template could not be filled in with `values`, in a designer's words."""
    if isinstance(exc, TemplateSyntaxError):
        return f"line {exc.lineno}: {exc.message}"
    if str(exc).startswith("The template"):  # it ran too long or out of memory
        return str(exc)
    field = _NO_FIELD.match(str(exc))
    if field is not None:
        return (f"no form of this model has a field '{field.group(1)}' "
                "(gegevens.<field> reads the case's data)")
    return f"{str(exc).rstrip('.')}; a {noun} here can use: {', '.join(sorted(values))}"
