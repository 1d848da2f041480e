"""FEEL unary tests in DMN input entries, as Camunda Modeler writes them, for the engine.

Camunda 7 evaluates a decision table's input entries as FEEL *unary tests*: a test on the
input's value. The engine's DMN evaluator runs Python, where `?` stands for the input's
value; each entry is translated once, when the model is read:

    -  or empty        any value                  (no test)
    "ja"  12  true     equal to the value         ? == 'ja'
    < 10   >= 18       a comparison               ? < 10
    [5..8]  ]5..8[     a range, closed or open    5 <= ? <= 8,  5 < ? < 8
    "a", "b"  1, [5..8]  any of the tests         (? == 'a') or (? == 'b')
    not("a", "b")      none of the tests          not ((? == 'a') or (? == 'b'))

An end point is a number, a string, true, false, null or a variable of the case. Dates,
functions and other FEEL expressions are refused with a message that says so. An entry
that is no FEEL unary test but a Python condition that an earlier Maatwerk accepted
(`in ("a", "b")`) still runs as before.
"""
from __future__ import annotations

import json
import keyword
import re

from lxml import etree

from . import sandbox

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_RANGE = re.compile(r"([\[\]\(])(.+?)\.\.(.+)([\[\]\)])", re.DOTALL)
_LITERALS = {"true": "True", "false": "False", "null": "None"}
INPUT = "?"  # the engine's name for the input value in an entry


class FeelError(ValueError):
    """An input entry that is not a FEEL unary test Maatwerk can run; says why."""


def entry_to_python(text: str | None) -> str | None:
    """The engine's Python test for an input entry (None: any value)."""
    entry = (text or "").strip()
    try:
        return unary_tests(entry)
    except FeelError:
        if _legacy_python(entry):
            return entry
        raise


def unary_tests(text: str) -> str | None:
    """Python for FEEL unary tests on the input `?`; None for '-' (any value)."""
    entry = text.strip()
    if entry in ("", "-"):
        return None
    if entry.startswith("not(") and entry.endswith(")") and _closes_at_end(entry, 3):
        inner = unary_tests(entry[4:-1])
        if inner is None:
            raise FeelError("not(...) needs at least one test inside, such as not(\"nee\")")
        return f"not ({inner})"
    tests = [_test(part) for part in _split(entry)]
    return tests[0] if len(tests) == 1 else " or ".join(f"({test})" for test in tests)


def _test(part: str) -> str:
    text = part.strip()
    if not text:
        raise FeelError("an empty test between commas")
    found = _RANGE.fullmatch(text)
    if found:
        opening, low, high, closing = found.groups()
        lower = "<=" if opening == "[" else "<"
        upper = "<=" if closing == "]" else "<"
        return f"{_endpoint(low)} {lower} {INPUT} {upper} {_endpoint(high)}"
    for operator in ("<=", ">=", "<", ">"):
        if text.startswith(operator):
            return f"{INPUT} {operator} {_endpoint(text[len(operator):])}"
    if text.startswith(("=", "!")):
        raise FeelError(f"'{text}' is no FEEL unary test: write the value itself for "
                        "'equal to', and not(...) for 'not equal to'")
    return f"{INPUT} == {_endpoint(text)}"


def _endpoint(text: str) -> str:
    value = text.strip()
    if _NUMBER.fullmatch(value):
        return value
    if value in _LITERALS:
        return _LITERALS[value]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return repr(json.loads(value))
        except ValueError:
            raise FeelError(f"the text {value} is not closed properly") from None
    if value.isidentifier() and not keyword.iskeyword(value) and not value.startswith("_"):
        return value  # a variable of the case
    if value.startswith(("date(", "date and time(", "time(", "duration(")):
        raise FeelError(f"'{value}': dates and durations in input entries are not "
                        "supported yet")
    raise FeelError(f"'{value}' is not a value an input entry can test against (a number, "
                    "\"text\", true, false, null or a variable)")


def _split(text: str) -> list[str]:
    """The comma-separated tests of an entry, not splitting inside quotes or brackets."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]" and depth:
            depth -= 1
        elif not quoted and char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _closes_at_end(text: str, opening: int) -> bool:
    """Whether the bracket at `opening` closes at the last character."""
    depth, quoted = 0, False
    for index in range(opening, len(text)):
        char = text[index]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


# Python comparisons an earlier Maatwerk accepted as input entries
_LEGACY = ("!=", "==", "in ", "not in ", "is ")


def _legacy_python(entry: str) -> bool:
    return entry.startswith(_LEGACY) and not sandbox.check_expression(f"v {entry}")


def rewrite(root: etree._Element) -> None:
    """Put the engine's Python test in place of each input entry of a parsed DMN file."""
    for entry in root.iter():
        if not isinstance(entry.tag, str) or etree.QName(entry).localname != "inputEntry":
            continue
        for text in entry:
            if isinstance(text.tag, str) and etree.QName(text).localname == "text":
                python = entry_to_python(text.text)
                text.text = "-" if python is None else python
