"""Pages for residents: the services, the start forms, the private status page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..domain.principal import RESIDENT
from ..forms.validation import files_of
from ..services import (
    cases,
    documents,
    outbox,
    process_models,
    progress,
    resident_messages,
    tasks,
)
from ..services.errors import InvalidInput, NotFound
from ..services.resident_messages import FIELD
from ..services.unit_of_work import UnitOfWork
from .context import uow
from .form_classes import ask_files_again, build_form_class, form_data
from .message_form import ATTACHMENT, MESSAGE_FORM, PREFIX, MessageForm

bp = Blueprint("resident", __name__)


@bp.get("/")
def services() -> str:
    models = [m for m in process_models.latest_versions(uow(readonly=True)) if m.start_form_key]
    return render_template("resident/services.html", models=models, title="Aanvragen")


@bp.route("/aanvragen/<key>", methods=["GET", "POST"])
def start(key: str) -> tuple[str, int] | Response:
    try:
        model, definition = process_models.with_start_form(uow(readonly=True), key)
    except NotFound:
        abort(404)
    form = build_form_class(definition)()
    if form.validate_on_submit():
        try:
            started = cases.start_case(uow(), key, form_data(form, definition), "online", None,
                                       language=g.get("lang") or "nl")
        except InvalidInput as exc:
            attach_errors(form, exc)
            ask_files_again(form, definition)
        else:
            return redirect(url_for("resident.status", token=started.status_token, nieuw=1))
    return render_template("resident/start.html", model=model, form=form, definition=definition,
                           title=("Fout: " if form.errors else "") + model.name), \
        (422 if request.method == "POST" else 200)


def attach_errors(form: object, exc: InvalidInput) -> None:
    for key, message in exc.errors.items():
        field = getattr(form, key, None)
        if field is not None:
            field.errors = [*field.errors, message]


@bp.get("/status/<token>")
def status(token: str) -> str:
    g.private_page = True
    unit = uow(readonly=True)
    try:
        case = cases.case_by_token(unit, token)
    except NotFound:
        abort(404)
    view = progress.resident_view(unit, case)
    return _page(unit, case, token, view, _todo_forms(unit, view),
                 MessageForm(prefix=PREFIX), f"Uw aanvraag {case.reference}")


def _todo_forms(unit: UnitOfWork, view: progress.ResidentView) -> dict[str, Any]:
    """An empty form for each task the resident has to do."""
    forms = {}
    for task in view.todo:
        definition = tasks.form_for(unit, task)
        if definition is not None:
            forms[task.id] = (build_form_class(definition)(prefix=_prefix(task.id)), definition)
    return forms


def _page(unit: UnitOfWork, case: Any, token: str, view: progress.ResidentView,
          forms: dict[str, Any], message: Any, title: str) -> str:
    return render_template("resident/status.html", case=case, view=view, forms=forms,
                           token=token, documents=documents.for_resident(unit, case),
                           letters=documents.letters_for_resident(unit, case),
                           messages=outbox.for_resident(unit, case),
                           sent=resident_messages.for_resident(unit, case),
                           message_form=message, message_definition=MESSAGE_FORM,
                           title=title)


@bp.post("/status/<token>/berichten")
def send_message(token: str) -> ResponseReturnValue:
    """The resident's message to us; on an error the page again, saying what is wrong."""
    g.private_page = True
    unit = uow()
    try:
        case = cases.case_by_token(unit, token)
    except NotFound:
        abort(404)
    form = MessageForm(prefix=PREFIX)
    if form.validate_on_submit():
        data = form_data(form, MESSAGE_FORM)
        files = files_of(data.get(ATTACHMENT))
        resident_messages.receive(unit, case, data[FIELD], files[0] if files else None)
        return redirect(url_for("resident.status", token=token, bericht=1) + "#berichten")
    ask_files_again(form, MESSAGE_FORM)
    view = progress.resident_view(unit, case)
    return _page(unit, case, token, view, _todo_forms(unit, view), form,
                 f"Fout: uw aanvraag {case.reference}"), 422


def _prefix(task_id: str) -> str:
    return f"t{task_id[:8]}"


@bp.post("/status/<token>/taken/<task_id>")
def complete_task(token: str, task_id: str) -> ResponseReturnValue:
    g.private_page = True
    unit = uow()
    try:
        case = cases.case_by_token(unit, token)
        task = tasks.get_task(unit, task_id, RESIDENT)
    except NotFound:
        abort(404)
    if task.case_id != case.id:
        abort(404)
    definition = tasks.form_for(unit, task)
    form = build_form_class(definition)(prefix=_prefix(task.id)) if definition else None
    if form is None or form.validate_on_submit():
        data = form_data(form, definition) if form is not None and definition else {}
        try:
            tasks.complete(unit, task.id, data, RESIDENT, channel="online")
        except InvalidInput as exc:
            attach_errors(form, exc)
            if form is not None and definition is not None:
                ask_files_again(form, definition)
        else:
            return redirect(url_for("resident.status", token=token, verzonden=1))
    view = progress.resident_view(unit, case)
    forms = {task.id: (form, definition)} if form is not None else {}
    return _page(unit, case, token, view, forms, MessageForm(prefix=PREFIX),
                 f"Fout: uw aanvraag {case.reference}"), 422
