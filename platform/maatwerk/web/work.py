"""Pages for caseworkers, team leads and counter clerks: inbox, task, case, counter."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from ..config import CHANNELS
from ..domain.workdays import amsterdam_date, amsterdam_today, working_days_between
from ..forms.validation import parse_date
from ..services import (
    added_steps,
    case_fields,
    case_notes,
    case_path,
    cases,
    deadlines,
    deviation_register,
    documents,
    external_task_failures,
    messages,
    outbox,
    process_models,
    resident_links,
    resident_messages,
    resident_requests,
    tasks,
)
from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound
from .assets import diagram_viewer_available
from .auth import safe_next
from .context import login_required, me, uow
from .errors import for_people
from .form_classes import ask_files_again, build_form_class, form_data, prefill
from .i18n import CHANNELS as CHANNEL_LABELS
from .input_guard import page_number
from .people import person

bp = Blueprint("work", __name__, url_prefix="/werk")


@bp.get("/")
@login_required("caseworker", "teamlead")
def inbox() -> str:
    args = request.args
    view = args.get("weergave", "alle")
    claimed = {"ja": True, "nee": False}.get(args.get("opgepakt", ""))
    flt = tasks.InboxFilter(mine_only=view == "mijn", process_key=args.get("proces") or None,
                            element_id=args.get("stap") or None, claimed=claimed,
                            search=(args.get("zoek") or "")[:100] or None,
                            sort="deadline" if args.get("sorteer") == "termijn" else "created")
    unit = uow(readonly=True)
    page = tasks.inbox(unit, me(), flt, page_number(args.get("pagina")))
    case_refs = cases.cases_by_id(unit, {t.case_id for t in page.tasks})
    today = amsterdam_today()
    remaining = {t.id: working_days_between(today, amsterdam_date(t.due_at))
                 for t in page.tasks if t.due_at is not None}
    models = process_models.latest_versions(unit)
    return render_template(
        "work/inbox.html", page=page, tasks=page.tasks, view=view, case_refs=case_refs,
        remaining=remaining, models=models, steps=process_models.people_steps(models),
        args=args,
        pending=deviation_register.pending_cases(unit, set(case_refs)),
        unread=resident_messages.unread_by_case(unit, set(case_refs)),
        approvals=len(deviation_register.pending_for(unit, me())), title="Werkvoorraad",
        colleagues=tasks.colleagues_of(unit, me()) if me().has_role("teamlead") else [])


@bp.route("/taken/<task_id>", methods=["GET", "POST"])
@login_required("caseworker", "teamlead")
def task(task_id: str) -> str | Response | tuple[str, int]:
    unit = uow(readonly=True)
    try:
        row = tasks.get_task(unit, task_id, me())
    except NotFound:
        abort(404)
    case = cases.get_case(unit, row.case_id, me())
    definition = tasks.form_for(unit, row)
    form_class = build_form_class(definition) if definition else None
    form = form_class(data=prefill(definition, case.data)) if form_class and definition and \
        request.method == "GET" else (form_class() if form_class else None)
    status = 200
    if request.method == "POST":
        if form is None or form.validate_on_submit():
            data = form_data(form, definition) if form is not None and definition else {}
            try:
                tasks.complete(uow(), row.id, data, me())
            except InvalidInput as exc:
                for key, message in exc.errors.items():
                    if form is not None and hasattr(form, key):
                        getattr(form, key).errors = [message]
                if form is not None and definition is not None:
                    ask_files_again(form, definition)
                status = 422
            except (Conflict, Forbidden) as exc:
                flash(for_people(exc), "warning")
                return redirect(url_for("work.task", task_id=row.id))
            else:
                flash(f"Taak ‘{row.name}’ is afgerond.", "success")
                return redirect(url_for("work.inbox"))
        else:
            status = 422
    return render_template(
        "work/task.html", task=row, case=case, form=form, definition=definition,
        history=cases.history(unit, case.id), open_tasks=cases.open_tasks(unit, case.id),
        case_fields=case_fields.readable(case.process_model, case.data or {}),
        deviations=deviation_register.for_case(unit, case.id),
        documents=documents.for_case(unit, case.id, me()),
        documentation=process_models.element(case.process_model, row.element_id)
        .get("documentation", ""),
        request_previews=resident_requests.previews(
            unit, case, {f.key for f in definition.input_fields()}) if definition else [],
        colleagues=[c for c in tasks.colleagues_for(unit, row) if c[0] != row.assignee]
        if row.state == "open" and (row.assignee == me().username or
                                    me().has_role("teamlead")) else [],
        title=("Fout: " if status == 422 else "") + f"{row.name} — {case.reference}"), status


@bp.post("/taken/<task_id>/oppakken")
@login_required("caseworker", "teamlead")
def claim(task_id: str) -> Response:
    try:
        tasks.claim(uow(), task_id, me())
        flash("U heeft de taak opgepakt.", "success")
    except (Conflict, Forbidden) as exc:
        flash(for_people(exc), "warning")
    return redirect(safe_next(request.form.get("terug")) or
                    url_for("work.task", task_id=task_id))


@bp.post("/taken/<task_id>/teruglegen")
@login_required("caseworker", "teamlead")
def unclaim(task_id: str) -> Response:
    try:
        tasks.unclaim(uow(), task_id, me())
        flash("De taak is teruggelegd in de groep.", "success")
    except (Conflict, Forbidden) as exc:
        flash(for_people(exc), "warning")
    return redirect(safe_next(request.form.get("terug")) or
                    url_for("work.task", task_id=task_id))


@bp.post("/taken/<task_id>/overdragen")
@login_required("caseworker", "teamlead")
def hand_over(task_id: str) -> Response:
    """The person who has the task (or a team lead) gives it to a colleague."""
    to = request.form.get("aan", "")
    try:
        tasks.hand_over(uow(), task_id, me(), to)
        flash(f"De taak is overgedragen aan {person(to)}.", "success")
    except (Conflict, Forbidden, InvalidInput) as exc:
        flash(for_people(exc), "warning")
    return redirect(url_for("work.task", task_id=task_id))


@bp.post("/taken/toewijzen")
@login_required("teamlead")
def assign_many() -> Response:
    """A team lead gives the tasks ticked in the inbox to one colleague."""
    to, ids = request.form.get("aan", ""), request.form.getlist("taak")
    done = tasks.assign_many(uow(), ids, me(), to)
    given = [task_id for task_id, why in done if why is None]
    if given:
        flash(f"{len(given)} {'taak' if len(given) == 1 else 'taken'} toegewezen aan "
              f"{person(to)}.", "success")
    for task_id, why in done:
        if why is not None:
            flash(f"Taak {task_id[:8]} niet toegewezen: {for_people(InvalidInput(why))}",
                  "warning")
    if not done:
        flash("Kies eerst een of meer taken.", "warning")
    return redirect(safe_next(request.form.get("terug")) or url_for("work.inbox"))


@bp.get("/zaken", endpoint="cases")
@login_required("caseworker", "teamlead", "clerk")
def cases_list() -> tuple[str, int]:
    """Find a case by reference, name, date of birth or e-mail address (all that are
    given); a counter clerk checks who stands before them with the last two."""
    args = request.args
    query, birth_text = args.get("q", "")[:100], args.get("geboortedatum", "").strip()[:20]
    email, status = args.get("email", "").strip()[:320], args.get("status", "")
    errors: dict[str, str] = {}
    birth = None
    if birth_text:
        try:
            birth = parse_date(birth_text)
        except ValueError:
            errors["geboortedatum"] = "Vul een datum in zoals 31-12-1980."
    found = [] if errors else cases.find_cases(
        uow(readonly=True), me(), query, status if status in ("open", "completed", "error")
        else "", birth_date=birth, email=email or None)
    return render_template("work/cases.html", cases=found, q=query, status=status,
                           birth_text=birth_text, email=email, errors=errors,
                           searched=bool(query or birth or email),
                           title=("Fout: " if errors else "") + "Zaken"), \
        (422 if errors else 200)


@bp.get("/zaken/<int:case_id>")
@login_required("caseworker", "teamlead", "clerk")
def case(case_id: int) -> str:
    unit = uow(readonly=True)
    try:
        found = cases.get_case(unit, case_id, me())
    except NotFound:
        abort(404)
    g.diagram_page = True  # bpmn-js draws the case's path with inline styles
    all_tasks, contents = cases.all_tasks(unit, case_id), _contents(unit, found)
    path = case_path.of(found, all_tasks, contents["deviations"])
    return render_template("work/case.html", case=found, tasks=all_tasks,
                           incidents=external_task_failures.incidents_of(unit, case_id),
                           waits=messages.waits_of(found),
                           remaining=deadlines.remaining_working_days(found),
                           suspensions=deadlines.suspensions(unit, case_id),
                           path=path, path_facts={s.element_id: s.to_dict() for s in path},
                           viewer=diagram_viewer_available(),
                           title=f"Zaak {found.reference}", **contents)


@bp.get("/zaken/<int:case_id>/diagram.bpmn")
@login_required("caseworker", "teamlead", "clerk")
def case_diagram(case_id: int) -> Response:
    """The diagram of the case's own model version (its path is drawn on it)."""
    unit = uow(readonly=True)
    try:
        found = cases.get_case(unit, case_id, me())
        xml = process_models.diagram_xml(unit, found.process_model)
    except NotFound:
        abort(404)
    return Response(xml, mimetype="application/xml")


