"""Checking an upload of .bpmn, .dmn and .form files: every problem at once, or a model.

The checks are ours (the engine's parser stops at the first problem and ignores much of
what Camunda Modeler writes); the engine's parser runs last, on XML we parsed safely.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from ..domain.process_model import (
    CompiledModel, ElementFacts, ModelProblem, ModelRefused, UploadedFile,
)
from ..forms.definition import FormDefinitionError, from_camunda_form_data, parse_formjs
from . import sandbox
from .camunda import CAMUNDA, NS, MaatwerkParser
from .expressions import problems_in_expression, problems_in_timer
from .xmlsafe import UnsafeXml, parse

BPMN = "{" + NS["bpmn"] + "}"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
MAX_FILES = 50
RESERVED_IDS = {"Start", "End", "Root"}  # names of the engine's own internal tasks

FLOW_NODES = {
    "startEvent", "endEvent", "userTask", "manualTask", "task", "scriptTask",
    "businessRuleTask", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "subProcess", "callActivity", "transaction",
}
ALLOWED_OTHER = {
    "sequenceFlow", "textAnnotation", "association", "dataObject", "dataObjectReference",
    "laneSet", "lane", "flowNodeRef", "childLaneSet", "extensionElements", "documentation",
    "incoming", "outgoing", "conditionExpression", "script", "timerEventDefinition",
    "timeDuration", "timeDate", "timeCycle", "errorEventDefinition", "escalationEventDefinition",
    "signalEventDefinition", "terminateEventDefinition", "conditionalEventDefinition",
    "condition", "linkEventDefinition", "compensateEventDefinition", "multiInstanceLoopCharacteristics",
    "loopCardinality", "completionCondition", "standardLoopCharacteristics", "property",
    "dataInputAssociation", "dataOutputAssociation", "sourceRef", "targetRef", "ioSpecification",
    "dataInput", "dataOutput", "inputSet", "outputSet", "dataInputRefs", "dataOutputRefs",
    "text", "category", "categoryValue", "group", "inputSetRefs", "outputSetRefs",
    "optionalInputRefs", "whileExecutingInputRefs", "assignment", "from", "to",
}
REFUSED = {
    "serviceTask": "service tasks call code on a server, which Maatwerk does not run; "
                   "use a user task or a Python script task",
    "sendTask": "send tasks are not supported; use a user task",
    "receiveTask": "receive tasks (waiting for a message) are not supported",
    "complexGateway": "complex gateways are not supported; use exclusive or inclusive gateways",
    "adHocSubProcess": "ad-hoc subprocesses are not supported",
    "messageEventDefinition": "message events are not supported yet",
    "dataStoreReference": "data stores are not supported",
    "callChoreography": "choreographies are not executable",
    "subChoreography": "choreographies are not executable",
    "choreographyTask": "choreographies are not executable",
    "potentialOwner": "BPMN resource roles are not used for assignment; set candidate groups "
                      "(camunda:candidateGroups) on the task instead",
    "humanPerformer": "BPMN resource roles are not used for assignment; set candidate groups "
                      "(camunda:candidateGroups) on the task instead",
    "performer": "BPMN resource roles are not used for assignment; set candidate groups "
                 "(camunda:candidateGroups) on the task instead",
}
IGNORED_INSIDE = {"potentialOwner", "humanPerformer", "performer", "extensionElements"}
CAMUNDA_REFUSED = {
    "inputOutput": "input/output mappings are not supported; use a script task",
    "executionListener": "execution listeners run code on the server and are not supported",
    "taskListener": "task listeners run code on the server and are not supported",
    "connector": "connectors are not supported",
    "in": "call activity variable mappings are not supported",
    "out": "call activity variable mappings are not supported",
}


@dataclass
class _Upload:
    problems: list[ModelProblem] = field(default_factory=list)
    bpmn: list[tuple[str, etree._Element]] = field(default_factory=list)
    dmn: list[tuple[str, etree._Element]] = field(default_factory=list)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    form_files: dict[str, str] = field(default_factory=dict)
    decisions: set[str] = field(default_factory=set)
    texts: list[tuple[str, str, str, str]] = field(default_factory=list)

    def problem(self, file: str, element_id: str | None, message: str) -> None:
        self.problems.append(ModelProblem(file, element_id, message))


def compile_model(files: list[UploadedFile]) -> CompiledModel:
    """Check everything; raise ModelRefused with all problems, or return the compiled model."""
    upload = _Upload()
    if not files:
        raise ModelRefused([ModelProblem("", None, "no files were uploaded")])
    if len(files) > MAX_FILES:
        raise ModelRefused([ModelProblem("", None, f"upload at most {MAX_FILES} files at once")])
    for file in files:
        _read_file(upload, file)
    for filename, root in upload.dmn:
        _check_dmn(upload, filename, root)
    if not upload.bpmn and not upload.problems:
        upload.problem("", None, "the upload has no .bpmn file with a process")
    processes = _processes(upload)
    elements: dict[str, ElementFacts] = {}
    for filename, process in processes:
        _check_process(upload, filename, process, elements)
    key, main = _main_process(upload, processes)
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
        unique = unique[:limit] + [ModelProblem("", None, f"... and {rest} more problems")]
    return unique


def load_spec(files: list[tuple[str, str, str]], key: str) -> tuple[Any, dict[str, Any]]:
    """Parse stored (filename, kind, text) files into the engine's spec for process `key`."""
    parser = MaatwerkParser()
    for filename, kind, text in files:
        if kind == "bpmn":
            parser.add_bpmn_xml(parse(text.encode()), filename=filename)
        elif kind == "dmn":
            parser.add_dmn_xml(parse(text.encode()), filename=filename)
    return parser.get_spec(key), parser.get_subprocess_specs(key)


