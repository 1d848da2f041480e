"""Reading Form.io forms, as GZAC/Valtimo keeps them (`config/form/<name>.json`, named by a
user task's `camunda:formKey="form:<name>"`), into a :class:`FormDefinition`.

Layout (panels, columns, tables, field sets) is flattened into the fields in reading
order, with a panel's title kept as a heading; buttons are left out (the page has its own).
A key is the case variable the field fills in; GZAC's `pv.` prefix (a process variable,
where a plain key is a field of GZAC's document) is dropped, since both are the case data
here. Keys that nest (`aanvrager.naam`) are refused.
Only what renders and validates without JavaScript is accepted; anything else (computed
values, custom validation or conditions, repeating grids, data from a URL) is refused with
the component named, so the designer learns it at upload.
"""

from __future__ import annotations

import json
from typing import Any

from maatwerk.domain.documents import accept_types, kinds_text
from maatwerk.forms.fields import (
    FieldProblems,
    Problems,
    check_key,
    check_options,
    check_unique_keys,
    compile_pattern,
    describe,
    finish_field,
)
from maatwerk.forms.model import FormDefinition, FormDefinitionError, FormField, Option
from maatwerk.forms.text import html_to_text

__all__ = ["parse_formio"]

_LAYOUT = {"panel", "fieldset", "well", "columns", "table"}
_LEFT_OUT = {"button"}
_TEXT = {"htmlelement", "content"}
_INPUTS = {"textfield": "textfield", "textarea": "textarea", "email": "textfield",
           "phoneNumber": "textfield", "number": "number", "currency": "number",
           "checkbox": "checkbox", "select": "select", "radio": "radio",
           "selectboxes": "checklist", "datetime": "date", "file": "filepicker"}
_REFUSED = {
    "datagrid": "a repeating grid (datagrid) can't be filled in without JavaScript",
    "editgrid": "a repeating grid (editgrid) can't be filled in without JavaScript",
    "signature": "signatures are not supported",
    "hidden": "hidden fields are not supported: the case data already holds what they carry",
    "day": "day fields are not supported; use a date (datetime without time)",
    "time": "time fields are not supported",
    "address": "address lookups are not supported; ask for the parts in text fields",
}
# GZAC's key prefix for a process variable (a plain key is a field of its document); both
# are the case data here
PROCESS_VARIABLE = "pv."
# properties that run JavaScript or change the form while it is filled in
_SCRIPTED = ("customConditional", "calculateValue", "customDefaultValue")


def parse_formio(form_id: str, source: str | bytes) -> FormDefinition:
    """Parse a Form.io form named `form_id` (its file name without `.json`).

    Raises :class:`FormDefinitionError` listing *all* problems found.
    """
    document = _document(form_id, source)
    problems = Problems()
    fields: list[FormField] = []
    components = document.get("components")
    if not isinstance(components, list):
        problems.add(form_id, "The form has no 'components' list.")
    else:
        _read_all(components, problems, fields)
    check_unique_keys(fields, problems)
    if problems.items:
        raise FormDefinitionError(problems.items, form_id=form_id)
    return FormDefinition(id=form_id, fields=tuple(fields))


def _document(form_id: str, source: str | bytes) -> dict[str, Any]:
    try:
        document = json.loads(source)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormDefinitionError([(form_id, f"The form is not valid JSON: {exc}.")],
                                  form_id=form_id) from None
    if not isinstance(document, dict):
        raise FormDefinitionError([(form_id, "The form must be a JSON object.")],
                                  form_id=form_id)
    return document


def _read_all(components: list[Any], problems: Problems, fields: list[FormField]) -> None:
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            problems.add(f"component {index + 1}", f"Component {index + 1} is not an object.")
            continue
        _read_component(component, problems, fields)


def _read_component(c: dict[str, Any], problems: Problems, fields: list[FormField]) -> None:
    ctype = str(c.get("type") or "")
    raw_key = c.get("key")
    key = raw_key if isinstance(raw_key, str) else ""
    if key.startswith(PROCESS_VARIABLE):  # GZAC: a process variable, which is case data here
        key = key[len(PROCESS_VARIABLE):]
    report = problems.of(key or ctype or "component", describe("", key, ctype))
    if ctype in _LEFT_OUT:
        return
    if ctype in _LAYOUT:
        _read_layout(c, problems, fields)
        return
    if _refused_behaviour(c, report):
        return
    if ctype in _TEXT:
        text = html_to_text(str(c.get("html") or c.get("content") or ""))
        if text:
            fields.append(FormField(key="", type="text", label="", text=text, id=key))
    elif ctype in _REFUSED:
        report.add(f"{report.subject}: {_REFUSED[ctype]}.")
    elif ctype not in _INPUTS:
        report.add(f"{report.subject} has an unknown type {ctype!r}.")
    else:
        field = _read_input(c, ctype, key, report)
        if field is not None:
            fields.append(field)


