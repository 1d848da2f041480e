"""The OpenAPI 3 description of /api/v1."""
from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "401": _json(_ref("Error"), "Not signed in (missing or wrong bearer token)"),
    "403": _json(_ref("Error"), "Signed in, but not allowed"),
}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **_ERRORS}, **extra}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_id(name: str, kind: str = "integer") -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": kind}}]


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "properties": {
        "error": {"type": "string"},
        "errors": {"description": "field -> message, or a list of model problems"}}},
    "ModelProblem": {"type": "object", "properties": {
        "file": {"type": "string"}, "element_id": {"type": ["string", "null"]},
        "message": {"type": "string"}}},
    "ModelProblems": {"type": "object", "properties": {
        "error": {"type": "string"},
        "errors": {"type": "array", "items": _ref("ModelProblem")}}},
    "ProcessModel": {"type": "object", "properties": {
        "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
        "description": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "published", "retired"],
                   "description": "new cases start on the newest published version; a draft "
                   "is not in use yet, a retired version takes no new cases"},
        "notes": {"type": "array", "description": "in the answer to an upload only: what "
                  "was accepted but changes nothing here, and why ({file, element_id, "
                  "message})", "items": {"type": "object"}},
        "unchanged": {"type": "boolean", "description": "in the answer to an upload only: "
                      "the files were the newest version's, so no new version was made"}}},
    "TaskSummary": {"type": "object", "properties": {
        "id": {"type": "string"}, "element_id": {"type": "string"}, "name": {"type": "string"},
        "candidate_groups": {"type": "array", "items": {"type": "string"}},
        "assignee": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": ["bpmn", "adhoc", "external"],
                 "description": "external: a worker does it (/engine-rest/external-task)"}}},
    "Task": {"type": "object", "properties": {
        "id": {"type": "string"}, "case_id": {"type": "integer"},
        "element_id": {"type": "string"}, "name": {"type": "string"},
        "state": {"type": "string"},
        "candidate_groups": {"type": "array", "items": {"type": "string"}},
        "candidate_users": {"type": "array", "items": {"type": "string"}},
        "assignee": {"type": ["string", "null"]}}},
    "Case": {"type": "object", "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "completed", "error"]},
        "process_key": {"type": "string"}, "process_version": {"type": "integer"},
        "data": {"type": "object"}, "channel": {"type": "string"},
        "open_tasks": {"type": "array", "items": _ref("TaskSummary")},
        "waiting_for_messages": {"type": "array", "description": "the messages the case "
                                 "waits for (POST /engine-rest/message): name, element_id, "
                                 "element_name", "items": {"type": "object"}},
        "incidents": {"type": "array", "description": "external tasks that failed with no "
                      "retries left (GET /cases/{id} only)", "items": {"type": "object"}},
        "status_url": {"type": "string", "description": "only when the case is created"}}},
    "Deviation": {"type": "object", "properties": {
        "id": {"type": "integer"}, "case_id": {"type": "integer"},
        "type": {"type": "string", "enum": ["skip_task", "return_to", "jump_to",
                                            "override_decision", "add_task", "correct_data",
                                            "reassign", "extend_deadline"]},
        "status": {"type": "string", "enum": ["requested", "approved", "rejected", "withdrawn"]},
        "task_id": {"type": ["string", "null"]}, "element_id": {"type": ["string", "null"]},
        "target_element_id": {"type": ["string", "null"]}, "values": {"type": "object"},
        "before": {"type": "object"}, "after": {"type": "object"}, "reason": {"type": "string"},
        "legal_basis": {"type": "string"}, "citation": {"type": ["string", "null"]},
        "requested_by": {"type": "string"}, "decided_by": {"type": ["string", "null"]}}},
    "FileUpload": {
        "type": "object", "required": ["filename", "content_base64"],
        "description": "A file for a form's file field (form-js filepicker), sent inside "
                       "`data` under the field's key: one object, or a list of them when the "
                       "field takes several files. Taken are PDF, PNG and JPEG, judged by the "
                       "content (not the name); at most 10 MB a file, 20 MB and 10 files a "
                       "submission. A refused file is a 422 with the field named, and "
                       "nothing is stored.",
        "properties": {"filename": {"type": "string", "example": "rekening.pdf"},
                       "content_base64": {"type": "string", "format": "byte"}}},
    "DocumentReference": {
        "type": "object", "description": "What the case data holds for a stored file "
                                         "(a list of these for a field with several files)",
        "properties": {"document_id": {"type": "string", "format": "uuid"},
                       "filename": {"type": "string"}, "size": {"type": "integer"},
                       "content_type": {"type": "string"}}},
    "Message": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": [
            "receipt", "request", "reminder", "deviation", "extension", "decision",
            "answer", "process"]},
        "document_id": {"type": ["string", "null"],
                        "description": "the letter the message carries (a decision)"},
        "direction": {"type": "string", "enum": ["to_resident"]},
        "subject": {"type": "string"}, "text": {"type": "string"},
        "recipient": {"type": ["string", "null"], "description": "null: no e-mail address"},
        "state": {"type": "string", "enum": ["pending", "sent", "no_address", "failed"]},
        "attempts": {"type": "integer"}, "last_error": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "sent_at": {"type": ["string", "null"], "format": "date-time"}}},
    "ResidentMessage": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["resident_message"]},
        "direction": {"type": "string", "enum": ["from_resident"]},
        "text": {"type": "string"}, "document_id": {"type": ["string", "null"]},
        "filename": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "read_at": {"type": ["string", "null"], "format": "date-time",
                    "description": "null: no caseworker has read it yet"},
        "read_by": {"type": ["string", "null"]}}},
    "Document": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "case_id": {"type": "integer"},
        "field": {"type": "string"}, "filename": {"type": "string"},
        "content_type": {"type": "string"}, "size": {"type": "integer"},
        "sha256": {"type": "string"}, "task_id": {"type": ["string", "null"]},
        "step": {"type": "string",
                 "description": "the task that took it, 'Aanvraag', or 'Brief' (a letter)"},
        "submitted_by": {"type": "string"}, "channel": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": ["submitted", "letter"],
                 "description": "sent with a form, or a letter the case sent (a decision)"},
        "created_at": {"type": "string", "format": "date-time"},
        "download_url": {"type": "string"}}},
    "AuditEvent": {"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
        "actor": {"type": "string"}, "action": {"type": "string"},
        "case_id": {"type": ["integer", "null"]}, "task_id": {"type": ["string", "null"]},
        "result": {"type": "string"}, "channel": {"type": ["string", "null"]},
        "details": {"type": "object"}, "hash": {"type": "string"}}},
}