def _contents(unit: Any, found: Any) -> dict[str, Any]:
    """What the case holds, for those who may read it; a counter clerk sees how it stands."""
    case_id = found.id
    if not cases.sees_contents(me()):
        return {"contents": False, "history": [], "deviations": [], "documents": [],
                "messages": [], "notes": [], "findings": {}, "case_fields": []}
    return {"contents": True, "history": cases.history(unit, case_id),
            "case_fields": case_fields.readable(found.process_model, found.data or {}),
            "findings": added_steps.findings_of(unit, case_id),
            "deviations": deviation_register.for_case(unit, case_id),
            "documents": documents.for_case(unit, case_id, me()),
            "messages": resident_messages.conversation(unit, case_id, me()),
            "notes": case_notes.for_case(unit, case_id, me()),
            "note_channels": case_notes.CHANNELS}


@bp.post("/zaken/<int:case_id>/nieuwe-link")
@login_required("caseworker", "teamlead", "clerk")
def new_link(case_id: int) -> str:
    """A new private link for the resident, shown once (the old ones keep working)."""
    try:
        found, link = resident_links.reissue(uow(), case_id, me())
    except NotFound:
        abort(404)
    return render_template("work/new_link.html", case=found, link=link,
                           title=f"Nieuwe link voor zaak {found.reference}")


