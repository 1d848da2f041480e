"""Reading form-js ("Camunda Forms", ``.form``) documents into a :class:`FormDefinition`.

Only what can be rendered and validated without JavaScript is accepted, and a
field shown on a simple condition (``conditional.hide`` comparing one answer with
one value; conditions.py).  Any construct we cannot honour faithfully (dynamic
options, other FEEL expressions, repeating lists, ...) is refused with a readable Dutch
problem description, so the designer learns about it when the process is
deployed instead of a resident running into a half-working form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from maatwerk.domain.documents import accept_types, kinds_text
from maatwerk.forms.conditions import check_conditions, from_hide
from maatwerk.forms.fields import (
    FieldProblems,
    Problems,
    check_key,
    check_options,
    check_unique_keys,
    compile_pattern,
    describe,
    finish_field,
    read_required_channels,
)
from maatwerk.forms.model import (
    VALIDATION_TYPES,
    FormDefinition,
    FormDefinitionError,
    FormField,
    Option,
)
from maatwerk.forms.text import html_to_text

__all__ = ["parse_formjs"]

_FEEL_STRING_RE = re.compile(r'^=\s*(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\')\s*$', re.S)

_DECORATIVE = {"button", "spacer", "separator", "image"}
_REFUSED = {
    "dynamiclist": "a repeating list (dynamiclist) can't be filled in without JavaScript",
    "table": "data tables (table) are not supported",
    "iframe": "embedded pages (iframe) are not supported",
    "expression": "computed fields (expression) need FEEL and are not supported",
    "documentPreview": "document previews (documentPreview) are not supported",
    "script": "scripts in forms are not supported",
    "js": "scripts in forms are not supported",
}


def parse_formjs(source: str | bytes) -> FormDefinition:
    """Parse a form-js ("Camunda Forms") JSON document.

    Raises :class:`FormDefinitionError` listing *all* problems found.
    """
    document = _document(source)
    problems = Problems()
    fields: list[FormField] = []
    form_id = document.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        problems.add(
            "form", "The form has no id; camunda:formRef needs one."
        )
        form_id = ""
    form_type = document.get("type", "default")
    if form_type != "default":
        problems.add(
            form_id or "form", f"Unknown form type {form_type!r}; expected 'default'."
        )
    if "components" not in document:
        problems.add(form_id or "form", "The form has no 'components'.")
    else:
        _read_components(document["components"], form_id or "form", problems, fields)
    check_unique_keys(fields, problems)
    for where, sentence in check_conditions(fields):
        problems.add(where, sentence)
    if problems.items:
        raise FormDefinitionError(problems.items, form_id=form_id)
    return FormDefinition(id=form_id, fields=tuple(fields))


def _document(source: str | bytes) -> dict[str, Any]:
    """The JSON object of a form; anything else is refused at once."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormDefinitionError(
                [("form", f"The file is not valid UTF-8 text: {exc}.")]
            ) from None
    try:
        document = json.loads(source)
    except json.JSONDecodeError as exc:
        raise FormDefinitionError(
            [
                (
                    "form",
                    (f"The form is not valid JSON (line {exc.lineno}, "
                    f"column {exc.colno}): {exc.msg}."),
                )
            ]
        ) from None
    if not isinstance(document, dict):
        raise FormDefinitionError([("form", "The form must be a JSON object.")])
    return document


# --------------------------------------------------------------------------
# Property values: only fixed values, no FEEL and no templates
# --------------------------------------------------------------------------


