"""Camunda 7's REST API under /engine-rest, as far as Maatwerk offers it: the external-task
calls that existing workers (e.g. camunda-external-task-client-python3) make, with
Camunda's paths, bodies, variable format, status codes and error bodies.

A token is sent as `Authorization: Bearer <token>`, or as HTTP Basic with the account's
user name and the token as the password (what the Camunda clients' basic auth sends)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..services import external_task_failures as failures
from ..services import external_tasks
from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from . import camunda_variables
from .context import me, uow

bp = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 400}


@bp.before_request
def _authenticate() -> None:
    me()


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> tuple[Response, int]:
    """Camunda's error body: {"type", "message"}; a wrong request is 400 there."""
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    kind = "InvalidRequestException" if status == 400 else "RestException"
    return jsonify({"type": kind, "message": str(exc)}), status


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object (Content-Type: application/json).")
    return body


def instance_id(value: object) -> int | None:
    """A process instance id (a case id) from a request: ASCII digits only, or None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def camunda_time(moment: datetime) -> str:
    """Camunda's date format: 2026-12-06T21:14:05.000+0000."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + \
        moment.strftime("%z")


def _topics(body: dict[str, Any]) -> list[external_tasks.TopicRequest]:
    topics = body.get("topics")
    if not isinstance(topics, list) or not topics:
        raise InvalidInput("'topics' must be a list of at least one topic.")
    return [_topic(topic) for topic in topics]


def _topic(topic: Any) -> external_tasks.TopicRequest:
    if not isinstance(topic, dict) or not isinstance(topic.get("topicName"), str):
        raise InvalidInput("Each topic needs a 'topicName'.")
    name, duration = topic["topicName"], topic.get("lockDuration")
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise InvalidInput(f"Topic '{name}' needs a lockDuration in ms.")
    wanted = topic.get("variables")
    if wanted is not None and not (isinstance(wanted, list) and
                                   all(isinstance(v, str) for v in wanted)):
        raise InvalidInput("'variables' must be a list of variable names.")
    refused = sorted(field for field in set(topic) - _TOPIC_FIELDS
                     if topic[field] not in (None, False, {}, [], ""))
    if refused:
        raise InvalidInput(f"Topic '{name}': {', '.join(refused)} is not supported here; "
                           "fetch without it.")
    return external_tasks.TopicRequest(
        name, timedelta(milliseconds=duration), wanted,
        local_only=bool(topic.get("localVariables")), business_key=_text(topic, "businessKey"),
        process_keys=_process_keys(topic), process_variables=_plain_values(topic, name))


def _text(topic: dict[str, Any], field: str) -> str | None:
    value = topic.get(field)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"'{field}' must be text.", {field: "Text."})
    return value


def _process_keys(topic: dict[str, Any]) -> list[str] | None:
    keys = topic.get("processDefinitionKeyIn")
    if keys is not None and not (isinstance(keys, list) and
                                 all(isinstance(k, str) for k in keys)):
        raise InvalidInput("'processDefinitionKeyIn' must be a list of process keys.")
    one = _text(topic, "processDefinitionKey")
    if one is None:
        return keys
    return [one] if keys is None else [k for k in keys if k == one]


def _plain_values(topic: dict[str, Any], name: str) -> dict[str, Any]:
    """Camunda's processVariables filter: variable names with plain values."""
    values = topic.get("processVariables") or {}
    if not isinstance(values, dict):
        raise InvalidInput("'processVariables' must be an object of variable values.")
    for variable, value in values.items():
        if not isinstance(value, str | int | float | bool):
            raise InvalidInput(f"Topic '{name}': processVariables compare text, numbers and "
                               f"booleans; '{variable}' is neither.")
    return values


# what a topic of a fetch may hold; Camunda's filters on process definition ids, version
# tags and tenants are refused rather than ignored (they would hand out tasks the worker
# did not ask for)
_TOPIC_FIELDS = {"topicName", "lockDuration", "variables", "localVariables",
                 "deserializeValues", "includeExtensionProperties", "businessKey",
                 "processDefinitionKey", "processDefinitionKeyIn", "processVariables",
                 "withoutTenantId"}