_FORM_DATA = {"type": "object", "description": "The form's fields by key. A file field takes "
               "a FileUpload (or a list of them); the case data then holds a "
               "DocumentReference in its place.",
               "additionalProperties": {"oneOf": [{}, _ref("FileUpload"),
                                                  {"type": "array",
                                                   "items": _ref("FileUpload")}]}}


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document that /api/v1/openapi.json serves."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Maatwerk API", "version": "1",
                 "description": "Process models, cases, tasks and the audit record."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {**_process_model_paths(), **_case_paths(), **_document_paths(),
                  **_task_paths(), **_deviation_paths(), **_audit_paths()},
    }


def _process_model_paths() -> dict[str, Any]:
    """Listing and uploading process model versions."""
    return {
        "/process-models": {
            "get": _op("List process model versions", {"200": _json({
                "type": "object", "properties": {"models": {
                    "type": "array", "items": _ref("ProcessModel")}}})}),
            "post": _op("Upload .bpmn, .dmn, .form and GZAC .json files as a new version", {
                "200": _json(_ref("ProcessModel"), "The newest version's very files: no new "
                             "version (unchanged: true)"),
                "201": _json(_ref("ProcessModel"), "Stored as a new version"),
                "422": _json(_ref("ModelProblems"), "Refused; every problem listed")},
                requestBody={"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "properties": {"files": {
                        "type": "array", "items": {"type": "string", "format": "binary"}},
                        "draft": {"type": "boolean", "description": "store the version as a "
                                  "draft, published later (default: published at once)"}}}}}}),
        },
        "/process-models/{key}/{version}/publish": {"post": _op(
            "Publish a draft or retired version: new cases start on the newest published one",
            {"200": _json(_ref("ProcessModel"), "Published"),
             "409": _json(_ref("Error"), "Already published"),
             "422": _json(_ref("Error"), "No description or decision term: confirm")},
            requestBody={"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"confirm": {
                    "type": "boolean", "description": "publish without a description or "
                    "decision term"}}}}}})},
        "/process-models/{key}/{version}/retire": {"post": _op(
            "Retire a published version: no new cases on it, its running cases go on",
            {"200": _json(_ref("ProcessModel"), "Retired"),
             "409": _json(_ref("Error"), "Not published")})},
    }