class _Component(FieldProblems):
    """Reads the property values of one component, reporting what it cannot accept."""

    def literal(self, value: Any, what: str) -> str:
        """Plain text of a label-like property; FEEL is only accepted as a string literal."""
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(f"{self.subject}: {what} must be text.")
            return ""
        if value.startswith("="):
            match = _FEEL_STRING_RE.match(value)
            if not match:
                self.add(
                    f"{self.subject}: {what} is a FEEL expression ({value!r}); only fixed "
                    'text such as ="Naam" is supported.',
                )
                return ""
            literal = match.group(1) if match.group(1) is not None else match.group(2)
            return re.sub(r"\\(.)", r"\1", literal)
        if "{{" in value:
            self.add(
                f"{self.subject}: {what} contains a template ({{{{ ... }}}}); "
                "templates are not supported.",
            )
            return ""
        return value

    def flag(self, value: Any, what: str) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str):
            normalized = value.strip().lower()
            if normalized in {"=true", "= true"}:
                return True
            if normalized in {"=false", "= false", ""}:
                return False
        self.add(
            f"{self.subject}: {what} depends on an expression ({value!r}); "
            "only on or off is supported.",
        )
        return False

    def number(self, value: Any, what: str) -> float | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            pass
        elif isinstance(value, int | float):
            return float(value)
        elif isinstance(value, str) and not value.startswith("="):
            try:
                return float(value)
            except ValueError:
                pass
        self.add(f"{self.subject}: {what} must be a fixed number, not {value!r}.")
        return None

    def count_of(self, value: Any, what: str) -> int | None:
        number = self.number(value, what)
        if number is None:
            return None
        if number < 0 or number != int(number):
            self.add(f"{self.subject}: {what} must be a whole number of 0 or more.")
            return None
        return int(number)

    def options(self, values: Any) -> list[Option]:
        if not isinstance(values, list):
            self.add(f"{self.subject} has no options (values).")
            return []
        result: list[Option] = []
        for index, item in enumerate(values):
            if not isinstance(item, dict):
                self.add(f"{self.subject}: option {index + 1} is not an object with label "
                         "and value.")
                continue
            value = item.get("value")
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.add(f"{self.subject}: option {index + 1} has no valid value.")
                continue
            label = self.literal(item.get("label", value), f"the label of option {index + 1}")
            result.append(Option(value=str(value), label=label or str(value)))
        check_options(result, self)
        return result


# --------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------


def _read_components(components: Any, parent: str, problems: Problems,
                     fields: list[FormField]) -> None:
    if not isinstance(components, list):
        problems.add(parent, f"'components' of {parent} must be a list.")
        return
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            problems.add(f"{parent}[{index}]", f"Component {index} of {parent} is not an object.")
            continue
        _read_component(component, f"{parent}[{index}]", problems, fields)


def _read_component(c: dict[str, Any], position: str, problems: Problems,
                    fields: list[FormField]) -> None:
    ctype = c.get("type")
    raw_id = c.get("id")
    cid = raw_id if isinstance(raw_id, str) else ""
    raw_key = c.get("key")
    key = raw_key if isinstance(raw_key, str) else ""
    where = cid or key or position
    report = _Component(
        problems, where, describe(cid, key, ctype if isinstance(ctype, str) else "")
    )
    if not isinstance(ctype, str) or not ctype:
        report.add(f"{report.subject} has no type.")
        return
    if ctype in _DECORATIVE:
        return  # decoration and buttons: the page renders its own submit button
    condition = _hide_condition(c, report)
    first = len(fields)
    _read_kind(c, ctype, cid, raw_key, report, fields)
    if condition:
        _apply_condition(condition, fields, first, report)


def _hide_condition(c: dict[str, Any], report: _Component) -> dict[str, Any] | None:
    """A component's `conditional.hide`, as far as it is a simple comparison of one
    answer (conditions.from_hide); anything else is refused."""
    conditional = c.get("conditional")
    hide = conditional.get("hide") if isinstance(conditional, dict) else None
    if not hide:
        return None
    condition = from_hide(hide) if isinstance(hide, str) else None
    if condition is None:
        report.add(
            f"{report.subject} is shown on a condition (conditional.hide = {hide!r}) that is "
            "not one field compared with one value (=key = value, =key != value, =key or "
            "=not(key)); that needs JavaScript in the browser and is not supported.",
        )
    return condition


