"""Reading inline ``camunda:formData`` (form fields on a user task or start event) into a
:class:`FormDefinition`.

The fields arrive as plain dicts, as the model compiler reads them from the BPMN XML:
``id``, ``label``, ``type``, ``default_value``, ``validation`` (``(name, config)`` pairs),
``options`` (``(id, name)`` pairs) and ``properties`` (a dict).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from maatwerk.forms.fields import (
    FieldProblems,
    Problems,
    check_key,
    check_options,
    check_unique_keys,
    compile_pattern,
    finish_field,
    read_required_channels,
)
from maatwerk.forms.model import FormDefinition, FormDefinitionError, FormField, Option

__all__ = ["from_camunda_form_data"]

_TRUE = {"true", "1", "yes", "ja", "on"}
_FALSE = {"false", "0", "no", "nee", "off", ""}


def from_camunda_form_data(form_id: str, fields: list[dict[str, Any]]) -> FormDefinition:
    """Translate inline ``camunda:formData`` fields (as delivered by the BPMN parser).

    Raises :class:`FormDefinitionError` listing *all* problems found.
    """
    problems = Problems()
    result: list[FormField] = []
    for index, spec in enumerate(fields):
        if not isinstance(spec, Mapping):
            problems.add(f"field {index + 1}", f"Field {index + 1} is not an object.")
            continue
        ff = _read_field(index, spec, problems)
        if ff is not None:
            result.append(ff)
    check_unique_keys(result, problems)
    if problems.items:
        raise FormDefinitionError(problems.items, form_id=form_id)
    return FormDefinition(id=form_id, fields=tuple(result))


def _prop_true(properties: Mapping[str, Any], name: str) -> bool:
    value = properties.get(name)
    return str(value).strip().lower() in _TRUE if value is not None else False


def _read_field(index: int, spec: Mapping[str, Any], problems: Problems) -> FormField | None:
    key = str(spec.get("id") or "")
    ctype = str(spec.get("type") or "")
    report = problems.of(
        key or f"field {index + 1}",
        f"Field {key!r} (type {ctype!r})" if key else f"Field {index + 1}",
    )
    problems_before = report.count
    if not key:
        report.add(f"{report.subject} has no id.")
    else:
        check_key(key, report)
    properties = spec.get("properties") or {}
    if not isinstance(properties, Mapping):
        properties = {}
    raw_default = spec.get("default_value")
    values: dict[str, Any] = {
        "key": key,
        "label": str(spec.get("label") or key),
        "description": str(properties.get("description") or ""),
        "default": None if raw_default in (None, "") else raw_default,
        "id": key,
        **_constraints(spec, report),
    }
    read_type = _TYPES.get(ctype)
    if read_type is None:
        report.add(
            f"{report.subject}: type {ctype!r} is not supported; "
            "use string, long, boolean, date or enum.",
        )
        return None
    read_type(spec, properties, values, report)
    _check_constraints_fit(values, report)
    read_required_channels(dict(properties), values, report)
    return finish_field(report, problems_before, values)


def _constraints(spec: Mapping[str, Any], report: FieldProblems) -> dict[str, Any]:
    """``required``, ``readonly`` and the limits of the ``camunda:validation`` constraints."""
    values: dict[str, Any] = {"required": False, "readonly": False}
    subject = report.subject
    for entry in spec.get("validation") or ():
        try:
            name, config = entry
        except (TypeError, ValueError):
            report.add(f"{subject}: invalid validation constraint {entry!r}.")
            continue
        name = str(name).lower()
        if name in ("required", "readonly"):
            values[name] = True
        elif name in {"minlength", "maxlength"}:
            try:
                count = int(str(config).strip())
                if count < 0:
                    raise ValueError
            except ValueError:
                report.add(
                    f"{subject}: {name} must be a whole number of 0 or more, "
                    f"not {config!r}.",
                )
                continue
            values["min_length" if name == "minlength" else "max_length"] = count
        elif name in {"min", "max"}:
            try:
                values[name] = float(str(config).strip())
            except ValueError:
                report.add(f"{subject}: {name} must be a number, not {config!r}.")
        else:
            report.add(f"{subject}: validation constraint {name!r} is not supported.")
    return values


def _check_constraints_fit(values: dict[str, Any], report: FieldProblems) -> None:
    if ("min" in values or "max" in values) and values["type"] != "number":
        report.add(f"{report.subject}: min/max only fit numbers (long).")
    if ("min_length" in values or "max_length" in values) and values["type"] not in {
        "textfield",
        "textarea",
    }:
        report.add(f"{report.subject}: minlength/maxlength only fit text (string).")


# --------------------------------------------------------------------------
# One reader per formData type: it sets the field type and adds to `values`
# --------------------------------------------------------------------------

_TypeReader = Callable[[Mapping[str, Any], Mapping[str, Any], dict[str, Any], FieldProblems], None]


def _string(spec: Mapping[str, Any], properties: Mapping[str, Any], values: dict[str, Any],
            report: FieldProblems) -> None:
    values["type"] = "textarea" if _prop_true(properties, "textarea") else "textfield"
    pattern = properties.get("pattern")
    if pattern:
        values["pattern"] = compile_pattern(str(pattern), report)


def _long(spec: Mapping[str, Any], properties: Mapping[str, Any], values: dict[str, Any],
          report: FieldProblems) -> None:
    values["type"] = "number"
    values["decimal_digits"] = 0
    default = values["default"]
    if default is not None:
        try:
            values["default"] = int(str(default).strip())
        except ValueError:
            report.add(f"{report.subject}: default value {default!r} is not a whole number.")
            values["default"] = None


def _boolean(spec: Mapping[str, Any], properties: Mapping[str, Any], values: dict[str, Any],
             report: FieldProblems) -> None:
    values["type"] = "checkbox"
    default = values["default"]
    if default is not None and not isinstance(default, bool):
        text = str(default).strip().lower()
        if text in _TRUE:
            values["default"] = True
        elif text in _FALSE:
            values["default"] = False
        else:
            report.add(f"{report.subject}: default value {default!r} is not true or false.")
            values["default"] = None


def _date(spec: Mapping[str, Any], properties: Mapping[str, Any], values: dict[str, Any],
          report: FieldProblems) -> None:
    values["type"] = "date"


def _enum(spec: Mapping[str, Any], properties: Mapping[str, Any], values: dict[str, Any],
          report: FieldProblems) -> None:
    values["type"] = "radio" if _prop_true(properties, "radio") else "select"
    options = []
    for entry in spec.get("options") or ():
        try:
            value, option_label = entry
        except (TypeError, ValueError):
            report.add(f"{report.subject}: invalid option {entry!r}.")
            continue
        label = option_label if option_label is not None else value
        options.append(Option(value=str(value), label=str(label)))
    check_options(options, report)
    values["options"] = tuple(options)


_TYPES: dict[str, _TypeReader] = {
    "string": _string,
    "long": _long,
    "boolean": _boolean,
    "date": _date,
    "enum": _enum,
}
