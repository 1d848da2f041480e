"""What designers' templates (message texts, mail_templates.py; letters, letters.py) are
filled in: Jinja2's immutable sandbox, so a template can't run code or change data; and
how a template that can't be filled in is explained at upload."""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

_NO_FIELD = re.compile(r"^'dict object' has no attribute '([^']+)'$")


@cache
def environment(html: bool, strict: bool = True) -> ImmutableSandboxedEnvironment:
    """HTML escapes every value; `strict` refuses unknown names (at upload), else they
    are empty (a field the case does not have)."""
    return ImmutableSandboxedEnvironment(
        autoescape=html, undefined=StrictUndefined if strict else ChainableUndefined,
        keep_trailing_newline=not html)


def problem(exc: TemplateError, values: dict[str, Any], noun: str) -> str:
    """Why a template could not be filled in with `values`, in a designer's words."""
    if isinstance(exc, TemplateSyntaxError):
        return f"line {exc.lineno}: {exc.message}"
    field = _NO_FIELD.match(str(exc))
    if field is not None:
        return (f"no form of this model has a field '{field.group(1)}' "
                "(gegevens.<field> reads the case's data)")
    return f"{str(exc).rstrip('.')}; a {noun} here can use: {', '.join(sorted(values))}"