# -- files -------------------------------------------------------------------------------

def _read_file(upload: _Upload, file: UploadedFile) -> None:
    name = file.filename
    lower = name.lower()
    if not lower.endswith((".bpmn", ".dmn", ".form", ".xml")):
        upload.problem(name, None, "unknown file type: upload .bpmn, .dmn and .form files")
        return
    try:
        text = file.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        upload.problem(name, None, "the file is not UTF-8 text")
        return
    sha = hashlib.sha256(file.content).hexdigest()
    if lower.endswith(".form"):
        _read_form(upload, name, text, sha)
        return
    try:
        root = parse(file.content)
    except UnsafeXml as exc:
        upload.problem(name, None, str(exc))
        return
    namespace = etree.QName(root).namespace
    if namespace == NS["bpmn"] and etree.QName(root).localname == "definitions":
        upload.bpmn.append((name, root))
        upload.texts.append((name, "bpmn", text, sha))
    elif namespace in DMN_NAMESPACES:
        upload.dmn.append((name, root))
        upload.texts.append((name, "dmn", text, sha))
    else:
        upload.problem(name, None, "the file is neither BPMN 2.0 nor DMN (root element "
                                   f"'{etree.QName(root).localname}' in namespace '{namespace}')")


def _read_form(upload: _Upload, name: str, text: str, sha: str) -> None:
    try:
        definition = parse_formjs(text)
    except FormDefinitionError as exc:
        for where, message in exc.problems:
            upload.problem(name, where or None, message)
        return
    key = f"ref:{definition.id}"
    if key in upload.forms:
        upload.problem(name, definition.id, f"form id '{definition.id}' is in two uploaded files "
                                            f"({upload.form_files[key]} and {name})")
        return
    upload.forms[key] = definition.to_dict()
    upload.form_files[key] = name
    upload.texts.append((name, "form", text, sha))


# -- DMN ---------------------------------------------------------------------------------

def _check_dmn(upload: _Upload, filename: str, root: etree._Element) -> None:
    ns = {"dmn": etree.QName(root).namespace}
    for decision in root.iterfind("dmn:decision", ns):
        decision_id = decision.get("id", "")
        upload.decisions.add(decision_id)
        tables = decision.findall("dmn:decisionTable", ns)
        if len(tables) != 1:
            upload.problem(filename, decision_id, "a decision needs exactly one decision table "
                                                  "(literal expressions are not supported)")
            continue
        _check_table(upload, filename, decision_id, tables[0], ns)


