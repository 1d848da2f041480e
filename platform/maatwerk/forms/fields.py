"""What both form parsers share: collecting problems, the rules every field obeys, and
building the :class:`FormField` once its source has been read.

Problems are collected, never raised one by one, so a designer sees every
problem of a form at once (see :class:`maatwerk.forms.model.FormDefinitionError`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from maatwerk.config import CHANNELS
from maatwerk.forms import patterns
from maatwerk.forms.model import RESERVED_KEYS, FormField, Option

__all__ = [
    "KEY_RE",
    "REQUIRED_CHANNELS",
    "FieldProblems",
    "Problems",
    "check_key",
    "check_options",
    "check_unique_keys",
    "compile_pattern",
    "describe",
    "finish_field",
    "read_required_channels",
]

#: The custom property of a form field that names the channels on which it is required
#: (comma separated, e.g. "online": an e-mail address a resident without one need not give
#: at the counter).
REQUIRED_CHANNELS = "maatwerk:requiredChannels"

KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Problems:
    """Every problem of one form, as ``(component id or key, readable sentence)``."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, sentence: str) -> None:
        self.items.append((where, sentence))

    def of(self, where: str, subject: str) -> FieldProblems:
        return FieldProblems(self, where, subject)


@dataclass(frozen=True)
class FieldProblems:
    """The problems of one field: ``where`` they are reported, ``subject`` names the field
    in the sentences (e.g. ``Component 'Field_1' (key 'naam', type 'textfield')``)."""

    problems: Problems
    where: str
    subject: str

    def add(self, sentence: str) -> None:
        self.problems.add(self.where, sentence)

    @property
    def count(self) -> int:
        """How many problems the whole form has so far."""
        return len(self.problems.items)


def describe(component_id: str, key: str, ctype: str) -> str:
    """E.g. ``Component 'Field_0x' (key 'naam', type 'textfield')``."""
    name = f"Component {component_id!r}" if component_id else "Component"
    details = []
    if key:
        details.append(f"key {key!r}")
    if ctype:
        details.append(f"type {ctype!r}")
    return f"{name} ({', '.join(details)})" if details else name


def check_key(key: str, report: FieldProblems) -> bool:
    """A key becomes a data variable that clashes with nothing: letters, digits, _ and -
    (Camunda's formData ids may have hyphens, as `jaar-omzet`; such a variable is read by
    its name in data, not in an expression, where `-` is a minus, as in Camunda)."""
    if not KEY_RE.fullmatch(key) or keyword.iskeyword(key) or key.startswith("_"):
        report.add(
            f"{report.subject} has key {key!r}; a key may only hold letters, digits, "
            "_ and -, must start with a letter and must not be a "
            "Python keyword.",
        )
        return False
    if key in RESERVED_KEYS:
        report.add(
            f"{report.subject} uses the reserved key {key!r}; choose another name."
        )
        return False
    return True


def compile_pattern(pattern: str, report: FieldProblems) -> str | None:
    """The pattern, when it can be matched in bounded time (forms/patterns.py)."""
    why = patterns.problem(pattern)
    if why is not None:
        report.add(f"{report.subject} has a pattern {pattern!r} that can't be used: {why}.")
        return None
    return pattern


def check_options(options: list[Option], report: FieldProblems) -> None:
    if not options:
        report.add(f"{report.subject} has no options.")
        return
    seen: set[str] = set()
    for option in options:
        if not option.value.strip():
            report.add(
                f"{report.subject} has an option without a value; "
                "every option needs one.",
            )
        if option.value in seen:
            report.add(f"{report.subject} has option {option.value!r} more than once.")
        seen.add(option.value)


def _check_default(ff: FormField, report: FieldProblems) -> None:
    """A default that can never be valid is a design error."""
    if ff.default is None or not ff.options:
        return
    values = ff.option_values()
    defaults = ff.default if isinstance(ff.default, tuple) else (ff.default,)
    for value in defaults:
        if value not in values:
            report.add(
                f"{report.subject} has default value {value!r}, "
                "but that is none of its options."
            )


def check_unique_keys(result: Iterable[FormField], problems: Problems) -> None:
    first: dict[str, FormField] = {}
    for ff in result:
        if not ff.is_input:
            continue
        if ff.key in first:
            other = first[ff.key]
            problems.add(
                ff.id or ff.key,
                f"Key {ff.key!r} is used by more than one component "
                f"({other.id or '?'!s} and {ff.id or '?'!s}); every key must be unique.",
            )
        else:
            first[ff.key] = ff


def finish_field(report: FieldProblems, problems_before: int,
                 values: dict[str, Any]) -> FormField | None:
    """The field once its source has been read into ``values`` (``FormField`` arguments).

    When reading it found problems, only a bare field with its key remains (or nothing, when
    the key itself is unusable), so duplicate keys are still found; otherwise the whole
    field, with its default checked against its options.
    """
    if report.count > problems_before:
        key = values["key"]
        if key and KEY_RE.fullmatch(key):
            return FormField(key=key, type=values["type"], label=values["label"],
                             id=values["id"])
        return None
    ff = FormField(**values)
    _check_default(ff, report)
    return ff


def read_required_channels(properties: Any, values: dict[str, Any],
                           report: FieldProblems) -> None:
    """``maatwerk:requiredChannels`` among a field's custom properties, checked, into
    ``values`` (its ``required`` read already)."""
    if not isinstance(properties, dict) or properties.get(REQUIRED_CHANNELS) is None:
        return
    raw = properties[REQUIRED_CHANNELS]
    names = tuple(dict.fromkeys(part.strip() for part in str(raw).split(",") if part.strip()))
    unknown = [name for name in names if name not in CHANNELS]
    if not names or unknown:
        report.add(f"{report.subject}: {REQUIRED_CHANNELS} must list channels out of "
                   f"{', '.join(CHANNELS)} (comma separated), not {str(raw)!r}.")
    elif not values.get("required"):
        report.add(f"{report.subject}: {REQUIRED_CHANNELS} says where the field is "
                   f"required, but the field is not required; mark it required too.")
    else:
        values["required_channels"] = names
