"""GZAC's case document, as Camunda 7 models made for GZAC/Valtimo read it.

In GZAC a case has a JSON document (the dossier its forms fill in), and a model reads it
with a JSON pointer: `${documentDelegateService.findValueByJsonPointer("/aanvraag/bedrag",
execution)}` (or `documentVariableDelegate.`), `findValueByJsonPointerOrDefault(pointer,
execution, default)` and `${documentReaderService.getValueFromDocumentAtPathOrDefault(
pointer, execution.businessKey, default)}`. In Maatwerk a case's data is its document, so
these read the case data at the pointer (RFC 6901): `/aanvraag/bedrag` is the key `bedrag`
of the variable `aanvraag`, a number picks an item of a list. Without a default, a pointer
that finds nothing stops the step with that reason, as GZAC does.

The JUEL translation (juel.py) turns these calls into `case_value(pointer[, default])`; the
evaluation gives the expression a `case_value` that reads the data it runs against.
"""
from __future__ import annotations

from functools import partial
from typing import Any

READER = "case_value"
# (bean, method) -> (what the second argument must be, whether a default follows)
# (GZAC's DocumentDelegateService is the bean documentDelegateService; process blueprints
# also use the name documentVariableDelegate)
READS: dict[tuple[str, str], tuple[str, bool]] = {
    **{(bean, "findValueByJsonPointer"): ("execution", False)
       for bean in ("documentDelegateService", "documentVariableDelegate")},
    **{(bean, "findValueByJsonPointerOrDefault"): ("execution", True)
       for bean in ("documentDelegateService", "documentVariableDelegate")},
    ("documentReaderService", "getValueFromDocumentAtPathOrDefault"):
        ("execution.businessKey", True),
}
BEANS = frozenset(bean for bean, _ in READS)
_MISSING = object()


class NoValue(LookupError):
    """The case data has nothing at the pointer (and no default was given)."""


def pointer_problem(pointer: str) -> str | None:
    """Why this is not a JSON pointer to a value of the case (None: it is one)."""
    if not pointer.startswith("/") or pointer == "/":
        return f"'{pointer}' is not a JSON pointer to a value, such as \"/aanvraag/bedrag\""
    return None


def value_at(data: dict[str, Any], pointer: str, default: Any = _MISSING) -> Any:
    """The value of the case data at a JSON pointer; `default` when there is none."""
    current: Any = data
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif default is not _MISSING:
            return default
        else:
            raise NoValue(f"the case data has no value at {pointer} (GZAC's document is the "
                          "case data here)")
    return current


def with_reader(variables: dict[str, Any]) -> dict[str, Any]:
    """The variables an expression runs against, with `case_value` reading them."""
    return {**variables, READER: partial(value_at, variables)}