def _check_table(upload: _Upload, filename: str, decision_id: str, table: etree._Element,
                 ns: dict[str, str]) -> None:
    policy = table.get("hitPolicy", "UNIQUE")
    if policy not in ("UNIQUE", "FIRST", "ANY", "COLLECT") or table.get("aggregation"):
        upload.problem(filename, decision_id, f"hit policy '{policy}"
                       f"{' ' + table.get('aggregation', '') if table.get('aggregation') else ''}'"
                       " is not supported; use UNIQUE, FIRST, ANY or COLLECT")
    for expression in table.iterfind("dmn:input/dmn:inputExpression/dmn:text", ns):
        for message in problems_in_expression(expression.text or ""):
            upload.problem(filename, decision_id, f"input expression '{expression.text}': {message}")
    for rule in table.iterfind("dmn:rule", ns):
        rule_id = rule.get("id", decision_id)
        for entry in rule.iterfind("dmn:inputEntry/dmn:text", ns):
            text = (entry.text or "").strip()
            if text and text != "-" and sandbox.check_expression(text) \
                    and sandbox.check_expression(f"v {text}"):
                upload.problem(filename, rule_id, f"input entry '{text}' can't be read; write "
                               "a value (\"ja\", 12) or a comparison (< 1000, >= 18)")
        for entry in rule.iterfind("dmn:outputEntry/dmn:text", ns):
            text = (entry.text or "").strip()
            for message in (problems_in_expression(text) if text else []):
                upload.problem(filename, rule_id, f"output entry '{text}': {message}")


# -- BPMN --------------------------------------------------------------------------------

def _processes(upload: _Upload) -> list[tuple[str, etree._Element]]:
    found = []
    for filename, root in upload.bpmn:
        for process in root.iterfind("bpmn:process", NS):
            found.append((filename, process))
    return found


def _main_process(upload: _Upload, processes: list[tuple[str, etree._Element]]
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


def _check_process(upload: _Upload, filename: str, process: etree._Element,
                   elements: dict[str, ElementFacts]) -> None:
    process_id = process.get("id", "")
    if process.get("isExecutable") != "true":
        return
    all_ids = {el.get("id") for el in process.iter() if el.get("id")}
    for element in process.iter():
        if not isinstance(element.tag, str) or _inside_ignored(element, process):
            continue
        qname = etree.QName(element)
        element_id = _nearest_id(element)
        if qname.namespace == NS["camunda"]:
            if qname.localname in CAMUNDA_REFUSED:
                upload.problem(filename, element_id, CAMUNDA_REFUSED[qname.localname])
            continue
        if qname.namespace != NS["bpmn"]:
            continue
        local = qname.localname
        if local in REFUSED:
            upload.problem(filename, element_id, REFUSED[local])
        elif local in FLOW_NODES:
            facts = _check_flow_node(upload, filename, process_id, element, all_ids)
            if facts.element_id in elements:
                upload.problem(filename, facts.element_id, "two elements share this id")
            elements[facts.element_id] = facts
        elif local == "sequenceFlow":
            _check_sequence_flow(upload, filename, element)
        elif local not in ALLOWED_OTHER and element is not process:
            upload.problem(filename, element_id, f"the element '{local}' is not supported")


def _inside_ignored(element: etree._Element, process: etree._Element) -> bool:
    """Vendor extensions and resource roles: only their outer element is looked at
    (camunda:* children of extensionElements are checked where they are used)."""
    parent = element.getparent()
    while parent is not None and parent is not process:
        if etree.QName(parent).localname in IGNORED_INSIDE and \
                not (etree.QName(parent).localname == "extensionElements"
                     and etree.QName(element).namespace == NS["camunda"]):
            return True
        parent = parent.getparent()
    return False


def _nearest_id(element: etree._Element) -> str | None:
    node: etree._Element | None = element
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _check_flow_node(upload: _Upload, filename: str, process_id: str, element: etree._Element,
                     all_ids: set[str | None]) -> ElementFacts:
    local = etree.QName(element).localname
    element_id = element.get("id") or ""
    if element_id in RESERVED_IDS:
        upload.problem(filename, element_id, f"the id '{element_id}' is reserved by the engine; "
                                             "give the element another id in Camunda Modeler")
    facts = ElementFacts(
        element_id=element_id, type=local, name=element.get("name") or element_id,
        process_id=process_id, documentation=_documentation(element),
        properties=_properties(element))
    for attr in ("class", "delegateExpression", "expression", "type", "topic"):
        if element.get(CAMUNDA + attr) and local != "businessRuleTask":
            upload.problem(filename, element_id, f"camunda:{attr} implementations run code on a "
                                                 "server and are not supported")
    if local in ("userTask", "startEvent"):
        _read_assignment(facts, element)
        facts.form_key = _form_key(upload, filename, element)
    if local == "scriptTask":
        _check_script(upload, filename, element)
    elif local == "businessRuleTask":
        _check_business_rule(upload, filename, element)
        facts.result_variable = element.get(CAMUNDA + "resultVariable") or None
    elif local in ("exclusiveGateway", "inclusiveGateway"):
        _check_gateway(upload, filename, element)
    elif local == "callActivity":
        if not element.get("calledElement"):
            upload.problem(filename, element_id, "the call activity names no process to call")
    elif local == "boundaryEvent" and element.get("attachedToRef") not in all_ids:
        upload.problem(filename, element_id, "the boundary event is not attached to a task")
    if local == "boundaryEvent":
        facts.attached_to = element.get("attachedToRef")
    for timer in element.iterfind("bpmn:timerEventDefinition", NS):
        _check_timer(upload, filename, element_id, timer)
        values = [c for c in timer if isinstance(c.tag, str)]
        facts.timer = (values[0].text or "").strip() if values else None
    for condition in element.iterfind("bpmn:conditionalEventDefinition/bpmn:condition", NS):
        for message in problems_in_expression(condition.text or ""):
            upload.problem(filename, element_id, f"condition: {message}")
    return facts


def _documentation(element: etree._Element) -> str:
    docs = element.findall("bpmn:documentation", NS)
    return "\n".join((d.text or "").strip() for d in docs).strip()


def _properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in element.iterfind(
        "bpmn:extensionElements/camunda:properties/camunda:property", NS)}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _read_assignment(facts: ElementFacts, element: etree._Element) -> None:
    facts.candidate_groups = _split(element.get(CAMUNDA + "candidateGroups"))
    facts.candidate_users = _split(element.get(CAMUNDA + "candidateUsers"))
    facts.assignee = element.get(CAMUNDA + "assignee") or None


