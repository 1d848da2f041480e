"""The checks of an upload's DMN decisions and BPMN processes, element by element.

Every problem is collected on the :class:`ModelUpload`; nothing stops at the first one.
"""
from __future__ import annotations

from lxml import etree

from ..domain.process_model import ElementFacts
from . import (
    assignments,
    call_mappings,
    camunda_attributes,
    flow_order,
    io_mappings,
    letter_checks,
    reserved_ids,
    sandbox,
    separation_checks,
    service_calls,
    start_checks,
    term_checks,
    vendors,
)
from .camunda import CAMUNDA, NS
from .expressions import PYTHON_FORMATS, problems_in_expression, problems_in_timer
from .model_forms import form_key
from .model_upload import ModelUpload

BPMN = "{" + NS["bpmn"] + "}"

FLOW_NODES = {
    "startEvent", "endEvent", "userTask", "manualTask", "task", "scriptTask",
    "businessRuleTask", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "subProcess", "callActivity", "transaction", "serviceTask", "sendTask", "receiveTask",
}
ALLOWED_OTHER = {
    "sequenceFlow", "textAnnotation", "association", "dataObject", "dataObjectReference",
    "laneSet", "lane", "flowNodeRef", "childLaneSet", "extensionElements", "documentation",
    "incoming", "outgoing", "conditionExpression", "script", "timerEventDefinition",
    "timeDuration", "timeDate", "timeCycle", "errorEventDefinition", "escalationEventDefinition",
    "signalEventDefinition", "terminateEventDefinition", "conditionalEventDefinition",
    "condition", "linkEventDefinition", "compensateEventDefinition", "messageEventDefinition",
    "multiInstanceLoopCharacteristics",
    "loopCardinality", "completionCondition", "standardLoopCharacteristics", "property",
    "dataInputAssociation", "dataOutputAssociation", "sourceRef", "targetRef", "ioSpecification",
    "dataInput", "dataOutput", "inputSet", "outputSet", "dataInputRefs", "dataOutputRefs",
    "text", "category", "categoryValue", "group", "inputSetRefs", "outputSetRefs",
    "optionalInputRefs", "whileExecutingInputRefs", "assignment", "from", "to",
}
REFUSED = {
    "complexGateway": "complex gateways are not supported; use exclusive or inclusive gateways",
    "adHocSubProcess": "ad-hoc subprocesses are not supported",
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


# -- BPMN --------------------------------------------------------------------------------

def check_process(upload: ModelUpload, filename: str, process: etree._Element,
                   elements: dict[str, ElementFacts]) -> None:
    process_id = process.get("id", "")
    if process.get("isExecutable") != "true":
        return
    all_ids = {el.get("id") for el in process.iter() if el.get("id")}
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        vendor = vendors.foreign(element)
        if vendor:
            upload.problem(filename, _nearest_id(element), f"the {vendor} extensions here "
                           "are not read by Maatwerk; use Camunda 7's (Camunda Modeler, "
                           "Camunda Platform 7 diagram)")
        if _inside_ignored(element, process):
            continue
        qname = etree.QName(element)
        element_id = _nearest_id(element)
        if qname.namespace == NS["camunda"]:
            camunda_attributes.check_element(upload, filename, element, element_id)
            continue
        if qname.namespace != NS["bpmn"]:
            continue
        camunda_attributes.check(upload, filename, element, element_id)
        local = qname.localname
        if local in REFUSED:
            upload.problem(filename, element_id, REFUSED[local])
        elif local in FLOW_NODES:
            facts = _check_flow_node(upload, filename, process_id, element, all_ids)
            _add_facts(upload, filename, elements, facts)
        elif local == "sequenceFlow":
            _check_sequence_flow(upload, filename, element)
        elif local not in ALLOWED_OTHER and element is not process:
            upload.problem(filename, element_id, f"the element '{local}' is not supported")
    for element_id, rank in flow_order.ranks(process, FLOW_NODES).items():
        if element_id in elements and elements[element_id].process_id == process_id:
            elements[element_id].order = rank


# elements that carry nothing the platform looks up by id: Camunda Modeler names the first
# event StartEvent_1 in every diagram, so a called process often shares such ids
_PLAIN = {"startEvent", "endEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
          "eventBasedGateway", "intermediateThrowEvent"}


def _add_facts(upload: ModelUpload, filename: str, elements: dict[str, ElementFacts],
               facts: ElementFacts) -> None:
    """Ids need only be unique within one process (as in Camunda); a task, or anything
    the platform finds by its id, must be unique in the whole upload."""
    other = elements.get(facts.element_id)
    if other is None:
        elements[facts.element_id] = facts
    elif other.process_id == facts.process_id:
        upload.problem(filename, facts.element_id, "two elements share this id")
    elif not (_plain(facts) and _plain(other)):
        upload.problem(filename, facts.element_id, f"the id is also used in process "
                       f"'{other.process_id}'; a task, or an event with a form, timer or "
                       "message, needs an id of its own in the whole upload: rename one "
                       "in Camunda Modeler")


def _plain(facts: ElementFacts) -> bool:
    return facts.type in _PLAIN and not (facts.form_key or facts.timer or facts.topic)


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
            return reserved_ids.original(node.get("id"))
        node = node.getparent()
    return None


def _check_flow_node(upload: ModelUpload, filename: str, process_id: str, element: etree._Element,
                     all_ids: set[str | None]) -> ElementFacts:
    local = etree.QName(element).localname
    element_id = reserved_ids.original(element.get("id")) or ""
    facts = ElementFacts(
        element_id=element_id, type=local, name=element.get("name") or element_id,
        process_id=process_id, documentation=_documentation(element),
        properties=extension_properties(element))
    for attr in ("class", "delegateExpression", "expression", "type", "topic"):
        if element.get(CAMUNDA + attr) and local not in ("serviceTask", "sendTask"):
            upload.problem(filename, element_id, f"camunda:{attr} is not supported on a "
                           f"{local}; on service and send tasks it becomes a topic that a "
                           "worker does")
    if local in ("userTask", "startEvent"):
        _read_assignment(facts, element)
        facts.form_key = form_key(upload, filename, element)
    if local == "startEvent" and element.get(CAMUNDA + "initiator") is not None:
        facts.initiator = _initiator(upload, filename, element)
    if local == "startEvent":
        start_checks.check_start_trigger(upload, filename, element)
        facts.plain_start = start_checks.is_plain_start(element)
        facts.start_clock = start_checks.clock_start(upload, filename, element)
    if local == "scriptTask":
        _check_script(upload, filename, element)
    elif local in ("serviceTask", "sendTask"):
        _service_call(upload, filename, element, facts)
    elif local == "businessRuleTask":
        _check_business_rule(upload, filename, element)
        facts.result_variable = element.get(CAMUNDA + "resultVariable") or None
    elif local in ("exclusiveGateway", "inclusiveGateway"):
        _check_gateway(upload, filename, element)
    elif local == "callActivity":
        _check_call_activity(upload, filename, element)
    elif local == "boundaryEvent" and element.get("attachedToRef") not in all_ids:
        upload.problem(filename, element_id, "the boundary event is not attached to a task")
    if local == "boundaryEvent":
        facts.attached_to = element.get("attachedToRef")
        if element.find("bpmn:compensateEventDefinition", NS) is not None:
            upload.problem(filename, element_id, "compensation is not supported yet: a "
                           "compensation boundary event and its handler can't run here")
    for timer in element.iterfind("bpmn:timerEventDefinition", NS):
        if local != "startEvent" or not start_checks.is_process_start(element):  # clock_start
            _check_timer(upload, filename, element_id, timer)
        values = [c for c in timer if isinstance(c.tag, str)]
        facts.timer = (values[0].text or "").strip() if values else None
    for definition in element.iterfind("bpmn:errorEventDefinition", NS):
        _check_error_variables(upload, filename, element, definition)
    _check_io_mapping(upload, filename, element)
    _check_message(upload, filename, element, facts)
    if local != "callActivity":
        _check_passings_elsewhere(upload, filename, element)
    letter_checks.check_decision(upload, filename, element_id, local, facts.properties)
    separation_checks.check(upload, filename, element_id, local, facts.properties, all_ids)
    term_checks.check(upload, filename, element_id, local, facts)
    for condition in element.iterfind("bpmn:conditionalEventDefinition/bpmn:condition", NS):
        for message in problems_in_expression(condition.text or ""):
            upload.problem(filename, element_id, f"condition: {message}")
    return facts


def _check_call_activity(upload: ModelUpload, filename: str, element: etree._Element) -> None:
    element_id = element.get("id")
    if not element.get("calledElement"):
        upload.problem(filename, element_id, "the call activity names no process to call")
    try:
        call_mappings.read(element)
    except call_mappings.CallMappingProblem as exc:
        upload.problem(filename, element_id, str(exc))


def _check_passings_elsewhere(upload: ModelUpload, filename: str,
                              element: etree._Element) -> None:
    """camunda:in and camunda:out pass variables to a called process: nowhere else."""
    for local in ("in", "out"):
        if element.find(f"bpmn:extensionElements/camunda:{local}", NS) is not None:
            upload.problem(filename, element.get("id"), f"camunda:{local} passes variables "
                           "to a called process: it belongs on a call activity")


CATCHES_MESSAGES = {"intermediateCatchEvent", "boundaryEvent", "receiveTask"}


def _check_message(upload: ModelUpload, filename: str, element: etree._Element,
                   facts: ElementFacts) -> None:
    """A message is waited for by name (services/messages.py correlates it), or starts a
    case; sending one from a model is a send task's work."""
    local = etree.QName(element).localname
    definition = element.find("bpmn:messageEventDefinition", NS)
    if local == "receiveTask":
        definition = element
    elif definition is None:
        return
    element_id = element.get("id")
    if local not in CATCHES_MESSAGES and local != "startEvent":
        return  # a throwing event: it became a service task or passes (message_throws.py)
    if local == "startEvent" and not start_checks.may_start_with_message(upload, filename, element):
        return
    name = _message_name(element, definition.get("messageRef"))
    if not name:
        upload.problem(filename, element_id, "the event waits for no message; choose a "
                       "Global message reference with a name in Camunda Modeler")
    elif "${" in name or "#{" in name:
        upload.problem(filename, element_id, f"the message name '{name}' is an expression; "
                       "give a plain name")
    elif assignments.is_internal(name) and element_id != assignments.start_id(name):
        upload.problem(filename, element_id, f"the message name '{name}' is the platform's "
                       f"own (names starting with '{assignments.PREFIX}'); choose another")
    else:
        facts.message = name


def _message_name(element: etree._Element, ref: str | None) -> str | None:
    if not ref:
        return None
    root = element.getroottree().getroot()
    for message in root.iterfind("bpmn:message", NS):
        if message.get("id") == ref:
            return (message.get("name") or "").strip() or None
    return None


MAPPED = {"userTask", "manualTask", "task", "scriptTask", "businessRuleTask", "serviceTask",
          "sendTask", "intermediateCatchEvent", "intermediateThrowEvent", "endEvent",
          "callActivity", "subProcess"}


def _check_io_mapping(upload: ModelUpload, filename: str, element: etree._Element) -> None:
    """camunda:inputOutput runs on tasks, call activities and intermediate and end events
    (io_mappings.py, call_mappings.py)."""
    try:
        mapping = io_mappings.read(element)
    except io_mappings.MappingProblem as exc:
        upload.problem(filename, element.get("id"), f"camunda:inputOutput, {exc}")
        return
    if mapping is None:
        return
    local = etree.QName(element).localname
    if local not in MAPPED:
        upload.problem(filename, element.get("id"), "input/output mappings are supported on "
                       "tasks, call activities and intermediate and end events, not on a "
                       f"{local} yet")
    elif local == "subProcess" and element.get("triggeredByEvent") == "true":
        upload.problem(filename, element.get("id"), "input/output mappings on an event "
                       "subprocess are not supported; it starts with the case's data")


def _check_error_variables(upload: ModelUpload, filename: str, element: etree._Element,
                           definition: etree._Element) -> None:
    """camunda:errorCodeVariable / errorMessageVariable keep a caught error's code and
    message (error_events.py): on catching events only, and as variable names."""
    for name in definition.attrib:
        if not name.startswith(CAMUNDA):
            continue
        local, value = name[len(CAMUNDA):], definition.get(name) or ""
        if local not in ("errorCodeVariable", "errorMessageVariable"):
            upload.problem(filename, element.get("id"), f"camunda:{local} on an error event "
                           "is not supported")
        elif etree.QName(element).localname not in ("boundaryEvent", "startEvent"):
            upload.problem(filename, element.get("id"), f"camunda:{local} belongs on an "
                           "event that catches the error (a boundary or start event)")
        elif not value.isidentifier():
            upload.problem(filename, element.get("id"), f"camunda:{local} '{value}' is not "
                           "a variable name")


def _service_call(upload: ModelUpload, filename: str, element: etree._Element,
                  facts: ElementFacts) -> None:
    """A service or send task becomes an external task of a topic (service_calls.py); an
    implementation that can't is refused with its reason."""
    if element.find("bpmn:extensionElements/camunda:connector", NS) is not None:
        return  # refused with the connector element itself
    attributes = {name: element.get(CAMUNDA + name) for name in (
        "type", "topic", "class", "delegateExpression", "expression", "resultVariable")}
    try:
        call = service_calls.read(attributes)
    except service_calls.ServiceCallProblem as exc:
        upload.problem(filename, element.get("id"), str(exc))
        return
    facts.topic = call.topic
    facts.arguments = list(call.arguments)
    facts.result_variable = call.result_variable


def _initiator(upload: ModelUpload, filename: str, element: etree._Element) -> str | None:
    """camunda:initiator: the variable that gets the user name of who started the case."""
    name = (element.get(CAMUNDA + "initiator") or "").strip()
    if not name.isidentifier():
        upload.problem(filename, element.get("id"), f"camunda:initiator '{name}' is not a "
                       "variable name")
        return None
    return name


def _documentation(element: etree._Element) -> str:
    docs = element.findall("bpmn:documentation", NS)
    return "\n".join((d.text or "").strip() for d in docs).strip()


def extension_properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in element.iterfind(
        "bpmn:extensionElements/camunda:properties/camunda:property", NS)}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _read_assignment(facts: ElementFacts, element: etree._Element) -> None:
    facts.candidate_groups = _split(element.get(CAMUNDA + "candidateGroups"))
    facts.candidate_users = _split(element.get(CAMUNDA + "candidateUsers"))
    facts.assignee = element.get(CAMUNDA + "assignee") or None