def _case_paths() -> dict[str, Any]:
    """Starting a case, reading it, retrying its failed step and its audit events."""
    case = _json(_ref("Case"))
    return {
        "/cases": {"post": _op("Start a case", {
            "201": _json(_ref("Case"), "Started"),
            "404": _json(_ref("Error"), "Unknown process"),
            "422": _json(_ref("Error"), "Field errors")},
            requestBody=_body({"type": "object", "required": ["process_key"], "properties": {
                "process_key": {"type": "string"}, "data": _FORM_DATA,
                "channel": {"type": "string",
                            "enum": ["online", "balie", "telefoon", "post"]},
                "language": {"type": "string", "enum": ["nl", "en"], "default": "nl",
                             "description": "what the resident reads: messages in English "
                                            "where the process has English texts"}}}))},
        "/cases/{case_id}": {"get": _op(
            "A case (for a counter clerk without `data`: the counter sees how a case "
            "stands, not what it holds)", {"200": case, "404": _json(_ref("Error"))},
            parameters=_path_id("case_id"))},
        "/cases/{case_id}/retry": {"post": _op("Run a stuck case's failed step again", {
            "200": case, "409": _json(_ref("Error"), "The case is not stuck")},
            parameters=_path_id("case_id"))},
        "/cases/{case_id}/audit": {"get": _op("A case's audit events, in order", {
            "200": _json({"type": "object", "properties": {"events": {
                "type": "array", "items": _ref("AuditEvent")}}}),
            "403": _json(_ref("Error"), "A counter clerk: not what the case holds")},
            parameters=_path_id("case_id"))},
    }


def _document_paths() -> dict[str, Any]:
    """The documents sent with a case's forms: the list and one file's bytes."""
    return {
        "/cases/{case_id}/documents": {"get": _op(
            "The documents sent with the case's forms (for whoever may see the case)", {
                "200": _json({"type": "object", "properties": {"documents": {
                    "type": "array", "items": _ref("Document")}}}),
                "403": _json(_ref("Error"), "A counter clerk: not what the case holds"),
                "404": _json(_ref("Error"), "No such case, or not yours to see")},
            parameters=_path_id("case_id"))},
        "/cases/{case_id}/messages": {"get": _op(
            "The case's messages both ways, oldest first: what it sent (or is sending) to "
            "its resident, with each message's delivery state and the resident's private "
            "link cut short, and what the resident wrote from their page", {
                "200": _json({"type": "object", "properties": {"messages": {
                    "type": "array", "items": {"oneOf": [
                        _ref("Message"), _ref("ResidentMessage")]}}}}),
                "404": _json(_ref("Error"), "No such case, or not yours to see")},
            parameters=_path_id("case_id")),
            "post": _op(
            "A caseworker's message to the resident: sent by e-mail through the outbox and "
            "shown on their page; the resident's messages so far count as read", {
                "201": _json(_ref("Message")),
                "403": _json(_ref("Error"), "Only caseworkers and team leads"),
                "404": _json(_ref("Error"), "No such case, or not yours to see")},
            parameters=_path_id("case_id"),
            requestBody=_body({"type": "object", "required": ["text"], "properties": {
                "text": {"type": "string", "maxLength": 4000}}}))},
        "/cases/{case_id}/documents/{document_id}": {"get": _op(
            "Download one document: its bytes as an attachment, with the content type "
            "its content was checked to have", {
                "200": {"description": "The file", "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/pdf", "image/png", "image/jpeg")}},
                "404": _json(_ref("Error"), "No such document in this case")},
            parameters=_path_id("case_id") + _path_id("document_id", "string"))},
    }


def _task_paths() -> dict[str, Any]:
    """Open tasks: listing, reading, claiming, releasing and completing them."""
    case = _json(_ref("Case"))
    return {
        "/tasks": {"get": _op("Open tasks the caller may see", {"200": _json({
            "type": "object", "properties": {"tasks": {
                "type": "array", "items": _ref("Task")}}})}, parameters=[
            {"name": "case_id", "in": "query", "schema": {"type": "integer"}},
            {"name": "element_id", "in": "query", "schema": {"type": "string"}},
            {"name": "mine", "in": "query", "schema": {"type": "string", "enum": ["1"]}}])},
        "/tasks/{task_id}": {"get": _op("One task", {"200": _json(_ref("Task")),
                                                     "404": _json(_ref("Error"))},
                                        parameters=_path_id("task_id", "string"))},
        "/tasks/{task_id}/claim": {"post": _op("Claim a task", {
            "200": case, "409": _json(_ref("Error"), "Claimed by another or not open")},
            parameters=_path_id("task_id", "string"))},
        "/tasks/{task_id}/unclaim": {"post": _op("Release a claim", {"200": case},
                                                 parameters=_path_id("task_id", "string"))},
        "/tasks/{task_id}/assign": {"post": _op(
            "Hand a task to a colleague the model lets do it (its assignee or a team lead)",
            {"200": case, "403": _json(_ref("Error"), "Not the assignee or a team lead"),
             "422": _json(_ref("Error"), "Not a candidate: ask a deviation")},
            parameters=_path_id("task_id", "string"),
            requestBody=_body({"type": "object", "required": ["assignee"],
                               "properties": {"assignee": {"type": "string"}}}))},
        "/tasks/{task_id}/complete": {"post": _op("Complete a task with its form data", {
            "200": case, "409": _json(_ref("Error"), "No longer open"),
            "422": _json(_ref("Error"), "Field errors")},
            parameters=_path_id("task_id", "string"),
            requestBody=_body({"type": "object", "properties": {"data": _FORM_DATA}}))},
    }


