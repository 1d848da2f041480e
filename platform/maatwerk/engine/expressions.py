"""Expressions as designers write them in Camunda Modeler, made ready for the sandbox.

- JUEL conditions (`${volledig == true}`) become Python;
- ISO 8601 timer values written without quotes (`P42D`, `2027-01-01T09:00:00Z`, `R3/PT1H`)
  are literal strings, not Python;
- everything else is a Python expression.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from . import case_document, juel, sandbox

PYTHON_FORMATS = ("python", "py", "python3")  # the script formats that run here

_ISO_DURATION = (r"P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
                 r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?")
_ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_ISO_PART = f"(?:{_ISO_DURATION}|{_ISO_DATETIME})"
_ISO_VALUE = re.compile(rf"^(?:R\d*/{_ISO_PART}(?:/{_ISO_PART})?|{_ISO_PART})$", re.IGNORECASE)


def is_iso_literal(text: str) -> bool:
    return bool(_ISO_VALUE.match(text.strip()))


@lru_cache(maxsize=4096)
def to_python(expression: str) -> str:
    """The Python text the sandbox evaluates for this model expression."""
    text = expression.strip()
    if is_iso_literal(text):
        return repr(text.upper() if text.upper().startswith(("P", "R")) else text)
    if juel.is_juel(text):
        return juel.to_python(text)
    return text


def problems_in_expression(expression: str) -> list[str]:
    """Why this expression can't be used (empty when it can), for refusing at upload."""
    if expression.strip().startswith("="):
        return [("this is a FEEL expression (Camunda 8); write JUEL such as ${approved == true}"
                " or a Python expression")]
    try:
        python = to_python(expression)
    except juel.JuelError as exc:
        return [str(exc)]
    return sandbox.check_expression(python)


_CYCLE_INTERVAL = re.compile(r"^R\d*/(?:[^/]+/)?(P[^/]*)(?:/[^/]+)?$")


def zero_cycle(text: str) -> bool:
    """An ISO 8601 cycle whose interval is nothing (R/PT0S): it would repeat without pause."""
    found = _CYCLE_INTERVAL.match(text.strip())
    return found is not None and re.search(r"[1-9]", found.group(1)) is None


def problems_in_timer(expression: str) -> list[str]:
    text = expression.strip()
    if not text:
        return ["the timer has no value; give an ISO 8601 duration (P14D), date or cycle"]
    if zero_cycle(text):
        return [(f"the cycle '{text}' repeats with no time in between (it would fire without "
                "pause); give an interval such as R/PT1H")]
    problems = problems_in_expression(text)
    if problems:
        return [(f"'{text}' is not an ISO 8601 duration (P14D, PT2H), date "
                f"(2027-01-01T09:00:00Z) or cycle (R3/PT1H), nor a valid expression "
                f"({problems[0]})")]
    return []


def evaluate(expression: str, variables: dict[str, object]) -> object:
    """Evaluate a model expression (JUEL or Python) against case data, in the sandbox."""
    return evaluate_python(to_python(expression), variables)


def evaluate_python(python: str, variables: dict[str, Any]) -> Any:
    """Evaluate a translated expression against case data, which GZAC's document reads
    (`case_value`, case_document.py) read too."""
    if case_document.READER in python:
        variables = case_document.with_reader(variables)
    return sandbox.evaluate(python, variables)
