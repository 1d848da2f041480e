"""Camunda 7's message correlation and event subscriptions under /engine-rest: `POST
/message` and `GET /event-subscription`, with Camunda's bodies and error format (the routes
are on engine_rest.bp)."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..services import messages
from ..services.errors import InvalidInput
from . import camunda_variables
from .context import me, uow
from .engine_rest import bp, camunda_time, instance_id, json_body

# what Camunda's message API offers that a case here does not have: refused, not ignored
_NOT_OFFERED = {
    "all": "Correlating one message to several cases at once ('all') is not supported; "
           "send it to each case.",
    "processVariablesLocal": "'processVariablesLocal' is not supported; send "
                             "processVariables.",
    "localCorrelationKeys": "'localCorrelationKeys' is not supported; use correlationKeys.",
    "tenantId": "Tenants are not used here; leave out 'tenantId'.",
    "variablesInResultEnabled": "'variablesInResultEnabled' is not supported; read the "
                                "case's variables with GET /api/v1/cases/<id>.",
}


def _correlation(body: dict[str, Any]) -> messages.Correlation:
    for name, why in _NOT_OFFERED.items():
        if body.get(name):
            raise InvalidInput(why, {name: "Not supported."})
    case_id = body.get("processInstanceId")
    if case_id is not None and instance_id(case_id) is None:
        raise InvalidInput(f"There is no process instance '{case_id}'.",
                           {"processInstanceId": "Unknown."})
    key = body.get("businessKey")
    if key is not None and not isinstance(key, str):
        raise InvalidInput("'businessKey' must be text.", {"businessKey": "Text."})
    if not isinstance(body.get("messageName"), str):
        raise InvalidInput("Give the messageName.", {"messageName": "Required."})
    return messages.Correlation(
        name=body["messageName"], case_id=instance_id(case_id),
        business_key=key,
        correlation_keys=camunda_variables.from_camunda(body.get("correlationKeys"),
                                                        "correlationKeys"),
        variables=camunda_variables.from_camunda(body.get("processVariables"),
                                                 "processVariables"))


@bp.post("/message")
def correlate() -> Response | tuple[str, int]:
    body = json_body()
    done = messages.correlate(uow(), me(), _correlation(body))
    if not body.get("resultEnabled"):
        return "", 204
    ended = done.outcome.case.status == "completed"
    if done.started:
        return jsonify([{"resultType": "ProcessDefinition", "execution": None,
                         "processInstance": {
                             "links": [], "id": str(done.case_id), "businessKey": done.reference,
                             "definitionId": _definition(done.outcome.case),
                             "caseInstanceId": None, "ended": ended, "suspended": False,
                             "tenantId": None}}])
    return jsonify([{"resultType": "Execution", "processInstance": None, "execution": {
        "id": f"{done.case_id}:{done.element_ids[0]}", "processInstanceId": str(done.case_id),
        "ended": ended, "tenantId": None}}])


def _definition(case: Any) -> str:
    model = case.process_model
    return f"{model.key}:{model.version}:{model.id}"


@bp.get("/event-subscription")
def event_subscriptions() -> Response:
    args = request.args
    if args.get("eventType", "message") != "message":
        return jsonify([])  # only message waits are subscriptions here (no signals yet)
    case_id = args.get("processInstanceId")
    if case_id is not None and instance_id(case_id) is None:
        return jsonify([])  # no case has such an id
    found = messages.subscriptions(uow(readonly=True), me(), args.get("eventName"),
                                   instance_id(case_id))
    return jsonify([{
        "id": f"{waiting.case_id}:{wait['element_id']}", "eventType": "message",
        "eventName": wait["name"], "executionId": f"{waiting.case_id}:{wait['element_id']}",
        "processInstanceId": str(waiting.case_id), "activityId": wait["element_id"],
        "createdDate": camunda_time(waiting.updated_at), "tenantId": None,
    } for waiting, wait in found])
