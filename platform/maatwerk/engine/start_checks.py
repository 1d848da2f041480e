"""The checks of start events: what may start a case (a plain start, or a message), and
what may start an event subprocess (event_subprocesses.py)."""
from __future__ import annotations

from lxml import etree

from . import start_clock
from .camunda import CAMUNDA, NS
from .model_upload import ModelUpload

_NOT_STARTING = {"compensateEventDefinition": "compensation"}
_TRIGGERS = {"errorEventDefinition": "an error", "escalationEventDefinition": "an escalation"}
# what only the case's own process's event subprocesses may start on (event_subprocesses.py)
_TOP_ONLY = {"messageEventDefinition": "a message", **_TRIGGERS}


def check_start_trigger(upload: ModelUpload, filename: str, element: etree._Element) -> None:
    """An event subprocess of a process may start on an error, escalation, message, signal,
    timer or condition here (event_subprocesses.py); one inside an embedded subprocess only
    on a timer, signal or condition; an error start always interrupts, as in BPMN."""
    element_id = element.get("id")
    for child in element:
        local = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if local in _NOT_STARTING:
            upload.problem(filename, element_id, "an event subprocess that starts on "
                           f"{_NOT_STARTING[local]} is not supported yet")
        elif local in _TRIGGERS:
            check_triggered_start(upload, filename, element, _TRIGGERS[local])
            if local == "errorEventDefinition" and \
                    element.get("isInterrupting", "true").lower() == "false":
                upload.problem(filename, element_id, "an error start event always "
                               "interrupts (BPMN); make it interrupting")


def check_triggered_start(upload: ModelUpload, filename: str, element: etree._Element,
                           what: str) -> bool:
    """Whether this start event may start on `what`: in an event subprocess of a process."""
    parent = element.getparent()
    grandparent = parent.getparent() if parent is not None else None
    in_event_subprocess = parent is not None and etree.QName(parent).localname == "subProcess" \
        and parent.get("triggeredByEvent") == "true"
    if in_event_subprocess and grandparent is not None and \
            etree.QName(grandparent).localname == "process":
        return True
    if in_event_subprocess:
        upload.problem(filename, element.get("id"), f"an event subprocess inside a "
                       f"subprocess that starts on {what} is not supported yet; move it to "
                       "the process level, or catch it with a boundary event on the "
                       "subprocess")
    else:
        upload.problem(filename, element.get("id"), f"a start event that starts on {what} "
                       "belongs in an event subprocess")
    return False


def may_start_with_message(upload: ModelUpload, filename: str,
                            element: etree._Element) -> bool:
    """A process may start with a message at a start event (beside it one plain start event,
    where cases are started by hand), and so may an event subprocess of a process."""
    parent = element.getparent()
    element_id = element.get("id")
    if parent is None or etree.QName(parent).localname != "process":
        if not check_triggered_start(upload, filename, element, "a message"):
            return False
    elif not _others_plain(parent, element):
        upload.problem(filename, element_id, "a process that starts with a message can have "
                       "one other start event here, a plain one (where a caseworker starts "
                       "a case by hand)")
        return False
    if _has_form(element):
        upload.problem(filename, element_id, "a start event that waits for a message has no "
                       "form: the message brings the data")
        return False
    return True


def clock_start(upload: ModelUpload, filename: str,
                element: etree._Element) -> dict[str, str] | None:
    """A timer start event of the process: its clock starts cases (start_clock.py), beside
    other timer start events and at most one plain start event (where a caseworker starts
    a case by hand). Its timer as {"kind", "value"}, or None when it is no such event or
    is refused."""
    parent = element.getparent()
    timer = element.find("bpmn:timerEventDefinition", NS)
    if timer is None or parent is None or not is_process_start(element):
        return None
    values = [child for child in timer if isinstance(child.tag, str)]
    others = [start for start in parent.findall("bpmn:startEvent", NS) if start is not element]
    reasons = []
    if len(values) != 1:
        reasons.append("the timer needs exactly one of duration, date or cycle")
    if sum(is_plain_start(other) for other in others) > 1 or not all(
            is_plain_start(other) or other.find("bpmn:timerEventDefinition", NS) is not None
            for other in others):
        reasons.append("a process that starts on a timer can have other timer start events "
                       "and one plain start event here (where a caseworker starts a case by "
                       "hand), and no other start events")
    if _has_form(element):
        reasons.append("a start event on a timer has no form: nobody fills it in when the "
                       "clock starts a case")
    if not reasons:
        kind, value = etree.QName(values[0]).localname, (values[0].text or "").strip()
        reasons = [f"timer: {message}" for message in start_clock.problems(kind, value)]
    for reason in reasons:
        upload.problem(filename, element.get("id"), reason)
    if reasons:
        return None
    upload.note(filename, element.get("id"), f"the clock starts a new case "
                f"{start_clock.describe(kind, value)}, from the newest version of the process")
    return {"kind": kind, "value": value}


def _has_form(element: etree._Element) -> bool:
    return bool(element.get(CAMUNDA + "formRef") or element.get(CAMUNDA + "formKey")) or \
        element.find("bpmn:extensionElements/camunda:formData", NS) is not None


def is_process_start(element: etree._Element) -> bool:
    """A start event of the process itself (not of a subprocess)."""
    parent = element.getparent()
    return parent is not None and etree.QName(parent).localname == "process"


def is_plain_start(element: etree._Element) -> bool:
    """A start event of the process itself without a trigger: cases start there by hand."""
    parent = element.getparent()
    return parent is not None and etree.QName(parent).localname == "process" and not any(
        isinstance(child.tag, str) and etree.QName(child).localname.endswith("EventDefinition")
        for child in element)


def _others_plain(process: etree._Element, element: etree._Element) -> bool:
    others = [start for start in process.findall("bpmn:startEvent", NS) if start is not element]
    return len(others) <= 1 and all(is_plain_start(start) for start in others)


def check_called_triggers(upload: ModelUpload, processes: list[tuple[str, etree._Element]],
                          key: str | None) -> None:
    """An event subprocess of a called process starts only on a timer, signal or condition
    here: the engine looks for the others only in the case's own process."""
    for filename, process in processes:
        if key is None or process.get("id") == key:
            continue
        for sub in process.iterfind("bpmn:subProcess[@triggeredByEvent='true']", NS):
            for start in sub.iterfind("bpmn:startEvent", NS):
                for local, what in _TOP_ONLY.items():
                    if start.find(f"bpmn:{local}", NS) is not None:
                        upload.problem(filename, start.get("id"), "an event subprocess of a "
                                       f"called process that starts on {what} is not "
                                       "supported yet; move it to the calling process, or "
                                       "use a boundary event on the call activity")
