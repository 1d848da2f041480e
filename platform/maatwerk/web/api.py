"""The public JSON API, /api/v1 (Bearer tokens)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..domain.process_model import ModelRefused, UploadedFile
from ..services import (
    audit,
    case_notes,
    cases,
    deviations,
    documents,
    external_task_failures,
    model_versions,
    process_models,
    resident_messages,
    tasks,
)
from ..services import deviation_register as registers
from ..services import team_dashboard as team_dashboards
from ..services.errors import Forbidden, InvalidInput
from . import serializers
from .context import me, uow, uow_after_write
from .documents import send_document
from .input_guard import MAX_ID
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object (Content-Type: application/json).",
                           {"body": "Expected a JSON object."})
    return body


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint == "api.openapi":
        return None
    me()
    return None


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.post("/process-models")
def upload_models() -> tuple[Response, int]:
    files = [UploadedFile(f.filename or "", f.read()) for f in request.files.getlist("files")]
    try:
        result = process_models.upload(uow(), me(), files,
                                       draft=request.form.get("draft") in ("true", "1"))
    except ModelRefused as refused:
        return jsonify({"error": "The model can't be used.",
                        "errors": [p.to_dict() for p in refused.problems]}), 422
    # the same files again make no new version: 200 with the version they are
    return jsonify(result.to_dict() | {"notes": [n.to_dict() for n in result.notes],
                                       "unchanged": result.unchanged}), \
        200 if result.unchanged else 201


@bp.post("/process-models/<key>/<int:version>/publish")
def publish_model(key: str, version: int) -> Response:
    """Publish a draft or a retired version; {"confirm": true} when it has no description
    or decision term (422 says which)."""
    body = request.get_json(silent=True) or {}
    model = model_versions.publish(uow(), me(), key, version,
                                   confirmed=body.get("confirm") is True)
    return jsonify(process_models.summary(model).to_dict())


@bp.post("/process-models/<key>/<int:version>/retire")
def retire_model(key: str, version: int) -> Response:
    """No new cases on this version; its running cases go on."""
    model = model_versions.retire(uow(), me(), key, version)
    return jsonify(process_models.summary(model).to_dict())


@bp.get("/process-models")
def list_models() -> Response:
    if not me().has_role("designer", "caseworker", "teamlead", "clerk"):
        raise Forbidden("You may not list process models.")
    models = process_models.all_versions(uow(readonly=True), request.args.get("key"))
    return jsonify({"models": [process_models.summary(m).to_dict() | {
        "created_at": m.created_at.isoformat(), "content_hash": m.content_hash}
        for m in models]})


@bp.post("/cases")
def start_case() -> tuple[Response, int]:
    body = _json_body()
    started = cases.start_case(uow(), str(body.get("process_key", "")), body.get("data", {}),
                               str(body.get("channel") or "online"), me(),
                               str(body.get("language") or "nl"))
    result = serializers.case(started.outcome)
    result["status_url"] = f"/status/{started.status_token}"
    return jsonify(result), 201


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int) -> Response:
    unit = uow(readonly=True)
    body = serializers.case(cases.as_it_is(unit, case_id, me()),
                            contents=cases.sees_contents(me()))
    body["incidents"] = [serializers.incident(found) for found in
                         external_task_failures.incidents_of(unit, case_id)]
    return jsonify(body)


@bp.post("/cases/<int:case_id>/retry")
def retry_case(case_id: int) -> Response:
    unit = uow()
    cases.get_case(unit, case_id, me())
    return jsonify(serializers.case(cases.retry(unit, case_id, me())))


@bp.get("/cases/<int:case_id>/audit")
def case_audit(case_id: int) -> Response:
    unit = uow(readonly=True)
    cases.get_case_contents(unit, case_id, me())
    return jsonify({"events": [serializers.event(e) for e in cases.history(unit, case_id)]})


@bp.get("/cases/<int:case_id>/documents")
def case_documents(case_id: int) -> Response:
    found = documents.for_case(uow(readonly=True), case_id, me())
    return jsonify({"documents": [d.to_dict() | {
        "download_url": f"/api/v1/cases/{case_id}/documents/{d.id}"} for d in found]})


@bp.get("/cases/<int:case_id>/messages")
def case_messages(case_id: int) -> Response:
    found = resident_messages.conversation(uow(readonly=True), case_id, me())
    return jsonify({"messages": [message.to_dict() for message in found]})


@bp.post("/cases/<int:case_id>/messages")
def send_case_message(case_id: int) -> tuple[Response, int]:
    """A caseworker's message to the resident (by e-mail through the outbox)."""
    text = _json_body().get("text")  # not text: refused as an empty message, after access
    sent = resident_messages.answer(uow(), case_id, me(), text if isinstance(text, str) else "")
    return jsonify(sent.to_dict()), 201