def _check_script(upload: ModelUpload, filename: str, element: etree._Element) -> None:
    element_id = element.get("id")
    language = (element.get("scriptFormat") or "python").lower()
    if language not in PYTHON_FORMATS:
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


RESULT_MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")


def _check_business_rule(upload: ModelUpload, filename: str, element: etree._Element) -> None:
    element_id = element.get("id")
    ref = element.get(CAMUNDA + "decisionRef")
    if not ref:
        upload.problem(filename, element_id, "the business rule task names no decision "
                                             "(camunda:decisionRef)")
    elif ref not in upload.decisions:
        upload.problem(filename, element_id, f"decision '{ref}' (camunda:decisionRef) was not "
                                             "uploaded; add its .dmn file")
    mapping = element.get(CAMUNDA + "mapDecisionResult")
    if mapping and mapping not in RESULT_MAPPINGS:
        upload.problem(filename, element_id, f"mapDecisionResult '{mapping}' is not supported; "
                       f"use {', '.join(RESULT_MAPPINGS)}")
    if mapping and not element.get(CAMUNDA + "resultVariable"):
        upload.problem(filename, element_id, "mapDecisionResult needs a result variable")


def _check_gateway(upload: ModelUpload, filename: str, element: etree._Element) -> None:
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


def _check_sequence_flow(upload: ModelUpload, filename: str, flow: etree._Element) -> None:
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


def _check_timer(upload: ModelUpload, filename: str, element_id: str,
                 timer: etree._Element) -> None:
    values = [child for child in timer if isinstance(child.tag, str)]
    if len(values) != 1:
        upload.problem(filename, element_id, "the timer needs exactly one of duration, date or "
                                             "cycle")
        return
    for message in problems_in_timer(values[0].text or ""):
        upload.problem(filename, element_id, f"timer: {message}")
