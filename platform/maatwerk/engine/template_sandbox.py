"""Designers' templates (message texts, letters) filled in: Jinja2's immutable sandbox, so a
template cannot run code or change data, in a sandbox process (sandbox_pool.py), so a
template that loops for ever (`{% for i in range(100000) %}{% for j in range(100000) %}`)
or builds a gigabyte of text ends as an error instead of holding a web worker.

Every failure is a jinja2 TemplateError (a TemplateSyntaxError with its line where the text
is not a template), whatever went wrong inside: `{{ 1 / 0 }}` too.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import sandbox_pool
from .sandbox_errors import SandboxError

TIME_LIMIT = 2.0  # seconds to fill in one template


@cache
def environment(html: bool, strict: bool = True) -> ImmutableSandboxedEnvironment:
    """HTML escapes every value; `strict` refuses unknown names (at upload), else they
    are empty (a field the case does not have)."""
    return ImmutableSandboxedEnvironment(
        autoescape=html, undefined=StrictUndefined if strict else ChainableUndefined,
        keep_trailing_newline=not html)


def render(text: str, values: dict[str, Any], *, html: bool, strict: bool = True) -> str:
    """The template filled in with `values`; TemplateError when it cannot be."""
    if sandbox_pool.inline():
        return render_inline(text, values, html, strict)
    try:
        kind, value, line = sandbox_pool.ask("template", (text, html, strict), values,
                                             TIME_LIMIT)
    except SandboxError as exc:  # it took too long, or could not be given the values
        raise TemplateError(str(exc)) from None
    if kind == "ok":
        return str(value)
    if kind == "template_error":
        raise failure(value, line)
    raise TemplateError(f"The template could not be filled in: {value}")  # out of memory


def render_inline(text: str, values: dict[str, Any], html: bool, strict: bool) -> str:
    """`render` in this process (the sandbox process runs it)."""
    try:
        return environment(html, strict).from_string(text).render(values)
    except (TemplateError, MemoryError):
        raise
    except Exception as exc:  # the template's own errors: 1 / 0, int('x'), ...
        raise TemplateError(f"{type(exc).__name__}: {exc}") from None


def answer(source: tuple[str, bool, bool], values: dict[str, Any]) -> tuple[Any, ...]:
    """The sandbox process's answer to a template request (sandbox_process.py)."""
    text, html, strict = source
    try:
        return ("ok", render_inline(text, values, html, strict), None)
    except TemplateSyntaxError as exc:
        return ("template_error", exc.message or str(exc), exc.lineno)
    except TemplateError as exc:
        return ("template_error", str(exc), None)


def failure(message: str, line: int | None) -> TemplateError:
    """The TemplateError of a sandbox process's answer, as the process raised it."""
    return TemplateSyntaxError(message, line) if line is not None else TemplateError(message)
