"""GZAC's forms in an upload: Form.io forms (`config/form/<name>.json`) and the form links
that tie them to user tasks and start events (`config/formlink/<process>.json`, or in newer
GZAC `config/processlink/<process>.processlink.json`), as GZAC keeps them beside a model.

A form is named by its file name without `.json` and stored under `formio:<name>`; a task
shows it when a form link names the task, or when the task says
`camunda:formKey="form:<name>"` (or `formio:<name>`), as GZAC's example processes do.
"""
from __future__ import annotations

import json
from typing import Any

from . import plugin_links
from .model_upload import ModelUpload

KEY_PREFIXES = ("form:", "formio:")
LINKED_KINDS = ("user-task", "start-event")


def read_json_file(upload: ModelUpload, name: str, text: str, sha: str) -> None:
    """A .json file of the upload: a Form.io form, or form links."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        upload.problem(name, None, f"the file is not valid JSON: {exc}")
        return
    if isinstance(document, list):
        _read_links(upload, name, document)
        upload.texts.append((name, "formlink", text, sha))
    elif isinstance(document, dict) and "components" in document:
        _read_form(upload, name, text, sha)
    else:
        upload.problem(name, None, "a .json file is read as a GZAC Form.io form (an object "
                       "with 'components') or as GZAC form links (a list of formName and "
                       "formLinkElementId); this is neither")


def key_of(name: str) -> str:
    return f"formio:{name}"


def _read_form(upload: ModelUpload, name: str, text: str, sha: str) -> None:
    form_name = name.rsplit("/", 1)[-1][:-len(".json")]
    parsed = upload.form_parser.formio_file(form_name, text)
    if parsed.definition is None:
        for where, message in parsed.problems:
            upload.problem(name, where or None, message)
        upload.refused_forms.update({form_name, name})
        return
    key = key_of(form_name)
    if key in upload.forms:
        upload.problem(name, None, f"the form '{form_name}' is uploaded twice")
        return
    upload.forms[key] = parsed.definition
    upload.form_files[key] = name
    upload.texts.append((name, "form", text, sha))


def _read_links(upload: ModelUpload, name: str, links: list[Any]) -> None:
    """Form links (`formName`, `formLinkElementId`, `formAssociationType`) or, as newer
    GZAC versions write them, process links (`activityId`, `processLinkType`, ...)."""
    for index, link in enumerate(links):
        if isinstance(link, dict) and "processLinkType" in link:
            _read_process_link(upload, name, index, link)
            continue
        if not isinstance(link, dict) or not isinstance(link.get("formName"), str) or \
                not isinstance(link.get("formLinkElementId"), str):
            upload.problem(name, None, f"form link {index + 1} needs a formName and a "
                           "formLinkElementId")
            continue
        element_id, kind = link["formLinkElementId"], link.get("formAssociationType")
        if kind not in LINKED_KINDS:
            upload.problem(name, element_id, f"a form link of type '{kind}' is not "
                           f"supported; link forms to a {' or '.join(LINKED_KINDS)}")
        else:
            _link(upload, name, element_id, link["formName"])


def _read_process_link(upload: ModelUpload, name: str, index: int,
                       link: dict[str, Any]) -> None:
    """A process link: a form (shown at its user task or start event), or a plugin action
    (on a service or send task: a topic a worker does, plugin_links.py; elsewhere noted)."""
    element_id, kind = link.get("activityId"), link.get("processLinkType")
    if not isinstance(element_id, str):
        upload.problem(name, None, f"process link {index + 1} needs an activityId")
    elif kind == "form" and isinstance(link.get("formDefinitionName"), str):
        _link(upload, name, element_id, link["formDefinitionName"])
    elif kind == "plugin" and link.get("activityType") in plugin_links.RUN_AS_TOPIC:
        for plugin in plugin_links.read([link], name):
            if plugin.element_id in upload.plugin_links:
                upload.problem(name, element_id, "the element has two plugin links")
            else:
                upload.plugin_links[plugin.element_id] = plugin
        if element_id not in upload.plugin_links:
            upload.problem(name, element_id, "the plugin link needs a "
                           "pluginActionDefinitionKey")
    elif kind == "plugin":
        action = link.get("pluginActionDefinitionKey") or "?"
        upload.note(name, element_id, f"the GZAC plugin action '{action}' linked to this "
                    f"element ({link.get('activityType')}) is not run here; only one linked to "
                    "a service or send task (bpmn:ServiceTask:start) becomes a topic that a "
                    "worker does")
    else:
        upload.problem(name, element_id, f"a process link of type '{kind}' is not "
                       "supported; link a form (formDefinitionName) or a plugin action")


def _link(upload: ModelUpload, name: str, element_id: str, form_name: str) -> None:
    if element_id in upload.form_links:
        upload.problem(name, element_id, "the element has two form links")
    else:
        upload.form_links[element_id] = (form_name, name)


def linked_form(upload: ModelUpload, filename: str, element_id: str,
                has_own_form: bool) -> str | None:
    """The key of the form a form link gives this element (None: no link)."""
    if element_id not in upload.form_links:
        return None
    upload.linked.add(element_id)
    form_name, link_file = upload.form_links[element_id]
    if has_own_form:
        upload.problem(filename, element_id, f"the element has a form of its own and a "
                       f"form link in {link_file}; keep one")
        return None
    return form_by_name(upload, link_file, element_id, form_name, f"the form link in "
                        f"{link_file}")


def form_by_name(upload: ModelUpload, filename: str, element_id: str, form_name: str,
                 named_by: str) -> str | None:
    key = key_of(form_name)
    if key in upload.forms:
        return key
    if form_name not in upload.refused_forms:
        upload.problem(filename, element_id, f"the form '{form_name}' ({named_by}) was not "
                       f"uploaded; add GZAC's {form_name}.json")
    return None


def check_all_linked(upload: ModelUpload) -> None:
    """A form or plugin link for an element the upload does not have is a mistake."""
    for element_id in sorted(set(upload.form_links) - upload.linked):
        upload.problem(upload.form_links[element_id][1], element_id, "the form link names an "
                       "element that is not a user task or start event of the upload")
    for element_id in sorted(set(upload.plugin_links) - upload.plugins_found):
        upload.problem(upload.plugin_links[element_id].file, element_id, "the plugin link "
                       "names an element that is not a service or send task of the upload")
