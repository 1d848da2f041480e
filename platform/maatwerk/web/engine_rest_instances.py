"""Camunda 7's process-definition start and process-instance queries under /engine-rest,
with Camunda's bodies (the routes are on engine_rest.bp). As in Camunda's runtime API, a
case that has ended is no longer a process instance here."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..services import process_instances
from ..services.errors import InvalidInput, NotFound
from . import camunda_variables
from .context import me, uow
from .engine_rest import bp, instance_id, json_body

# what Camunda's start offers that a case here does not have: refused, not ignored
_NOT_OFFERED = {
    "businessKey": "A case gets its own reference; read it as 'businessKey' in the answer.",
    "startInstructions": "Starting at other elements is not supported.",
    "skipCustomListeners": "Skipping listeners is not supported.",
    "skipIoMappings": "Skipping input/output mappings is not supported.",
    "caseInstanceId": "CMMN cases are not supported.",
}


def _instance(case: Any) -> dict[str, Any]:
    """Camunda's ProcessInstanceDto of a case (persistence Case)."""
    model = case.process_model
    return {"links": [], "id": str(case.id),
            "definitionId": f"{model.key}:{model.version}:{model.id}",
            "businessKey": case.reference, "caseInstanceId": None,
            "ended": case.status == "completed", "suspended": False, "tenantId": None}


def _case_id(value: str) -> int:
    found = instance_id(value)
    if found is None:
        raise NotFound(process_instances.NO_INSTANCE)
    return found


@bp.post("/process-definition/key/<key>/start")
def start_instance(key: str) -> Response:
    body = json_body()
    for name, why in _NOT_OFFERED.items():
        if body.get(name):
            raise InvalidInput(why, {name: "Not supported."})
    started = process_instances.start(
        uow(), me(), key, camunda_variables.from_camunda(body.get("variables")))
    answer = _instance(started.case)
    if body.get("withVariablesInReturn"):
        answer["variables"] = camunda_variables.to_camunda(started.case.data or {})
    return jsonify(answer)


@bp.get("/process-instance")
def find_instances() -> Response:
    args = request.args
    ids = [part for part in args.get("processInstanceIds", "").split(",") if part]
    if len(ids) > 1:
        raise InvalidInput("Ask for one processInstanceIds value at a time.")
    found = process_instances.find(
        uow(readonly=True), me(), process_key=args.get("processDefinitionKey"),
        business_key=args.get("businessKey"),
        case_id=_case_id(ids[0]) if ids else None, active=True)
    return jsonify([_instance(case) for case in found])


@bp.get("/process-instance/<instance_id>")
def get_instance(instance_id: str) -> Response:
    case = process_instances.one(uow(readonly=True), me(), _case_id(instance_id))
    if case.status == "completed":
        raise NotFound(process_instances.NO_INSTANCE)
    return jsonify(_instance(case))


@bp.get("/process-instance/<instance_id>/variables")
def instance_variables(instance_id: str) -> Response:
    case = process_instances.one(uow(readonly=True), me(), _case_id(instance_id))
    if case.status == "completed":
        raise NotFound(process_instances.NO_INSTANCE)
    return jsonify(camunda_variables.to_camunda(case.data or {}))
