"""Designers' patterns for form fields, matched against what anyone types in time linear in
its length, whatever the pattern.

Python's own `re` backtracks: the common name pattern ``^([a-zA-Z]+\\s?)+$`` takes
minutes on 40 letters and a ``!``, and one anonymous post would hold a web worker that long.
RE2 (Google's engine, from PyPI as google-re2) never backtracks, so a match costs time in
proportion to the input. What RE2 cannot run that way, back-references and look-arounds,
is refused when the form is uploaded, with the reason; so is a pattern too large for the
memory RE2 is given.

RE2's syntax is the reference: ``\\d`` is 0-9 only (not every script's digits), ``\\z``
ends the text (Python's ``\\Z``). The whole value must match, as before.
"""
from __future__ import annotations

import functools

import re2  # type: ignore[import-untyped]

__all__ = ["full_match", "problem"]

MAX_MEMORY = 2 << 20  # bytes RE2 may use for one pattern (its default is 8 MiB)


def _options() -> object:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is our message, not a line on stderr
    options.max_mem = MAX_MEMORY
    return options


_OPTIONS = _options()

_SLOW = "needs a matcher that can take minutes on a crafted input"
_REASONS = (
    ("invalid escape sequence: \\Z",
     "write \\z for the end of the text, or leave it out: the whole value must match anyway"),
    ("invalid escape sequence: \\", f"a reference back to a group (\\1 and the like) {_SLOW}"),
    ("invalid named capture group", "a group name RE2 does not read; write (?P<name>...)"),
    ("invalid perl operator: (?=", f"a look-ahead (?=...) {_SLOW}"),
    ("invalid perl operator: (?!", f"a look-ahead (?!...) {_SLOW}"),
    ("invalid perl operator: (?<", f"a look-behind (?<=...) or (?<!...) {_SLOW}"),
    ("invalid repetition size", "a repetition count above 1000"),
    ("pattern too large", "it is too large to match in bounded memory"),
)


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> object:
    return re2.compile(pattern, _OPTIONS)


def problem(pattern: str) -> str | None:
    """Why `pattern` can't be matched safely, in a sentence for the designer; or None."""
    try:
        _compiled(pattern)
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        for start, reason in _REASONS:
            if detail.startswith(start):
                return f"{reason} ({detail})"
        return detail
    except (UnicodeEncodeError, TypeError) as exc:
        return f"it is not a readable pattern ({exc})"
    return None


def full_match(pattern: str, text: str) -> bool:
    """Whether the whole of `text` matches `pattern`. A pattern that can't run safely (one
    stored before patterns were checked) matches nothing, so the answer is refused."""
    if problem(pattern) is not None:
        return False
    try:
        return _compiled(pattern).fullmatch(text) is not None  # type: ignore[attr-defined]
    except UnicodeEncodeError:  # a lone surrogate: no text anyone typed
        return False
