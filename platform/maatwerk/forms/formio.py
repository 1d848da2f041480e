"""Reading Form.io forms, as GZAC/Valtimo keeps them (`config/form/<name>.json`, named by a
user task's `camunda:formKey="form:<name>"`), into a :class:`FormDefinition`.

Layout (panels, columns, tables, field sets) is flattened into the fields in reading
order, with a panel's title kept as a heading; buttons are left out (the page has its own).
A key is the case variable the field fills in; GZAC's `pv.` prefix (a process variable,
where a plain key is a field of GZAC's document) is dropped, since both are the case data
here. Keys that nest (`aanvrager.naam`) are refused.
A simple condition (`conditional` with show, when and eq; on a panel or other layout, for
all it holds) shows a field only for one answer of another (conditions.py); a `hidden: true`
component is the value its shown-on-a-condition twin of the same key holds while hidden.
Anything else that needs JavaScript (computed values, custom validation, conditions in
code or JSON logic, repeating grids, data from a URL) is refused with the component
named, so the designer learns it at upload.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from maatwerk.domain.documents import accept_types, kinds_text
from maatwerk.forms.conditions import check_conditions
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
    reader = _Reader(Problems())
    components = document.get("components")
    if not isinstance(components, list):
        reader.problems.add(form_id, "The form has no 'components' list.")
    else:
        reader.read_all(components, None)
    fields = reader.with_hidden_twins()
    check_unique_keys(fields, reader.problems)
    for where, sentence in check_conditions(fields):
        reader.problems.add(where, sentence)
    if reader.problems.items:
        raise FormDefinitionError(reader.problems.items, form_id=form_id)
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


# A field's condition as FormField arguments (shown_when_key, _value, _show)
Condition = dict[str, Any]


class _Reader:
    """The components in reading order; a layout's condition passes to what it holds."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.fields: list[FormField] = []
        self.hidden: list[tuple[FormField, FieldProblems]] = []  # `hidden: true` components

    def read_all(self, components: list[Any], inherited: Condition | None) -> None:
        for index, component in enumerate(components):
            if not isinstance(component, dict):
                self.problems.add(f"component {index + 1}",
                                  f"Component {index + 1} is not an object.")
                continue
            self._read(component, inherited)

    def _read(self, c: dict[str, Any], inherited: Condition | None) -> None:
        ctype = str(c.get("type") or "")
        raw_key = c.get("key")
        key = raw_key if isinstance(raw_key, str) else ""
        key = _case_key(key)
        report = self.problems.of(key or ctype or "component", describe("", key, ctype))
        if ctype in _LEFT_OUT or _refused_behaviour(c, report):
            return
        condition = _condition(c, inherited, report)
        if ctype in _LAYOUT:
            self._read_layout(c, condition)
        elif ctype in _TEXT:
            text = html_to_text(str(c.get("html") or c.get("content") or ""))
            if text:
                self.fields.append(FormField(key="", type="text", label="", text=text, id=key,
                                             **(condition or {})))
        elif ctype in _REFUSED:
            report.add(f"{report.subject}: {_REFUSED[ctype]}.")
        elif ctype not in _INPUTS:
            report.add(f"{report.subject} has an unknown type {ctype!r}.")
        else:
            field = _read_input(c, ctype, key, report)
            if field is not None and c.get("hidden") is True:
                self.hidden.append((field, report))
            elif field is not None:
                self.fields.append(replace(field, **(condition or {})))

    def _read_layout(self, c: dict[str, Any], condition: Condition | None) -> None:
        """A panel, field set, well, columns or table: its components, in reading order."""
        title = str(c.get("title") or c.get("legend") or "").strip()
        if title and c.get("type") in ("panel", "fieldset"):
            self.fields.append(FormField(key="", type="text", label="", text=f"# {title}",
                                         id=str(c.get("key") or ""), **(condition or {})))
        self.read_all(list(c.get("components") or []), condition)
        for column in c.get("columns") or []:
            if isinstance(column, dict):
                self.read_all(list(column.get("components") or []), condition)
        for row in c.get("rows") or []:
            for cell in row if isinstance(row, list) else []:
                if isinstance(cell, dict):
                    self.read_all(list(cell.get("components") or []), condition)

    def with_hidden_twins(self) -> list[FormField]:
        """The fields, each `hidden: true` component taken as what the shown-on-a-condition
        field of the same key holds while that one is hidden (GZAC's way to give a field a
        value when it is not asked); a hidden component with no such twin is refused."""
        fields = list(self.fields)
        for hidden, report in self.hidden:
            index = next((i for i, f in enumerate(fields)
                          if f.is_input and f.key == hidden.key and f.conditional), None)
            if index is None:
                report.add(f"{report.subject} is hidden (hidden: true), so no one could fill "
                           "it in. A hidden component is taken only as the value of a field "
                           "with the same key that is shown on a condition, while that one "
                           "is hidden.")
                continue
            twin = fields[index]
            value = hidden.default
            if twin.options and value is not None and value not in twin.option_values():
                report.add(f"{report.subject} gives {value!r} to {twin.key!r} while it is "
                           f"hidden, which is not one of its options.")
                continue
            fields[index] = replace(twin, hidden_value=value)
        return fields


def _condition(c: dict[str, Any], inherited: Condition | None,
               report: FieldProblems) -> Condition | None:
    """A component's simple conditional (show / when / eq), or the one of the layout it is
    in; a component with a condition of its own inside a conditional layout is refused."""
    conditional = c.get("conditional")
    if not isinstance(conditional, dict) or not conditional.get("when"):
        return inherited
    when = conditional["when"]
    show = conditional.get("show")
    if show in ("true", "false"):
        show = show == "true"
    if not isinstance(when, str) or not isinstance(show, bool):
        report.add(f"{report.subject} has a condition (conditional) that is not 'show: "
                   "true or false, when: a field key, eq: a value'.")
        return inherited
    if inherited is not None:
        report.add(f"{report.subject} has a condition of its own inside a panel or other "
                   "layout that has one; give the condition to one of them.")
        return inherited
    when = _case_key(when)
    return {"shown_when_key": when, "shown_when_value": _text_of(conditional.get("eq", "")),
            "shown_when_show": show}


def _case_key(key: str) -> str:
    """A key as the case data names it: GZAC's `pv.` (a process variable) dropped."""
    return key[len(PROCESS_VARIABLE):] if key.startswith(PROCESS_VARIABLE) else key


def _refused_behaviour(c: dict[str, Any], report: FieldProblems) -> bool:
    """Computed values, custom logic and conditions written in code need JavaScript in the
    browser."""
    found = [name for name in _SCRIPTED if str(c.get(name) or "").strip()]
    conditional = c.get("conditional")
    if isinstance(conditional, dict) and conditional.get("json"):
        found.append("conditional.json")
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