@bp.post("/zaken/<int:case_id>/berichten")
@login_required("caseworker", "teamlead")
def answer_resident(case_id: int) -> Response:
    """A message to the resident, from the case page (by e-mail through the outbox)."""
    try:
        resident_messages.answer(uow(), case_id, me(), request.form.get("text", ""))
    except NotFound:
        abort(404)
    except (Forbidden, InvalidInput) as exc:
        flash(for_people(exc), "warning")
    else:
        flash("Uw bericht aan de inwoner is verstuurd.", "success")
    return redirect(url_for("work.case", case_id=case_id, _anchor="messages-title"))


@bp.post("/zaken/<int:case_id>/notities")
@login_required("caseworker", "teamlead")
def add_note(case_id: int) -> Response:
    """An internal note on the case, from the case page."""
    return _note(case_id, "note", "De notitie is opgeslagen.")


@bp.post("/zaken/<int:case_id>/contactmomenten")
@login_required("caseworker", "teamlead")
def add_contact(case_id: int) -> Response:
    """A contact moment (phone, counter, letter, ...), from the case page."""
    return _note(case_id, "contact", "Het contactmoment is vastgelegd.")


def _note(case_id: int, kind: str, done: str) -> Response:
    form = request.form
    try:
        case_notes.add(uow(), case_id, me(), kind, form.get("text", ""),
                       form.get("channel", ""), form.get("contact_with", ""),
                       form.get("contact_at", ""))
    except NotFound:
        abort(404)
    except (Forbidden, InvalidInput) as exc:
        flash(for_people(exc), "warning")
    else:
        flash(done, "success")
    return redirect(url_for("work.case", case_id=case_id, _anchor="notes-title"))


