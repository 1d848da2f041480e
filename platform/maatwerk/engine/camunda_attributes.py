"""Every camunda:* attribute and extension element: read and run, accepted with a note that
says why it changes nothing here, or refused with the reason. None is ignored unseen.
"""
from __future__ import annotations

from lxml import etree

from .model_upload import ModelUpload

CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"

# read by the checks of the element they belong to (model_checks.py, service_calls.py, ...)
READ = {
    "userTask": {"assignee", "candidateGroups", "candidateUsers", "formRef", "formKey"},
    "startEvent": {"formRef", "formKey", "initiator"},
    "serviceTask": {"class", "delegateExpression", "expression", "resultVariable", "type",
                    "topic"},
    "businessRuleTask": {"decisionRef", "resultVariable", "mapDecisionResult"},
    "multiInstanceLoopCharacteristics": {"collection", "elementVariable"},
    "errorEventDefinition": {"errorCodeVariable", "errorMessageVariable"},
}
READ["sendTask"] = READ["serviceTask"]
# checked where they are misplaced (model_checks.py)
ELSEWHERE = {"class", "delegateExpression", "expression", "type", "topic"}

_SAME_UPLOAD = "the {what} of the same upload is used"
_ONE_STEP = ("a step and the automatic steps after it commit together here; there are no "
             "jobs, so no transaction boundary is needed")
NO_EFFECT = {
    "async": _ONE_STEP,  # Camunda 7's old name of asyncBefore
    "asyncBefore": _ONE_STEP,
    "asyncAfter": _ONE_STEP,
    "exclusive": _ONE_STEP,
    "jobPriority": "there are no jobs with priorities here",
    "taskPriority": "external tasks are fetched oldest first; they have no priority",
    "historyTimeToLive": "how long a case is kept is the platform's retention, not the model's",
    "isStartableInTasklist": "cases are started from the resident's and counter forms",
    "candidateStarterGroups": "who may start a case is set by the roles of Maatwerk",
    "candidateStarterUsers": "who may start a case is set by the roles of Maatwerk",
    "versionTag": "Maatwerk numbers the versions of a model itself",
    "formRefBinding": _SAME_UPLOAD.format(what="form"),
    "formRefVersion": _SAME_UPLOAD.format(what="form"),
    "calledElementBinding": _SAME_UPLOAD.format(what="called process"),
    "calledElementVersion": _SAME_UPLOAD.format(what="called process"),
    "calledElementVersionTag": _SAME_UPLOAD.format(what="called process"),
    "decisionRefBinding": _SAME_UPLOAD.format(what="decision"),
    "decisionRefVersion": _SAME_UPLOAD.format(what="decision"),
    "decisionRefVersionTag": _SAME_UPLOAD.format(what="decision"),
}
_NO_JOBS = ("there are no jobs here: a worker that fails a task says how often and when it "
            "is tried again (retries and retryTimeout of its failure)")
NO_EFFECT["failedJobRetryTimeCycle"] = _NO_JOBS
SILENT = {"modelerTemplate", "modelerTemplateVersion"}  # Camunda Modeler's own bookkeeping
REFUSED = {
    "dueDate": "task due dates are not supported yet; the case's legal decision term "
               "(maatwerk:decisionTerm) sets the deadline of its tasks",
    "followUpDate": "follow-up dates are not supported yet",
    "priority": "task priorities are not supported yet",
    "formHandlerClass": "Java form handlers can't run here; use a Camunda Form",
    "calledElementTenantId": "tenants are not used here",
    "decisionRefTenantId": "tenants are not used here",
    "variableMappingClass": "Java variable mappings can't run; use camunda:in and camunda:out",
    "variableMappingDelegateExpression": "Java variable mappings can't run; use camunda:in "
                                         "and camunda:out",
    "caseRef": "CMMN cases are not supported",
    "caseBinding": "CMMN cases are not supported",
    "caseVersion": "CMMN cases are not supported",
    "caseTenantId": "CMMN cases are not supported",
}


def check(upload: ModelUpload, filename: str, element: etree._Element,
          element_id: str | None) -> None:
    """Note or refuse the camunda:* attributes of one BPMN element."""
    local = etree.QName(element).localname
    for name in element.attrib:
        if not isinstance(name, str) or not name.startswith(CAMUNDA):
            continue
        attribute = name[len(CAMUNDA):]
        if attribute in READ.get(local, ()) or attribute in ELSEWHERE or attribute in SILENT:
            continue
        if local == "scriptTask" and attribute == "resource":
            continue  # the script checks refuse it
        if attribute in NO_EFFECT:
            upload.note(filename, element_id, f"camunda:{attribute} changes nothing here: "
                        f"{NO_EFFECT[attribute]}")
        elif attribute in REFUSED:
            upload.problem(filename, element_id, f"camunda:{attribute}: {REFUSED[attribute]}")
        else:
            upload.problem(filename, element_id, f"camunda:{attribute} on a {local} is not "
                           "read by Maatwerk")


# extension elements read where they are used (forms, mappings, call activities, properties)
ELEMENTS_READ = {
    "properties", "property", "formData", "formField", "validation", "constraint", "value",
    "inputOutput", "inputParameter", "outputParameter", "list", "map", "entry", "script",
    "in", "out", "string", "expression", "connectorId",
}
ELEMENTS_NO_EFFECT = {
    "failedJobRetryTimeCycle": _NO_JOBS,
    "potentialStarter": "who may start a case is set by the roles of Maatwerk",
}
ELEMENTS_REFUSED = {
    "connector": "connectors are not supported",
    "field": "camunda:field gives a value to Java code: it is read on service and send "
             "tasks and on listeners (as a variable of the worker's task), not here",
    "errorEventDefinition": "error event definitions on external tasks are not supported "
                            "yet; let the worker report a BPMN error",
}


def check_element(upload: ModelUpload, filename: str, element: etree._Element,
                  element_id: str | None) -> None:
    """Note or refuse a camunda:* extension element that no check reads."""
    local = etree.QName(element).localname
    if local == "formData" and element.get("businessKey"):
        upload.note(filename, element_id, f"camunda:formData businessKey "
                    f"'{element.get('businessKey')}' changes nothing here: a case's business "
                    "key is its reference, which Maatwerk gives it")
    if local in ELEMENTS_READ:
        return
    if local in ELEMENTS_NO_EFFECT:
        upload.note(filename, element_id, f"camunda:{local} changes nothing here: "
                    f"{ELEMENTS_NO_EFFECT[local]}")
    elif local in ELEMENTS_REFUSED:
        upload.problem(filename, element_id, ELEMENTS_REFUSED[local])
    else:
        upload.problem(filename, element_id, f"camunda:{local} is not read by Maatwerk"
                       + ("; write it as an attribute of the element" if
                          local in ("delegateExpression", "class", "expression", "topic")
                          else ""))