def _deviation_paths() -> dict[str, Any]:
    """Requesting a deviation on a case, the deviation register, and deciding on or
    withdrawing one deviation."""
    comment = _body({"type": "object", "properties": {"comment": {"type": "string"}}})
    return {
        "/cases/{case_id}/deviations": {"post": _op("Request a deviation", {
            "201": _json(_ref("Deviation"), "Requested"),
            "422": _json(_ref("Error"), "Invalid, or the element forbids it")},
            parameters=_path_id("case_id"),
            requestBody=_body({"type": "object", "required": ["type", "reason",
                                                              "legal_basis"],
                               "properties": {
                "type": {"type": "string"}, "task_id": {"type": "string"},
                "target_element_id": {"type": "string"}, "values": {"type": "object"},
                "reason": {"type": "string"}, "legal_basis": {"type": "string"},
                "citation": {"type": "string"}, "resident_message": {"type": "string"}}}))},
        "/deviations": {"get": _op("The deviation register: counts and the list", {
            "200": _json({"type": "object", "properties": {
                "counts": {"type": "object", "description": (
                    "per process, element, type, legal_basis and status: value -> number; "
                    "the value \"\" counts deviations without one (such as an extension "
                    "of the decision term, which acts on no step)")},
                "deviations": {"type": "array", "items": _ref("Deviation")}}})},
            parameters=[{"name": n, "in": "query", "schema": {"type": "string"}} for n in (
                "process_key", "element_id", "type", "legal_basis", "status", "from", "to",
                "format")])},
        "/deviations/{deviation_id}": {"get": _op("One deviation", {
            "200": _json(_ref("Deviation"))}, parameters=_path_id("deviation_id"))},
        "/deviations/{deviation_id}/approve": {"post": _op(
            "Approve (another team lead) and execute", {
                "200": _json(_ref("Deviation")),
                "409": _json(_ref("Error"), "The case has moved on; nothing changed")},
            parameters=_path_id("deviation_id"), requestBody=comment)},
        "/deviations/{deviation_id}/reject": {"post": _op("Reject, with a comment", {
            "200": _json(_ref("Deviation"))}, parameters=_path_id("deviation_id"),
            requestBody=comment)},
        "/deviations/{deviation_id}/withdraw": {"post": _op("Withdraw (the requester)", {
            "200": _json(_ref("Deviation"))}, parameters=_path_id("deviation_id"))},
    }


def _audit_paths() -> dict[str, Any]:
    """Checking the audit hash chain, the team dashboard, and this document itself."""
    return {
        "/audit/verify": {"get": _op("Recompute the audit hash chain", {"200": _json({
            "type": "object", "properties": {"ok": {"type": "boolean"},
                                             "checked": {"type": "integer"},
                                             "first_broken": {"type": ["integer",
                                                                       "null"]},
                                             "reason": {"type": ["string", "null"]},
                                             "state_problems": {"type": "array", "items": {
                                                 "type": "string"}}}})})},
        "/team": {"get": _op("A team lead's dashboard of one team (trial cases left out)", {
            "200": _json({"type": "object", "description": (
                "group (null: the lead has no team), teams [{group, open, unassigned, "
                "overdue}], people [{username (null: not picked up), open, overdue}], "
                "due_soon and overdue [{case_id, reference, process, due_at, "
                "working_days}] (the first 50; due_soon_count, overdue_count), weeks "
                "[{starts, started, decided}] (eight, oldest first), steps "
                "[{process, element_id, step, waiting, median_days, longest_days}], "
                "approvals [{deviation_id, case_id, reference, type, requested_by, days}], "
                "approval_ages [{age, count}]")})},
            parameters=[{"name": "group", "in": "query", "schema": {"type": "string"},
                         "description": "one of the lead's groups (else their first)"}])},
        "/openapi.json": {"get": {"summary": "This document", "security": [],
                                  "responses": {"200": {"description": "OK"}}}},
    }