def _form_key(upload: _Upload, filename: str, element: etree._Element) -> str | None:
    element_id = element.get("id", "")
    form_ref = element.get(CAMUNDA + "formRef")
    form_key_attr = element.get(CAMUNDA + "formKey")
    fields = element.findall("bpmn:extensionElements/camunda:formData/camunda:formField", NS)
    if form_ref:
        key = f"ref:{form_ref}"
        if key not in upload.forms:
            upload.problem(filename, element_id, f"the form '{form_ref}' (camunda:formRef) was "
                                                 "not uploaded; add its .form file")
        return key
    if fields:
        try:
            definition = from_camunda_form_data(element_id, [_form_field(f) for f in fields])
        except FormDefinitionError as exc:
            for where, message in exc.problems:
                upload.problem(filename, element_id, f"form field '{where}': {message}")
            return None
        key = f"inline:{element_id}"
        upload.forms[key] = definition.to_dict()
        return key
    if form_key_attr:
        upload.problem(filename, element_id, f"form key '{form_key_attr}' points at a web page "
                       "Maatwerk can't show; use a Camunda Form (formRef) or form fields")
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


def _check_script(upload: _Upload, filename: str, element: etree._Element) -> None:
    element_id = element.get("id")
    language = (element.get("scriptFormat") or "python").lower()
    if language not in ("python", "py", "python3"):
        upload.problem(filename, element_id, f"script format '{language}' is not supported; "
                                             "write the script in Python")
        return
    if element.get(CAMUNDA + "resource"):
        upload.problem(filename, element_id, "external script resources are not supported")
        return
    script = element.find("bpmn:script", NS)
    if script is None or not (script.text or "").strip():
        upload.problem(filename, element_id, "the script task has no script")
        return
    for message in sandbox.check_script(script.text or ""):
        upload.problem(filename, element_id, f"script: {message}")


