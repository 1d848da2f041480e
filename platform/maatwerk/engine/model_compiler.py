"""Checking an upload of .bpmn, .dmn and .form files: every problem at once, or a model.

The checks are ours (the engine's parser stops at the first problem and ignores much of
what Camunda Modeler writes; see model_checks); the engine's parser runs last, on XML we
parsed safely. Forms are read by the form parser the caller hands in (see model_upload).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from ..domain.process_model import (
    CompiledModel,
    ElementFacts,
    ModelProblem,
    ModelRefused,
    UploadedFile,
)
from . import (
    feel,
    gzac_forms,
    model_rewrites,
    plugin_links,
    reserved_ids,
    start_checks,
    term_checks,
    vendors,
)
from .camunda import NS, MaatwerkParser
from .dmn_checks import check_dmn
from .model_checks import BPMN, check_process, extension_properties
from .model_forms import read_form_file
from .model_upload import FormParser, ModelUpload
from .xmlsafe import UnsafeXml, parse

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
MAX_FILES = 50


def compile_model(files: list[UploadedFile], form_parser: FormParser) -> CompiledModel:
    """Check everything; raise ModelRefused with all problems, or return the compiled model.

    `form_parser` reads the forms: the .form files and the camunda:formData of tasks."""
    upload = ModelUpload(form_parser)
    if not files:
        raise ModelRefused([ModelProblem("", None, "no files were uploaded")])
    if len(files) > MAX_FILES:
        raise ModelRefused([ModelProblem("", None, f"upload at most {MAX_FILES} files at once")])
    # GZAC's process links first: a plugin link changes the task it names (plugin_links.py)
    for file in sorted(files, key=lambda f: not f.filename.lower().endswith(".json")):
        _read_file(upload, file)
    for filename, root in upload.dmn:
        check_dmn(upload, filename, root)
    if not upload.bpmn and not upload.problems:
        upload.problem("", None, "the upload has no .bpmn file with a process")
    processes = _processes(upload)
    elements: dict[str, ElementFacts] = {}
    for filename, process in processes:
        check_process(upload, filename, process, elements)
    gzac_forms.check_all_linked(upload)
    key, main = _main_process(upload, processes)
    start_checks.check_called_triggers(upload, processes, key)
    if main is not None:
        term_checks.check_term(upload, processes, extension_properties(main[1]).get(
            "maatwerk:decisionTerm") or None, elements)
    if upload.problems or key is None or main is None:
        raise ModelRefused(_distinct(upload.problems))
    _run_engine_parser(upload, key)
    if upload.problems:
        raise ModelRefused(upload.problems)
    return _compiled(upload, key, main[1], elements)


def _distinct(problems: list[ModelProblem], limit: int = 200) -> list[ModelProblem]:
    unique = list(dict.fromkeys(problems))
    if len(unique) > limit:
        rest = len(unique) - limit
        unique = [*unique[:limit], ModelProblem("", None, f"... and {rest} more problems")]
    return unique


def load_spec(files: list[tuple[str, str, str]], key: str) -> tuple[Any, dict[str, Any]]:
    """Parse stored (filename, kind, text) files into the engine's spec for process `key`."""
    parser = MaatwerkParser()
    plugins = plugin_links.from_stored(files)
    for filename, kind, text in files:
        if kind == "bpmn":
            root = parse(vendors.as_camunda(text.encode()))
            vendors.drop_drawings(root)
            model_rewrites.rewrite(root, _stored_problem, _no_note, plugins)
            parser.add_bpmn_xml(root, filename=filename)
        elif kind == "dmn":
            root = parse(vendors.as_camunda(text.encode()))
            feel.rewrite(root)
            parser.add_dmn_xml(root, filename=filename)
    return parser.get_spec(key), parser.get_subprocess_specs(key)


def _no_note(element_id: str | None, message: str) -> None:
    """The notes were the upload's; running the model needs none."""


def _stored_problem(element_id: str | None, message: str) -> None:
    """A stored model passed every check when it was uploaded."""
    raise ValueError(f"stored model, element {element_id}: {message}")


# -- files -------------------------------------------------------------------------------