def _read_layout(c: dict[str, Any], problems: Problems, fields: list[FormField]) -> None:
    """A panel, field set, well, columns or table: its components, in reading order."""
    title = str(c.get("title") or c.get("legend") or "").strip()
    if title and c.get("type") in ("panel", "fieldset"):
        fields.append(FormField(key="", type="text", label="", text=f"# {title}",
                                id=str(c.get("key") or "")))
    _read_all(list(c.get("components") or []), problems, fields)
    for column in c.get("columns") or []:
        if isinstance(column, dict):
            _read_all(list(column.get("components") or []), problems, fields)
    for row in c.get("rows") or []:
        for cell in row if isinstance(row, list) else []:
            if isinstance(cell, dict):
                _read_all(list(cell.get("components") or []), problems, fields)


def _refused_behaviour(c: dict[str, Any], report: FieldProblems) -> bool:
    """Conditions, computed values and custom logic need JavaScript in the browser."""
    found = [name for name in _SCRIPTED if str(c.get(name) or "").strip()]
    conditional = c.get("conditional")
    if isinstance(conditional, dict) and (conditional.get("when") or conditional.get("json")):
        found.append("conditional")
    if c.get("logic"):
        found.append("logic")
    validate = _validate(c)
    if str(validate.get("custom") or "").strip() or validate.get("json"):
        found.append("validate.custom")
    if found:
        report.add(f"{report.subject} uses {', '.join(found)}, which needs JavaScript in the "
                   "browser and is not supported.")
    return bool(found)


def _read_input(c: dict[str, Any], ctype: str, key: str,
                report: FieldProblems) -> FormField | None:
    problems_before = report.count
    if not key:
        report.add(f"{report.subject} has no key; every input field needs one.")
    else:
        check_key(key, report)
    validate = _validate(c)
    values: dict[str, Any] = {
        "key": key, "type": _INPUTS[ctype], "label": str(c.get("label") or key),
        "description": str(c.get("description") or ""),
        "required": bool(validate.get("required")), "disabled": bool(c.get("disabled")),
        "default": c.get("defaultValue") if c.get("defaultValue") not in ("", None, [], {})
        else None, "id": key,
    }
    if isinstance(values["default"], bool) and values["type"] in ("radio", "select"):
        values["default"] = _text_of(values["default"])  # the option values are text
    if ctype in ("email", "phoneNumber"):
        values["validation_type"] = "email" if ctype == "email" else "phone"
    _READERS.get(values["type"], _no_more)(c, validate, values, report)
    return finish_field(report, problems_before, values)


def _text_of(value: Any) -> str:
    """An option value as text; true and false as JSON writes them."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _validate(c: dict[str, Any]) -> dict[str, Any]:
    validate = c.get("validate")
    return validate if isinstance(validate, dict) else {}


def _no_more(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
             report: FieldProblems) -> None:
    """Nothing beyond the common properties (checkbox)."""


def _text(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
          report: FieldProblems) -> None:
    for name, target in (("minLength", "min_length"), ("maxLength", "max_length")):
        value = validate.get(name)
        if value not in (None, ""):
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                values[target] = value
            else:
                report.add(f"{report.subject}: validate.{name} must be a whole number of 0 "
                           f"or more, not {value!r}.")
    pattern = validate.get("pattern")
    if pattern:
        values["pattern"] = compile_pattern(str(pattern), report)
    if values["default"] is not None:
        values["default"] = str(values["default"])


def _number(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
            report: FieldProblems) -> None:
    for name in ("min", "max"):
        value = validate.get(name)
        if value not in (None, ""):
            try:
                values[name] = float(value)
            except (TypeError, ValueError):
                report.add(f"{report.subject}: validate.{name} must be a number, not {value!r}.")
    if c.get("decimalLimit") is not None:
        values["decimal_digits"] = c.get("decimalLimit")


def _choices(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
             report: FieldProblems) -> None:
    source = c.get("dataSrc", "values")
    if source != "values":
        report.add(f"{report.subject} takes its options from {source!r}; only fixed options "
                   "(Data Source Type 'Values') are supported.")
        return
    listed = (c.get("data") or {}).get("values") if values["type"] == "select" else c.get("values")
    options = [Option(value=_text_of(item.get("value")),
                      label=str(item.get("label") or item.get("value")))
               for item in listed or [] if isinstance(item, dict)]
    check_options(options, report)
    values["options"] = tuple(options)
    default = values["default"]
    if values["type"] == "checklist" and isinstance(default, dict):  # selectboxes
        values["default"] = [name for name, on in default.items() if on] or None


def _date(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
          report: FieldProblems) -> None:
    if c.get("enableTime", True) and c.get("type") == "datetime":
        report.add(f"{report.subject} asks for a date with a time; only dates are supported "
                   "(untick 'Enable Time' in the form builder).")


def _file(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
          report: FieldProblems) -> None:
    values["accept"], unknown = accept_types(str(c.get("filePattern") or ""))
    if unknown and c.get("filePattern") not in ("*", ""):
        report.add(f"{report.subject} asks for files of the kind {', '.join(map(repr, unknown))};"
                   f" the platform takes only {kinds_text(or_word='or')}.")
    values["multiple"] = bool(c.get("multiple"))
    values["default"] = None


_READERS = {"textfield": _text, "textarea": _text, "number": _number, "select": _choices,
            "radio": _choices, "checklist": _choices, "date": _date, "filepicker": _file}