def _check_business_rule(upload: _Upload, filename: str, element: etree._Element) -> None:
    element_id = element.get("id")
    ref = element.get(CAMUNDA + "decisionRef")
    if not ref:
        upload.problem(filename, element_id, "the business rule task names no decision "
                                             "(camunda:decisionRef)")
    elif ref not in upload.decisions:
        upload.problem(filename, element_id, f"decision '{ref}' (camunda:decisionRef) was not "
                                             "uploaded; add its .dmn file")
    mapping = element.get(CAMUNDA + "mapDecisionResult")
    if mapping and mapping not in ("singleEntry", "singleResult"):
        upload.problem(filename, element_id, f"mapDecisionResult '{mapping}' is not supported; "
                                             "use singleEntry or singleResult")
    if mapping and not element.get(CAMUNDA + "resultVariable"):
        upload.problem(filename, element_id, "mapDecisionResult needs a result variable")


def _check_gateway(upload: _Upload, filename: str, element: etree._Element) -> None:
    process = element.getparent()
    outgoing = [f for f in process.iterfind("bpmn:sequenceFlow", NS)
                if f.get("sourceRef") == element.get("id")] if process is not None else []
    if len(outgoing) < 2:
        return
    default = element.get("default")
    for flow in outgoing:
        if flow.get("id") != default and flow.find("bpmn:conditionExpression", NS) is None:
            upload.problem(filename, flow.get("id"), f"this path out of gateway "
                           f"'{element.get('name') or element.get('id')}' has no condition and "
                           "is not the default path")


def _check_sequence_flow(upload: _Upload, filename: str, flow: etree._Element) -> None:
    condition = flow.find("bpmn:conditionExpression", NS)
    if condition is None:
        return
    language = (condition.get("language") or "").lower()
    if language and language not in ("python", "juel", "py"):
        upload.problem(filename, flow.get("id"), f"condition language '{language}' is not "
                                                 "supported; use JUEL (${...}) or Python")
        return
    for message in problems_in_expression(condition.text or ""):
        upload.problem(filename, flow.get("id"), f"condition '{(condition.text or '').strip()}': "
                                                 f"{message}")


def _check_timer(upload: _Upload, filename: str, element_id: str,
                 timer: etree._Element) -> None:
    values = [child for child in timer if isinstance(child.tag, str)]
    if len(values) != 1:
        upload.problem(filename, element_id, "the timer needs exactly one of duration, date or "
                                             "cycle")
        return
    for message in problems_in_timer(values[0].text or ""):
        upload.problem(filename, element_id, f"timer: {message}")


# -- engine parser and result ------------------------------------------------------------

def _run_engine_parser(upload: _Upload, key: str) -> None:
    parser = MaatwerkParser()
    try:
        for filename, root in upload.bpmn:
            parser.add_bpmn_xml(root, filename=filename)
        for filename, root in upload.dmn:
            parser.add_dmn_xml(root, filename=filename)
        parser.get_spec(key)
        parser.get_subprocess_specs(key)
    except ValidationException as exc:
        message = str(exc).split("\n")[0]
        upload.problem(exc.file_name or "", getattr(exc, "id", None) or None, message)
    except Exception as exc:  # the engine's parser raises many kinds; never a server error
        upload.problem("", None, f"the model could not be read: {type(exc).__name__}: {exc}")


def _compiled(upload: _Upload, key: str, main: etree._Element,
              elements: dict[str, ElementFacts]) -> CompiledModel:
    properties = _properties(main)
    starts = [e for e in elements.values() if e.type == "startEvent" and e.process_id == key
              and _is_top_level(main, e.element_id)]
    start_form = next((s.form_key for s in starts if s.form_key), None)
    texts = sorted(upload.texts)
    digest = hashlib.sha256(json.dumps([(n, s) for n, _, _, s in texts]).encode()).hexdigest()
    return CompiledModel(
        key=key, name=main.get("name") or key,
        description=properties.get("maatwerk:description", ""),
        decision_term=properties.get("maatwerk:decisionTerm") or None,
        start_form_key=start_form, forms=upload.forms,
        elements={k: v.to_dict() for k, v in elements.items()},
        files=texts, content_hash=digest)


def _is_top_level(process: etree._Element, element_id: str) -> bool:
    return any(child.get("id") == element_id for child in process)