@bp.get("/cases/<int:case_id>/notes")
def case_notes_list(case_id: int) -> Response:
    found = case_notes.for_case(uow(readonly=True), case_id, me())
    return jsonify({"notes": [serializers.note(note) for note in found]})


@bp.post("/cases/<int:case_id>/notes")
def add_case_note(case_id: int) -> tuple[Response, int]:
    """An internal note, or a contact moment, on the case."""
    body = _json_body()
    texts = {name: value if isinstance(value := body.get(name), str) else ""
             for name in ("kind", "text", "channel", "contact_with", "contact_at")}
    note = case_notes.add(uow(), case_id, me(), texts["kind"] or "note", texts["text"],
                          texts["channel"], texts["contact_with"], texts["contact_at"])
    return jsonify(serializers.note(note)), 201


@bp.get("/cases/<int:case_id>/documents/<document_id>")
def case_document(case_id: int, document_id: str) -> Response:
    return send_document(documents.download(uow(), case_id, document_id, me()))


@bp.get("/tasks")
def list_tasks() -> Response:
    case_id = request.args.get("case_id")
    if case_id is not None and not (case_id.isascii() and case_id.isdigit() and
                                    len(case_id) <= 19 and int(case_id) <= MAX_ID):
        raise InvalidInput("case_id must be a number.", {"case_id": "Expected a number."})
    flt = tasks.InboxFilter(case_id=int(case_id) if case_id else None,
                            element_id=request.args.get("element_id") or None,
                            mine_only=request.args.get("mine") == "1")
    found = tasks.visible_tasks(uow(readonly=True), me(), flt)
    return jsonify({"tasks": [serializers.task(t) for t in found]})


@bp.get("/tasks/<task_id>")
def get_task(task_id: str) -> Response:
    return jsonify(serializers.task(tasks.get_task(uow(readonly=True), task_id, me())))


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str) -> Response:
    task = tasks.claim(uow(), task_id, me())
    return jsonify(_case_answer(task.case_id))


@bp.post("/tasks/<task_id>/assign")
def assign_task(task_id: str) -> Response:
    body = request.get_json(silent=True)
    to = body.get("assignee") if isinstance(body, dict) else None
    if not isinstance(to, str) or not to.strip():
        raise InvalidInput("Send the assignee's user name.", {"assignee": "Required."})
    task = tasks.hand_over(uow(), task_id, me(), to.strip())
    return jsonify(_case_answer(task.case_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str) -> Response:
    task = tasks.unclaim(uow(), task_id, me())
    return jsonify(_case_answer(task.case_id))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str) -> Response:
    body = request.get_json(silent=True)
    data = body.get("data", {}) if isinstance(body, dict) else None
    if body is not None and not isinstance(body, dict):
        raise InvalidInput("Send a JSON object.", {"body": "Expected a JSON object."})
    outcome = tasks.complete(uow(), task_id, data if data is not None else {}, me())
    return jsonify(serializers.case(outcome))


@bp.get("/audit/verify")
def verify_audit() -> Response:
    result = audit.verify(uow(readonly=True), me())
    return jsonify({"ok": result.ok, "checked": result.checked,
                    "first_broken": result.first_broken, "reason": result.reason,
                    "state_problems": result.state_problems})


