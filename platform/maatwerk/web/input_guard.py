"""Input no part of the app can take, refused before any view sees it.

- ids in paths: the ``int`` converter only matches numbers a database id can be (a larger
  one is no route: 404, the answer for any id that does not exist);
- NUL characters anywhere (path, query, form fields, file names, JSON strings and keys):
  a PostgreSQL text value cannot hold them, so they would fail at the database; nor lone
  surrogates (`"\udc00"` in JSON), which are no Unicode text and can't be stored or sent;
- JSON that is not JSON: ``NaN``, ``Infinity`` and numbers too large for a float (Python's
  parser takes them, no database does), and JSON nested deeper than any form or model needs.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**63 - 1  # the largest BIGINT (and SQLite INTEGER)
MAX_JSON_DEPTH = 32


class IdConverter(IntegerConverter):
    """``<int:...>``: a whole number from 0 up to :data:`MAX_ID`."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large for a number")
    return number


class StrictJSONProvider(DefaultJSONProvider):
    """Request bodies as JSON allows them: no NaN or Infinity, no number beyond a float,
    and a body nested too deep for the parser is invalid JSON (not a crash)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("parse_float", _finite)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


class RefusedInput(BadRequest):
    """400, saying what was refused and where."""


def _refuse(where: str, english: str, dutch: str) -> RefusedInput:
    if request.path.startswith(("/api/", "/engine-rest/")):
        return RefusedInput(f"{english} (in {where}).")
    return RefusedInput(f"{dutch} (in ‘{where}’). Pas de invoer aan en probeer het opnieuw.")


def _texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every text of the request outside a JSON body."""
    yield "the address", request.path
    for key, value in request.args.items(multi=True):
        yield key, key + value
    if request.method in ("POST", "PUT", "PATCH"):
        for key, value in request.form.items(multi=True):
            yield key, key + value
        for key, file in request.files.items(multi=True):
            yield key, key + (file.filename or "")


def _json_problem(body: Any) -> tuple[str, str] | None:
    """(where, what) of the first NUL character or too deep nesting in a JSON body."""
    stack: list[tuple[Any, str, int]] = [(body, "body", 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return where, "depth"
        if isinstance(value, str):
            if _unstorable(value):
                return where, "nul"
        elif isinstance(value, dict):
            for key, item in value.items():
                if _unstorable(key):
                    return where, "nul"
                stack.append((item, f"{where}.{key}" if where != "body" else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
    return None


def _unstorable(text: str) -> bool:
    """A NUL character or a lone surrogate (text that is no Unicode)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def refuse_unusable_input() -> None:
    """A ``before_request`` hook: raise :class:`RefusedInput` for input no view can store."""
    for where, text in _texts():
        if "\x00" in text:
            raise _refuse(where, "A NUL character or a lone surrogate (text that is no "
                          "Unicode) can't be stored",
                          "Een NUL-teken of ongeldige tekst kan niet worden opgeslagen")
    if request.is_json and request.content_length != 0:
        body = request.get_json(silent=True)
        problem = _json_problem(body)
        if problem is not None:
            where, what = problem
            if what == "depth":
                raise _refuse(where, f"JSON may be nested at most {MAX_JSON_DEPTH} deep",
                              f"Gegevens mogen hoogstens {MAX_JSON_DEPTH} lagen diep zijn")
            raise _refuse(where, "A NUL character can't be stored",
                          "Een NUL-teken kan niet worden opgeslagen")


def page_number(text: str | None) -> int:
    """The page of a list asked for (?pagina=); anything but a plain page number is the
    first page."""
    if text and text.isascii() and text.isdigit() and len(text) <= 6:
        return max(1, int(text))
    return 1