def _read_file(upload: ModelUpload, file: UploadedFile) -> None:
    name = file.filename
    lower = name.lower()
    if not lower.endswith((".bpmn", ".dmn", ".form", ".xml", ".json")):
        upload.problem(name, None, "unknown file type: upload .bpmn, .dmn and .form files "
                       "(and GZAC's .json forms and form links, message texts "
                       "bericht-<occasion>.txt and the letter brief-besluit.html)")
        return
    try:
        text = file.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        upload.problem(name, None, "the file is not UTF-8 text")
        return
    sha = hashlib.sha256(file.content).hexdigest()
    if lower.endswith(".form"):
        read_form_file(upload, name, text, sha)
        return
    if lower.endswith(".json"):
        gzac_forms.read_json_file(upload, name, text, sha)
        return
    try:
        root = parse(vendors.as_camunda(file.content))
    except UnsafeXml as exc:
        upload.problem(name, None, str(exc))
        return
    namespace = etree.QName(root).namespace
    if namespace == NS["bpmn"] and etree.QName(root).localname == "definitions":
        refused = vendors.camunda_8(root)
        if refused:
            upload.problem(name, None, refused)
            return
        for drawn in vendors.drop_drawings(root):
            upload.note(name, drawn, "a data object is a drawing here, as in Camunda 7: no "
                        "data flows through it (the case data holds the values)")
        # what runs Camunda's constructs is written in before the checks see the processes
        upload.plugins_found |= model_rewrites.rewrite(
            root, lambda element_id, message: upload.problem(name, element_id, message),
            lambda element_id, message: upload.note(name, element_id, message),
            upload.plugin_links)
        upload.bpmn.append((name, root))
        upload.texts.append((name, "bpmn", text, sha))
    elif namespace in DMN_NAMESPACES:
        upload.dmn.append((name, root))
        upload.texts.append((name, "dmn", text, sha))
    else:
        upload.problem(name, None, "the file is neither BPMN 2.0 nor DMN (root element "
                                   f"'{etree.QName(root).localname}' in namespace '{namespace}')")


# -- processes ---------------------------------------------------------------------------

def _processes(upload: ModelUpload) -> list[tuple[str, etree._Element]]:
    found = []
    for filename, root in upload.bpmn:
        for process in root.iterfind("bpmn:process", NS):
            found.append((filename, process))
    return found


def _main_process(upload: ModelUpload, processes: list[tuple[str, etree._Element]]
                  ) -> tuple[str | None, tuple[str, etree._Element] | None]:
    executable = [(f, p) for f, p in processes if p.get("isExecutable") == "true"]
    called = {node.get("calledElement") for _, p in processes
              for node in p.iter(BPMN + "callActivity")}
    top = [(f, p) for f, p in executable if p.get("id") not in called]
    if processes and not executable:
        for filename, process in processes:
            upload.problem(filename, process.get("id"), "the process is not marked executable "
                           "(tick 'Executable' in Camunda Modeler)")
        return None, None
    if len(top) > 1:
        ids = ", ".join(p.get("id", "") for _, p in top)
        upload.problem(top[0][0], None, f"upload one process at a time: found executable "
                                        f"processes {ids}")
        return None, None
    if not top:
        return None, None
    return top[0][1].get("id"), top[0]


# -- engine parser and result ------------------------------------------------------------

def _run_engine_parser(upload: ModelUpload, key: str) -> None:
    parser = MaatwerkParser()
    try:
        for filename, root in upload.bpmn:
            parser.add_bpmn_xml(root, filename=filename)
        for filename, root in upload.dmn:
            feel.rewrite(root)  # after the checks, which name the entries as written
            parser.add_dmn_xml(root, filename=filename)
        parser.get_spec(key)
        parser.get_subprocess_specs(key)
    except ValidationException as exc:
        message = str(exc).split("\n")[0]
        upload.problem(exc.file_name or "", getattr(exc, "id", None) or None, message)
    except Exception as exc:  # the engine's parser raises many kinds; never a server error
        upload.problem("", None, f"the model could not be read: {type(exc).__name__}: {exc}")


def _compiled(upload: ModelUpload, key: str, main: etree._Element,
              elements: dict[str, ElementFacts]) -> CompiledModel:
    properties = extension_properties(main)
    starts = [e for e in elements.values() if e.type == "startEvent" and e.process_id == key
              and _is_top_level(main, e.element_id)]
    start_form = next((s.form_key for s in starts if s.form_key), None)
    start_message = next((s.message for s in starts if s.message), None)
    texts = sorted(upload.texts)
    digest = hashlib.sha256(json.dumps([(n, s) for n, _, _, s in texts]).encode()).hexdigest()
    return CompiledModel(
        key=key, name=main.get("name") or key,
        description=properties.get("maatwerk:description", ""),
        decision_term=properties.get("maatwerk:decisionTerm") or None,
        start_form_key=start_form, forms=upload.forms, start_message=start_message,
        elements={k: v.to_dict() for k, v in elements.items()},
        files=texts, content_hash=digest, notes=_distinct(upload.notes),
        properties=properties)


def _is_top_level(process: etree._Element, element_id: str) -> bool:
    return any(reserved_ids.original(child.get("id")) == element_id for child in process)