def _apply_condition(condition: dict[str, Any], fields: list[FormField], first: int,
                     report: _Component) -> None:
    """The component's condition on the fields it made (a group: all in it)."""
    for index in range(first, len(fields)):
        if fields[index].conditional:
            report.add(f"{report.subject} has a condition, and so does a component in it; "
                       "give the condition to one of them.")
            return
        fields[index] = replace(fields[index], **condition)


def _read_kind(c: dict[str, Any], ctype: str, cid: str, raw_key: Any, report: _Component,
               fields: list[FormField]) -> None:
    if ctype in _REFUSED:
        report.add(f"{report.subject}: {_REFUSED[ctype]}.")
    elif ctype == "group":
        _read_group(c, report, fields)
    elif ctype in ("text", "html"):
        _read_text(c, ctype, cid, report, fields)
    elif ctype not in _INPUTS:
        report.add(f"{report.subject} has an unknown type {ctype!r}.")
    else:
        ff = _read_input(c, ctype, cid, raw_key, report)
        if ff is not None:
            fields.append(ff)


def _read_text(c: dict[str, Any], ctype: str, cid: str, report: _Component,
               fields: list[FormField]) -> None:
    """A ``text`` (markdown) or ``html`` component becomes static text."""
    if ctype == "text":
        text = report.literal(c.get("text", ""), "the text")
        keep = bool(text.strip())
    else:
        text = html_to_text(report.literal(c.get("content", ""), "the content"))
        keep = bool(text)
    if keep:
        fields.append(FormField(key="", type="text", label="", text=text, id=cid))


def _read_group(c: dict[str, Any], report: _Component, fields: list[FormField]) -> None:
    path = c.get("path")
    if path:
        report.add(
            f"{report.subject} has a data path ({path!r}); nested data is not "
            "supported, leave the group's path empty.",
        )
    label = report.literal(c.get("label", ""), "the label")
    if label.strip():
        # Keep the group's title visible as a heading above its fields.
        fields.append(
            FormField(
                key="", type="text", label="", text=f"# {label.strip()}", id=c.get("id") or ""
            )
        )
    _read_components(c.get("components", []), report.where, report.problems, fields)


def _read_input(c: dict[str, Any], ctype: str, cid: str, raw_key: Any,
                report: _Component) -> FormField | None:
    problems_before = report.count
    if not isinstance(raw_key, str) or not raw_key:
        report.add(
            f"{report.subject} has no key; every input field needs one.",
        )
        key = ""
    else:
        key = raw_key
        check_key(key, report)
    validate = c.get("validate") or {}
    if not isinstance(validate, dict):
        report.add(f"{report.subject}: 'validate' must be an object.")
        validate = {}
    label_source = c.get("dateLabel", c.get("label")) if ctype == "datetime" else c.get("label")
    values: dict[str, Any] = {
        "key": key,
        "type": ctype,
        "label": report.literal(label_source, "the label"),
        "description": report.literal(c.get("description"), "the description"),
        "required": report.flag(validate.get("required"), "'required'"),
        "readonly": report.flag(c.get("readonly"), "'read only'"),
        "disabled": report.flag(c.get("disabled"), "'disabled'"),
        "default": c.get("defaultValue"),
        "id": cid,
    }
    if isinstance(values["default"], str) and values["default"].startswith("="):
        report.add(
            f"{report.subject}: the default value is a FEEL expression; "
            "that is not supported.",
        )
        values["default"] = None
    _INPUTS[ctype](c, validate, values, report)
    read_required_channels(c.get("properties"), values, report)
    return finish_field(report, problems_before, values)


# --------------------------------------------------------------------------
# One reader per input type: it adds to the FormField arguments in `values`
# --------------------------------------------------------------------------

_InputReader = Callable[[dict[str, Any], dict[str, Any], dict[str, Any], _Component], None]


