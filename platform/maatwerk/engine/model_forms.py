"""The forms of an upload: .form files, and the form each user task or start event shows.

The compiler reads the sources and where they are used; the :class:`FormParser` it was
given reads the forms themselves. Forms are stored by key: ``ref:<form id>`` for a .form
file (``camunda:formRef``), ``inline:<element id>`` for ``camunda:formData``.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from . import gzac_forms
from .camunda import CAMUNDA, NS
from .model_upload import ModelUpload


def read_form_file(upload: ModelUpload, name: str, text: str, sha: str) -> None:
    parsed = upload.form_parser.form_file(text)
    if parsed.definition is None:
        for where, message in parsed.problems:
            upload.problem(name, where or None, message)
        upload.refused_forms.update({parsed.form_id, name} - {""})
        return
    key = f"ref:{parsed.form_id}"
    if key in upload.forms:
        upload.problem(name, parsed.form_id, f"form id '{parsed.form_id}' is in two uploaded "
                                             f"files ({upload.form_files[key]} and {name})")
        return
    upload.forms[key] = parsed.definition
    upload.form_files[key] = name
    upload.texts.append((name, "form", text, sha))


def form_key(upload: ModelUpload, filename: str, element: etree._Element) -> str | None:
    """The key of the form a user task or start event shows (None: it shows none)."""
    element_id = element.get("id", "")
    form_ref = element.get(CAMUNDA + "formRef")
    form_key_attr = element.get(CAMUNDA + "formKey")
    fields = element.findall("bpmn:extensionElements/camunda:formData/camunda:formField", NS)
    linked = gzac_forms.linked_form(upload, filename, element_id,
                                    bool(form_ref or form_key_attr or fields))
    if linked is not None or element_id in upload.form_links:
        return linked
    if form_key_attr and form_key_attr.startswith(gzac_forms.KEY_PREFIXES) and not fields:
        return gzac_forms.form_by_name(upload, filename, element_id,
                                       form_key_attr.split(":", 1)[1],
                                       f"camunda:formKey '{form_key_attr}'")
    if fields and (form_ref or (form_key_attr or "").startswith(CAMUNDA_FORMS)):
        upload.note(filename, element_id, "the form fields (camunda:formData) are not shown: "
                    "the Camunda Form the task names is, as in Camunda 7")
    if form_ref:
        key = f"ref:{form_ref}"
        if key not in upload.forms and form_ref not in upload.refused_forms:
            upload.problem(filename, element_id, f"the form '{form_ref}' (camunda:formRef) was "
                                                 "not uploaded; add its .form file")
        return key
    if form_key_attr and form_key_attr.startswith(CAMUNDA_FORMS):
        return _form_file(upload, filename, element_id, form_key_attr)
    if fields and form_key_attr:
        upload.note(filename, element_id, f"form key '{form_key_attr}' points at a form "
                    "Maatwerk can't show; the form fields (camunda:formData) are shown instead")
    if fields:
        parsed = upload.form_parser.form_data(element_id, [_form_field(f) for f in fields])
        if parsed.definition is None:
            for where, message in parsed.problems:
                upload.problem(filename, element_id, f"form field '{where}': {message}")
            return None
        key = f"inline:{element_id}"
        upload.forms[key] = parsed.definition
        return key
    if form_key_attr:
        upload.problem(filename, element_id, f"form key '{form_key_attr}' points at a web page "
                       "Maatwerk can't show; use a Camunda Form (formRef) or form fields")
    return None


# Camunda 7's documented form keys for a Camunda Form deployed with the process
CAMUNDA_FORMS = ("camunda-forms:app:", "camunda-forms:deployment:")


def _form_file(upload: ModelUpload, filename: str, element_id: str, form_key: str
               ) -> str | None:
    """The form a `camunda-forms:deployment:<path>.form` key names: the uploaded .form
    file of that name."""
    name = form_key.split(":", 2)[2].rsplit("/", 1)[-1]
    for key, uploaded in upload.form_files.items():
        if uploaded == name or uploaded.rsplit("/", 1)[-1] == name:
            return key
    if name not in upload.refused_forms:
        upload.problem(filename, element_id, f"the form file '{name}' (camunda:formKey "
                       f"'{form_key}') was not uploaded; add it")
    return None


def _form_field(node: etree._Element) -> dict[str, Any]:
    return {
        "id": node.get("id"), "label": node.get("label"), "type": node.get("type"),
        "default_value": node.get("defaultValue"),
        "validation": [(c.get("name"), c.get("config")) for c in
                       node.iterfind("camunda:validation/camunda:constraint", NS)],
        "options": [(v.get("id"), v.get("name")) for v in node.iterfind("camunda:value", NS)],
        "properties": {p.get("id"): p.get("value") for p in
                       node.iterfind("camunda:properties/camunda:property", NS)},
    }
