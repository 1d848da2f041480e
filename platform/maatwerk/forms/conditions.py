"""Fields shown on a condition: "ask whether the objection is well-founded only when a
decision can be taken". Form.io's simple conditional (`show`, `when`, `eq`) and form-js's
`conditional.hide` (`=key = value`) both become a condition on one other field's answer
(`FormField.shown_when_*`).

A field that is not shown is not taken from a submission: it holds its hidden value (what
the form sets while it is hidden, else its empty value), so a gateway can rely on the
variable, and nothing the person could not see is stored. One rule (:func:`shown_keys`)
decides this for the JSON API and the HTML form alike (validation.py,
web/form_classes.py); the page reveals and hides fields as they are answered
(static/shown_when.js) and, without JavaScript, shows every field with its condition
written beside it (:func:`condition_text`).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from maatwerk.forms.model import FormDefinition, FormField

__all__ = ["answer_texts", "check_conditions", "condition_text", "from_hide", "shown_keys"]

_NAME = r"([A-Za-z_][A-Za-z0-9_]*)"
_LITERAL = r'("(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?)'
_COMPARE = re.compile(rf"\s*=\s*{_NAME}\s*(!=|=)\s*{_LITERAL}\s*")
_FLAG = re.compile(rf"\s*=\s*(not\(\s*)?{_NAME}\s*(?(1)\))\s*")


def answer_texts(value: Any) -> list[str]:
    """An answer as the texts a condition compares with: `true`/`false` for yes and no,
    a whole number without decimals, every option chosen in a list."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list | tuple):
        return [text for item in value for text in answer_texts(item)]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def from_hide(expression: str) -> dict[str, Any] | None:
    """form-js's `conditional.hide` as a condition (FormField arguments): `=key = value`
    (hidden for that answer), `=key != value` (shown only for it), `=key` (hidden when it
    is true) and `=not(key)` (shown only when it is true), with a text, number, true or
    false; None for any other FEEL expression."""
    compare = _COMPARE.fullmatch(expression)
    if compare:
        key, operator, literal = compare.groups()
        parsed = json.loads(literal)
        value = answer_texts(float(parsed) if isinstance(parsed, int | float)
                             and not isinstance(parsed, bool) else parsed)[0]
        return {"shown_when_key": key, "shown_when_value": value,
                "shown_when_show": operator == "!="}
    flag = _FLAG.fullmatch(expression)
    if flag:
        negated, key = flag.groups()
        return {"shown_when_key": key, "shown_when_value": "true",
                "shown_when_show": bool(negated)}
    return None


def shown_keys(definition: FormDefinition, answers: Mapping[str, Any]) -> set[str]:
    """The keys of the input fields shown, given the answers (clean values where they are
    valid). A field whose condition's field is itself hidden is judged on that field's
    hidden value."""
    fields = {f.key: f for f in definition.input_fields()}
    decided: dict[str, bool] = {}

    def shown(field: FormField) -> bool:
        if field.key not in decided:
            decided[field.key] = True  # a cycle (refused at upload) cannot recurse forever
            trigger = fields.get(field.shown_when_key)
            if trigger is None:
                decided[field.key] = not field.conditional
            else:
                answer = answers.get(trigger.key) if shown(trigger) \
                    else trigger.value_when_hidden()
                matches = field.shown_when_value in answer_texts(answer)
                decided[field.key] = matches == field.shown_when_show
        return decided[field.key]

    return {key for key, field in fields.items() if shown(field)}


def check_conditions(fields: Iterable[FormField]) -> list[tuple[str, str]]:
    """What is wrong with the conditions of a form's fields: one that names no input field
    of the form, a field that takes no answer, the field's own key, or a ring."""
    fields = list(fields)
    inputs = {f.key: f for f in fields if f.is_input}
    problems: list[tuple[str, str]] = []
    for field in fields:
        if field.conditional:
            sentence = _condition_problem(field, inputs)
            if sentence:
                problems.append((field.id or field.key, sentence))
    return problems


def _condition_problem(field: FormField, inputs: Mapping[str, FormField]) -> str | None:
    subject = f"Field {field.key!r}" if field.key else "Text"
    named = f"{subject} is shown on a condition on {field.shown_when_key!r}"
    if field.shown_when_key == field.key:
        return f"{named}, its own answer; it could never be filled in."
    if field.shown_when_key not in inputs:
        return f"{named}, which is not an input field of this form."
    if not inputs[field.shown_when_key].editable:
        return f"{named}, which is read-only or disabled; a condition must be on an answer."
    if _in_ring(field, inputs):
        return f"{named}, and the conditions depend on each other in a ring."
    return None


def _in_ring(field: FormField, inputs: Mapping[str, FormField]) -> bool:
    seen = {field.key}
    current = inputs.get(field.shown_when_key)
    while current is not None and current.conditional:
        if current.shown_when_key in seen:
            return True
        seen.add(current.key)
        current = inputs.get(current.shown_when_key)
    return False


def condition_text(definition: FormDefinition, field: FormField) -> str:
    """The condition in words, for the page without JavaScript (Dutch, B1)."""
    trigger = next((f for f in definition.input_fields() if f.key == field.shown_when_key),
                   None)
    if trigger is None:
        return ""
    label = trigger.label or trigger.key
    value = _answer_label(trigger, field.shown_when_value)
    if field.shown_when_show:
        return f"Alleen nodig als het antwoord op ‘{label}’ ‘{value}’ is."
    return f"Alleen nodig als het antwoord op ‘{label}’ niet ‘{value}’ is."


def _answer_label(trigger: FormField, value: str) -> str:
    for option in trigger.options:
        if option.value == value:
            return option.label
    if trigger.type == "checkbox":
        return {"true": "aangevinkt", "false": "niet aangevinkt"}.get(value, value)
    return value