@bp.post("/external-task/fetchAndLock")
def fetch_and_lock() -> Response:
    body = json_body()
    if body.get("sorting"):
        raise InvalidInput("'sorting' is not supported; tasks come oldest first.")
    max_tasks, wait = body.get("maxTasks", 1), body.get("asyncResponseTimeout") or 0
    if not isinstance(max_tasks, int) or not isinstance(wait, int | float):
        raise InvalidInput("'maxTasks' and 'asyncResponseTimeout' must be numbers.")
    locked = external_tasks.fetch_and_lock(
        uow(), me(), str(body.get("workerId") or ""), _topics(body), max_tasks, wait / 1000)
    return jsonify([_task(task) | {
        "errorDetails": None, "extensionProperties": {},
        "variables": camunda_variables.to_camunda(task.variables or {})} for task in locked])


def _task(task: external_tasks.ExternalTaskView) -> dict[str, Any]:
    """Camunda's ExternalTaskDto."""
    definition = f"{task.process_key}:{task.version}:{task.process_model_id}"
    return {
        "id": task.id, "topicName": task.topic, "workerId": task.worker_id,
        "lockExpirationTime": camunda_time(task.lock_expires_at)
        if task.lock_expires_at else None,
        "activityId": task.element_id, "activityInstanceId": f"{task.element_id}:{task.id}",
        "executionId": task.id, "processInstanceId": str(task.case_id),
        "processDefinitionId": definition, "processDefinitionKey": task.process_key,
        "processDefinitionVersionTag": None, "businessKey": task.reference,
        "errorMessage": task.error_message, "retries": task.retries, "suspended": False,
        "priority": 0, "tenantId": None,
    }


def _number(body: dict[str, Any], name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"'{name}' must be a whole number.", {name: "A whole number."})
    return value


@bp.post("/external-task/<task_id>/bpmnError")
def bpmn_error(task_id: str) -> tuple[str, int]:
    body = json_body()
    external_tasks.bpmn_error(uow(), me(), task_id, str(body.get("workerId") or ""),
                              str(body.get("errorCode") or ""),
                              str(body.get("errorMessage") or ""),
                              camunda_variables.from_camunda(body.get("variables")))
    return "", 204


@bp.post("/external-task/<task_id>/failure")
def failure(task_id: str) -> tuple[str, int]:
    body = json_body()
    details = body.get("errorDetails")
    failures.failure(uow(), me(), task_id, str(body.get("workerId") or ""),
                     str(body.get("errorMessage") or ""),
                     str(details) if details is not None else None, _number(body, "retries"),
                     timedelta(milliseconds=_number(body, "retryTimeout", 0)))
    return "", 204


@bp.put("/external-task/<task_id>/retries")
def set_retries(task_id: str) -> tuple[str, int]:
    failures.set_retries(uow(), me(), task_id, _number(json_body(), "retries"))
    return "", 204


@bp.post("/external-task/<task_id>/extendLock")
def extend_lock(task_id: str) -> tuple[str, int]:
    body = json_body()
    failures.extend_lock(uow(), me(), task_id, str(body.get("workerId") or ""),
                         timedelta(milliseconds=_number(body, "newDuration")))
    return "", 204


@bp.post("/external-task/<task_id>/unlock")
def unlock(task_id: str) -> tuple[str, int]:
    failures.unlock(uow(), me(), task_id)
    return "", 204


@bp.get("/external-task/<task_id>")
def get_task(task_id: str) -> Response:
    found, _ = failures.get(uow(readonly=True), me(), task_id)
    return jsonify(_task(found))


@bp.get("/external-task/<task_id>/errorDetails")
def error_details(task_id: str) -> Response:
    _, details = failures.get(uow(readonly=True), me(), task_id)
    return Response(details or "", mimetype="text/plain")


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() == "true"


@bp.get("/external-task")
def find() -> Response:
    args = request.args
    case_id = args.get("processInstanceId")
    if case_id is not None and instance_id(case_id) is None:
        return jsonify([])  # no case has such an id
    locked = True if _flag("locked") else False if _flag("notLocked") else None
    retries_left = True if _flag("withRetriesLeft") else False if _flag("noRetriesLeft") \
        else None
    found = failures.find(uow(readonly=True), me(), topic=args.get("topicName"),
                          case_id=instance_id(case_id),
                          worker_id=args.get("workerId"), locked=locked,
                          retries_left=retries_left)
    return jsonify([_task(task) for task in found])


@bp.post("/external-task/<task_id>/complete")
def complete(task_id: str) -> tuple[str, int]:
    body = json_body()
    variables = camunda_variables.from_camunda(body.get("variables"))
    # local variables belong to the task alone and end with it, in Camunda as here; they
    # are checked like the others, so a wrong one is still refused
    camunda_variables.from_camunda(body.get("localVariables"), "localVariables")
    external_tasks.complete(uow(), me(), task_id, str(body.get("workerId") or ""), variables)
    return "", 204