def _text_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                report: _Component) -> None:
    subject = report.subject
    values["min_length"] = report.count_of(validate.get("minLength"), "the minimum length")
    values["max_length"] = report.count_of(validate.get("maxLength"), "the maximum length")
    if (
        values["min_length"] is not None
        and values["max_length"] is not None
        and values["min_length"] > values["max_length"]
    ):
        report.add(f"{subject}: the minimum length is greater than the maximum length.")
    pattern = validate.get("pattern")
    if pattern not in (None, ""):
        if not isinstance(pattern, str) or pattern.startswith("="):
            report.add(f"{subject}: the pattern must be a fixed regular expression.")
        else:
            values["pattern"] = compile_pattern(pattern, report)
    vtype = validate.get("validationType") or ""
    if vtype == "custom":
        vtype = ""
    if vtype not in VALIDATION_TYPES:
        report.add(f"{subject}: validation type {vtype!r} is not supported.")
        vtype = ""
    values["validation_type"] = vtype
    if values["default"] is not None and not isinstance(values["default"], str):
        values["default"] = str(values["default"])


def _number_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                  report: _Component) -> None:
    values["min"] = report.number(validate.get("min"), "the minimum")
    values["max"] = report.number(validate.get("max"), "the maximum")
    if values["min"] is not None and values["max"] is not None and values["min"] > values["max"]:
        report.add(f"{report.subject}: the minimum is greater than the maximum.")
    values["decimal_digits"] = report.count_of(c.get("decimalDigits"), "the decimal digits")
    default = values["default"]
    if default is not None and (
        isinstance(default, bool) or not isinstance(default, int | float | str)
    ):
        report.add(f"{report.subject}: the default value must be a number.")
        values["default"] = None


def _checkbox_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                    report: _Component) -> None:
    if values["default"] is not None and not isinstance(values["default"], bool):
        report.add(f"{report.subject}: the default value must be true or false.")
        values["default"] = None


def _choice_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                  report: _Component) -> None:
    """checklist, radio, select and taglist (a taglist has a checklist's data: a list)."""
    if values["type"] == "taglist":
        values["type"] = "checklist"
    source = c.get("valuesKey") or c.get("valuesExpression")
    if source:
        report.add(
            f"{report.subject} takes its options from {source!r} (valuesKey/valuesExpression); "
            "only fixed options (static options) are supported.",
        )
    else:
        values["options"] = tuple(report.options(c.get("values")))
    default = values["default"]
    if values["type"] == "checklist" and default is not None and not isinstance(default, list):
        report.add(f"{report.subject}: the default value must be a list.")
        values["default"] = None


def _file_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                report: _Component) -> None:
    accept = report.literal(c.get("accept"), "'accept'")
    values["accept"], unknown = accept_types(accept)
    if unknown:
        report.add(
            f"{report.subject} asks for files of the kind "
            f"{', '.join(map(repr, unknown))}; the platform takes only {kinds_text(or_word='or')} "
            "(for example accept \".pdf,.jpg\" or \"image/*\").",
        )
    values["multiple"] = report.flag(c.get("multiple"), "'multiple'")
    if values["default"] is not None:
        report.add(f"{report.subject}: a file field has no default value.")
        values["default"] = None


def _date_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                report: _Component) -> None:
    subtype = c.get("subtype", "date")
    values["type"] = "date"
    if subtype != "date":
        report.add(
            f"{report.subject} has subtype {subtype!r}; only date fields "
            "(subtype 'date') are supported, time and date-with-time not yet.",
        )
    if c.get("disallowPassedDates"):
        report.add(
            f"{report.subject} refuses dates in the past "
            "(disallowPassedDates); that is not supported.",
        )


_INPUTS: dict[str, _InputReader] = {
    "textfield": _text_input,
    "textarea": _text_input,
    "number": _number_input,
    "checkbox": _checkbox_input,
    "checklist": _choice_input,
    "radio": _choice_input,
    "select": _choice_input,
    "taglist": _choice_input,
    "datetime": _date_input,
    "filepicker": _file_input,
}