@bp.post("/zaken/<int:case_id>/berichten/gelezen")
@login_required("caseworker", "teamlead")
def messages_read(case_id: int) -> Response:
    try:
        resident_messages.mark_read(uow(), case_id, me())
    except NotFound:
        abort(404)
    except Forbidden as exc:
        flash(for_people(exc), "warning")
    return redirect(url_for("work.case", case_id=case_id, _anchor="messages-title"))


@bp.post("/zaken/<int:case_id>/opnieuw")
@login_required("caseworker", "teamlead")
def retry_case(case_id: int) -> Response:
    try:
        cases.get_case(uow(), case_id, me())  # may this person see the case at all
        if external_task_failures.retry_incidents(uow(), case_id, me()):
            flash("Het externe systeem krijgt de taak opnieuw.", "success")
            return redirect(url_for("work.case", case_id=case_id))
        case = cases.retry(uow(), case_id, me()).case
    except (Conflict, Forbidden, NotFound) as exc:
        flash(for_people(exc), "warning")
    else:
        flash("De zaak loopt weer." if case.status != "error" else
              "Opnieuw geprobeerd, maar de stap mislukt nog steeds.",
              "success" if case.status != "error" else "warning")
    return redirect(url_for("work.case", case_id=case_id))


@bp.get("/balie")
@login_required("clerk")
def counter() -> str:
    models = [m for m in process_models.latest_versions(uow(readonly=True)) if m.start_form_key]
    return render_template("work/counter.html", models=models, title="Balie: aanvraag invoeren")


@bp.route("/balie/<key>", methods=["GET", "POST"])
@login_required("clerk")
def counter_start(key: str) -> str | tuple[str, int]:
    channel = request.form.get("kanaal", "balie")
    try:  # the form as this channel asks it (e-mail may be optional at the counter)
        model, definition = process_models.with_start_form(
            uow(readonly=True), key, channel if channel in CHANNELS else "balie")
    except NotFound:
        abort(404)
    form = build_form_class(definition)()
    channel_error = None
    if request.method == "POST":
        channel_ok = channel in CHANNELS and channel != "online"
        channel_error = None if channel_ok else "Kies hoe de inwoner de aanvraag doet."
        if form.validate_on_submit() and channel_ok:
            try:
                started = cases.start_case(uow(), key, form_data(form, definition), channel, me())
            except InvalidInput as exc:
                for name, message in exc.errors.items():
                    if hasattr(form, name):
                        getattr(form, name).errors = [message]
                ask_files_again(form, definition)
            else:
                return render_template("work/counter_done.html", case=started.case,
                                       token=started.status_token,
                                       receipt=outbox.receipt_id(uow(), started.case.id),
                                       title=f"Aanvraag {started.case.reference} ingevoerd")
        if not channel_ok:
            ask_files_again(form, definition)
    return render_template("resident/start.html", model=model, form=form, definition=definition,
                           channel_field=_channel_field(channel, channel_error),
                           title=("Fout: " if form.errors or channel_error else "") +
                           f"Balie: {model.name}"), (422 if request.method == "POST" else 200)


def _channel_field(selected: str, error: str | None) -> Markup:
    options = "".join(
        f'<div class="utrecht-form-field utrecht-form-field--radio"><input type="radio" '
        f'id="kanaal-{c}" name="kanaal" value="{c}" class="utrecht-radio-button"'
        f'{" checked" if c == selected else ""}><label class="utrecht-form-label" '
        f'for="kanaal-{c}">{escape(CHANNEL_LABELS[c])}</label></div>'
        for c in CHANNELS if c != "online")
    error_html = (f'<p class="utrecht-form-field-error-message" id="kanaal-error">'
                  f'{escape(error)}</p>' if error else "")
    html = (f'<fieldset class="utrecht-form-fieldset"><legend class="utrecht-form-'
            f'fieldset__legend">Hoe doet de inwoner de aanvraag? (verplicht)</legend>'
            f'{error_html}{options}</fieldset>')
    return Markup(html)  # noqa: S704 - every value in it is escaped or our own constant