@bp.get("/team")
def team_dashboard() -> Response:
    board, _teams = team_dashboards.for_lead(uow(readonly=True), me(),
                                             request.args.get("group"))
    return jsonify(serializers.team_dashboard(board))


def _case_answer(case_id: int) -> dict[str, Any]:
    """The case as it is after this request's change."""
    return serializers.case(cases.as_it_is(uow_after_write(), case_id, me()))


def _optional_body() -> dict[str, Any]:
    """The JSON object sent, or an empty one when nothing was sent."""
    return _json_body() if request.get_data(cache=True).strip() else {}


def _texts(body: dict[str, Any], *names: str) -> dict[str, str]:
    """The named fields of a body, each text (or left out: "")."""
    found = {name: body.get(name) or "" for name in names}
    wrong = {name: "Expected text (a JSON string)." for name, value in found.items()
             if not isinstance(value, str)}
    if wrong:
        raise InvalidInput("Some fields must be text.", wrong)
    return found


@bp.post("/cases/<int:case_id>/deviations")
def request_deviation(case_id: int) -> tuple[Response, int]:
    body = _json_body()
    text = _texts(body, "type", "reason", "legal_basis", "task_id", "target_element_id",
                  "citation", "resident_message")
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise InvalidInput("The values must be an object.", {"values": "Expected an object."})
    req = deviations.DeviationRequest(
        type=text["type"], reason=text["reason"], legal_basis=text["legal_basis"],
        task_id=text["task_id"] or None, target_element_id=text["target_element_id"] or None,
        values=values, citation=text["citation"] or None,
        resident_message=text["resident_message"] or None)
    deviation = deviations.request(uow(), case_id, me(), req)
    return jsonify(serializers.deviation(deviation)), 201


@bp.get("/deviations/<int:deviation_id>")
def get_deviation(deviation_id: int) -> Response:
    return jsonify(serializers.deviation(deviations.get(uow(readonly=True), deviation_id,
                                                         me())))


@bp.post("/deviations/<int:deviation_id>/approve")
def approve_deviation(deviation_id: int) -> Response:
    comment = _texts(_optional_body(), "comment")["comment"]
    approval = deviations.approve(uow(), deviation_id, me(), comment)
    result = serializers.deviation(approval.deviation)
    result["case"] = serializers.case(approval.outcome)
    return jsonify(result)


@bp.post("/deviations/<int:deviation_id>/reject")
def reject_deviation(deviation_id: int) -> Response:
    comment = _texts(_optional_body(), "comment")["comment"]
    return jsonify(serializers.deviation(deviations.reject(uow(), deviation_id, me(), comment)))


@bp.post("/deviations/<int:deviation_id>/withdraw")
def withdraw_deviation(deviation_id: int) -> Response:
    return jsonify(serializers.deviation(deviations.withdraw(uow(), deviation_id, me())))


def register_filter(args: dict[str, str]) -> registers.RegisterFilter:
    def day(name: str) -> datetime | None:
        value = args.get(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput("Dates are YYYY-MM-DD.", {name: "Use YYYY-MM-DD."}) from None
        return parsed if parsed.tzinfo else parsed.astimezone()
    return registers.RegisterFilter(
        process_key=args.get("process_key") or None, element_id=args.get("element_id") or None,
        type=args.get("type") or None, legal_basis=args.get("legal_basis") or None,
        status=args.get("status") or None, date_from=day("from"), date_to=day("to"))


@bp.get("/deviations")
def deviation_register() -> Response:
    found = registers.register(uow(readonly=True), me(), register_filter(request.args))
    items = [serializers.deviation(d, found.personal) for d in found.items]
    if request.args.get("format") == "csv":
        return Response(serializers.register_csv(items, found.personal),
                        mimetype="text/csv", headers={
                            "Content-Disposition": "attachment; filename=afwijkingenregister.csv"})
    return jsonify({"counts": found.counts, "deviations": items})
