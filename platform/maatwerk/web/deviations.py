"""Pages for deviations: request one on a case, the approvals queue, the register."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..domain.deviation import LABELS, MAX_EXTENSION_DAYS, DeviationType
from ..services import (
    case_fields,
    cases,
    decision_outcomes,
    deviation_register,
    deviations,
    process_models,
    tasks,
)
from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound
from . import serializers
from .api import register_filter
from .auth import safe_next
from .context import login_required, me, uow
from .errors import for_people
from .form_classes import choice
from .input_guard import page_number

bp = Blueprint("deviations", __name__, url_prefix="/werk")
T = TypeVar("T")


class DeviationForm(FlaskForm):
    type = RadioField("Soort afwijking",
                      choices=[choice(t.value, LABELS[t]) for t in DeviationType],
                      validators=[DataRequired("Kies de soort afwijking.")])
    task_id = SelectField("Open taak waar het om gaat", validators=[Optional()])
    target_element_id = SelectField("Stap in het proces", validators=[Optional()])
    outcome = SelectField("Nieuwe uitkomst", validators=[Optional()], validate_choice=False)
    new_value = StringField("Nieuwe waarde of uitkomst", validators=[Optional(), Length(max=500)])
    field_name = SelectField("Gegeven", validators=[Optional()], validate_choice=False)
    title = StringField("Titel van de extra stap", validators=[Optional(), Length(max=200)])
    instructions = TextAreaField("Instructie voor de extra stap", validators=[Optional()])
    person = SelectField("Toewijzen aan medewerker", validators=[Optional()],
                         validate_choice=False)
    group = SelectField("Of aan groep", validators=[Optional()], validate_choice=False)
    weeks = IntegerField("Beslistermijn verlengen met (weken)", validators=[
        Optional(), NumberRange(1, MAX_EXTENSION_DAYS // 7,
                                f"Kies 1 tot {MAX_EXTENSION_DAYS // 7} weken.")])
    reason = TextAreaField("Reden", validators=[DataRequired("Schrijf waarom u afwijkt.")])
    legal_basis = SelectField("Juridische grondslag",
                              validators=[DataRequired("Kies een grondslag.")])
    citation = StringField("Vindplaats (artikel, regel)", validators=[Optional(),
                                                                       Length(max=500)])
    resident_message = TextAreaField("Uitleg voor de inwoner (eenvoudige taal, optioneel)",
                                     validators=[Optional(), Length(max=1000)])


FORM_TO_API = {"task_id": "task_id", "target_element_id": "target_element_id",
               "reason": "reason", "legal_basis": "legal_basis", "citation": "citation",
               "values": "new_value", "values.title": "title",
               "values.candidate_group": "group", "values.assignee": "person", "type": "type"}


def _values(form: DeviationForm, case_data: dict[str, Any], decision_variable: str | None
            ) -> dict[str, Any]:
    kind = form.type.data
    if kind == DeviationType.OVERRIDE_DECISION.value:
        key = (form.field_name.data or "").strip() or decision_variable or "flow"
        return {key: _typed(form.new_value.data or "", case_data.get(key))}
    if kind == DeviationType.CORRECT_DATA.value:
        key = (form.field_name.data or "").strip()
        return {key: _typed(form.new_value.data or "", case_data.get(key))} if key else {}
    if kind == DeviationType.ADD_TASK.value:
        return {"title": form.title.data or "", "instructions": form.instructions.data or "",
                "candidate_group": (form.group.data or "").strip() or None}
    if kind == DeviationType.EXTEND_DEADLINE.value:
        return {"weeks": form.weeks.data} if form.weeks.data else {}
    if kind == DeviationType.REASSIGN.value:
        return {k: v for k, v in (("assignee", (form.person.data or "").strip()),
                                  ("candidate_group", (form.group.data or "").strip())) if v}
    return {}


def _typed(text: str, current: Any) -> Any:
    """A value typed as the current value is (number, yes/no, text)."""
    text = text.strip()
    if isinstance(current, bool) or text.lower() in ("ja", "nee", "true", "false"):
        return text.lower() in ("ja", "true")
    if isinstance(current, (int, float)) or text.replace(",", ".").replace(".", "", 1).isdigit():
        try:
            number = float(text.replace(",", "."))
            return int(number) if number.is_integer() else number
        except ValueError:
            return text
    return text


#: what each type asks besides the reason and legal basis (the guided page shows only these)
SHOWN = {
    DeviationType.SKIP_TASK: ("task_id",), DeviationType.RETURN_TO: ("target_element_id",),
    DeviationType.JUMP_TO: ("target_element_id",),
    DeviationType.OVERRIDE_DECISION: ("outcome", "target_element_id", "new_value"),
    DeviationType.ADD_TASK: ("task_id", "title", "instructions", "group"),
    DeviationType.CORRECT_DATA: ("field_name", "new_value"),
    DeviationType.REASSIGN: ("task_id", "person", "group"),
    DeviationType.EXTEND_DEADLINE: ("weeks",),
}
EXPLANATIONS = {
    DeviationType.SKIP_TASK: "Een open taak is voor deze inwoner niet nodig.",
    DeviationType.RETURN_TO: "Een stap die al gedaan is, moet opnieuw.",
    DeviationType.JUMP_TO: "Stappen die voor deze inwoner niet nodig zijn, overslaan.",
    DeviationType.OVERRIDE_DECISION: "Een andere uitkomst dan de regels geven (maatwerk).",
    DeviationType.ADD_TASK: "Iets extra's doen voor een open taak, zoals een huisbezoek.",
    DeviationType.CORRECT_DATA: "Een gegeven in de aanvraag klopt niet.",
    DeviationType.REASSIGN: "Een taak naar iemand buiten de groepen van het model.",
    DeviationType.EXTEND_DEADLINE: "Meer tijd om te beslissen (art. 4:14 Awb).",
}


@bp.route("/zaken/<int:case_id>/afwijking", methods=["GET", "POST"])
@login_required("caseworker", "teamlead")
def request_deviation(case_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    """The guided page: first the type, then only what that type needs, each chosen from
    the case by name (its open tasks, steps, fields and the staff)."""
    unit = uow(readonly=True)
    try:
        case = cases.get_case(unit, case_id, me())
    except NotFound:
        abort(404)
    open_tasks = cases.open_tasks(unit, case.id)
    preset = request.args.get("taak") if request.args.get("taak") in {
        t.id for t in open_tasks} else None
    kind = _kind(request.form.get("type") or request.args.get("soort"))
    if kind is None:  # first the type (asked for and not given: said so)
        asked = request.method == "POST" or "stap" in request.args
        return render_template(
            "deviations/request.html", case=case, kind=None, preset_task=preset,
            types=[(t.value, LABELS[t], EXPLANATIONS[t]) for t in DeviationType],
            type_error="Kies wat u wilt doen." if asked else None,
            title=("Fout: " if asked else "") + f"Afwijking aanvragen — {case.reference}"), \
            (422 if asked else 200)
    form = DeviationForm()
    _choices(unit, form, case, kind, open_tasks)
    if request.method == "GET" and preset:
        form.task_id.data = preset
    status, preview = 200, None
    if form.validate_on_submit() and _extension_complete(form):
        if request.form.get("actie") == "voorbeeld":  # what approval would do; nothing kept
            preview = _asked(form, case, deviations.preview)
            status = 200 if preview is not None else 422
        elif _asked(form, case, deviations.request) is not None:
            flash("De afwijking is aangevraagd. Een teamleider beslist erover.", "success")
            return redirect(url_for("work.case", case_id=case.id))
        else:
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("deviations/request.html", form=form, case=case, kind=kind.value,
                           kind_label=LABELS[kind], shown=SHOWN[kind], preset_task=preset,
                           preview=preview,
                           target_help=_TARGET_HELP.get(kind, ""),
                           value_help=_VALUE_HELP.get(kind, ""),
                           title=("Fout: " if status == 422 else "") +
                           f"Afwijking aanvragen — {case.reference}"), status


_TARGET_HELP = {
    DeviationType.RETURN_TO: "De stap waar de zaak weer begint.",
    DeviationType.JUMP_TO: "De stap waar de zaak verder gaat.",
    DeviationType.OVERRIDE_DECISION: "Een beslissing waarvan de uitkomst niet in de lijst "
                                     "hierboven staat.",
}
_VALUE_HELP = {
    DeviationType.CORRECT_DATA: "Wat er moet staan. Ja/nee en getallen worden herkend.",
    DeviationType.OVERRIDE_DECISION: "De uitkomst die de beslissing moet geven.",
}


def _kind(value: str | None) -> DeviationType | None:
    try:
        return DeviationType(value or "")
    except ValueError:
        return None


def _choices(unit: Any, form: DeviationForm, case: Any, kind: DeviationType,
             open_tasks: list[Any]) -> None:
    """Each list of the form, from the case: open tasks, steps and fields by name."""
    types = deviations.DECISION_TYPES if kind == DeviationType.OVERRIDE_DECISION \
        else deviations.TASK_TYPES
    form.task_id.choices = [choice("", "Kies een taak")] + [
        choice(t.id, t.name) for t in open_tasks]
    decisions = decision_outcomes.of(unit, case.process_model) \
        if kind == DeviationType.OVERRIDE_DECISION else {}
    steps = process_models.in_order(case.process_model)
    form.target_element_id.choices = [choice("", "Kies een stap")] + [  # in process order
        choice(eid, str(e["name"] or eid)) for eid, e in steps if e["type"] in types
        and (kind != DeviationType.OVERRIDE_DECISION or not decisions.get(eid))]
    form.outcome.choices = [choice("", "Kies een uitkomst")] + [  # a join is no decision
        choice(f"{eid}#{index}", o.label, str(e["name"] or eid)) for eid, e in steps
        if len(decisions.get(eid, [])) > (1 if e["type"].endswith("Gateway") else 0)
        for index, o in enumerate(decisions[eid])]
    form.field_name.choices = [choice("", "Kies een gegeven")] + [
        choice(f.key, f"{f.label} (nu: {f.text})")
        for f in case_fields.readable(case.process_model, case.data or {})]
    form.person.choices = [choice("", "Niemand in het bijzonder")] + [
        choice(*person) for person in tasks.all_staff(unit)]
    form.group.choices = [choice("", "Geen groep")] + [
        choice(group, group) for group in tasks.staff_groups(unit)]
    form.legal_basis.choices = [choice("", "Kies een grondslag")] + [
        choice(b.text, b.text) for b in deviations.legal_bases(unit)]


def _asked(form: DeviationForm, case: Any, ask: Callable[..., T]) -> T | None:
    """The form's request asked of the service (`deviations.request` or `preview`); None,
    with the errors on the form's fields, when it is refused."""
    chosen = _outcome(form, case)
    if chosen is None and form.outcome.data and \
            form.type.data == DeviationType.OVERRIDE_DECISION.value:
        form.outcome.errors = [*form.outcome.errors, "Kies een uitkomst uit de lijst."]
        return None
    target, values = chosen or (form.target_element_id.data or None, _values(
        form, case.data, _decision_variable(case, form.target_element_id.data)))
    req = deviations.DeviationRequest(
        type=form.type.data or "", reason=form.reason.data or "",
        legal_basis=form.legal_basis.data or "", task_id=form.task_id.data or None,
        target_element_id=target, values=values, citation=form.citation.data,
        resident_message=form.resident_message.data)
    try:
        return ask(uow(), case.id, me(), req)
    except InvalidInput as exc:
        extending = form.type.data == DeviationType.EXTEND_DEADLINE.value
        for key, message in exc.errors.items():
            name = "weeks" if extending and key == "values" else FORM_TO_API.get(key, key)
            name = "outcome" if chosen and name in ("target_element_id", "new_value") else name
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                form.form_errors.append(f"{key}: {message}")
        if not exc.errors:
            form.form_errors.append(for_people(exc))
        return None


def _outcome(form: DeviationForm, case: Any) -> tuple[str, dict[str, Any]] | None:
    """The decision and the values of the outcome chosen from the list (an override)."""
    if form.type.data != DeviationType.OVERRIDE_DECISION.value or not form.outcome.data:
        return None
    element_id, _, index = form.outcome.data.rpartition("#")
    found = decision_outcomes.of(uow(readonly=True), case.process_model).get(element_id, [])
    if not index.isdigit() or int(index) >= len(found):
        return None
    return element_id, found[int(index)].values


def _extension_complete(form: DeviationForm) -> bool:
    """An extension of the decision term names its weeks and tells the resident why (Awb
    4:14: the notice goes to the resident); False, with the fields' errors, if not."""
    if form.type.data != DeviationType.EXTEND_DEADLINE.value:
        return True
    if not form.weeks.data:
        form.weeks.errors = [*form.weeks.errors, "Geef aan met hoeveel weken."]
    if len((form.resident_message.data or "").strip()) < 20:
        form.resident_message.errors = [
            *form.resident_message.errors,
            "Schrijf de inwoner waarom er meer tijd nodig is (minstens 20 tekens)."]
    return not form.weeks.errors and not form.resident_message.errors


def _decision_variable(case: Any, element_id: str | None) -> str | None:
    """The result variable of a business rule task, read from the model's XML facts."""
    facts = case.process_model.elements.get(element_id or "", {})
    return facts.get("result_variable") if facts.get("type") == "businessRuleTask" else None


@bp.post("/afwijkingen/<int:deviation_id>/besluit")
@login_required("teamlead")
def decide(deviation_id: int) -> WerkzeugResponse:
    decision = request.form.get("besluit")
    comment = request.form.get("toelichting", "")
    back = safe_next(request.form.get("terug")) or url_for("deviations.approvals")
    try:
        if decision == "goedkeuren":
            deviations.approve(uow(), deviation_id, me(), comment)
            flash("De afwijking is goedgekeurd en uitgevoerd.", "success")
        elif decision == "afwijzen":
            deviations.reject(uow(), deviation_id, me(), comment)
            flash("De afwijking is afgewezen.", "success")
        else:
            flash("Kies goedkeuren of afwijzen.", "warning")
    except (Conflict, Forbidden, InvalidInput, NotFound) as exc:
        flash(for_people(exc), "warning")
    return redirect(back)


@bp.post("/afwijkingen/<int:deviation_id>/intrekken")
@login_required("caseworker", "teamlead")
def withdraw(deviation_id: int) -> WerkzeugResponse:
    try:
        deviation = deviations.withdraw(uow(), deviation_id, me())
        flash("Uw aanvraag is ingetrokken.", "success")
        return redirect(url_for("work.case", case_id=deviation.case_id))
    except (Conflict, Forbidden, NotFound) as exc:
        flash(for_people(exc), "warning")
        return redirect(safe_next(request.form.get("terug")) or url_for("work.inbox"))


@bp.get("/goedkeuren")
@login_required("teamlead")
def approvals() -> str:
    """The queue, filtered by process, type, requester and how long a request waits; the
    choices are those of the requests waiting."""
    waiting = deviation_register.pending_for(uow(readonly=True), me())
    args = request.args
    days = args.get("wacht", "")
    flt = deviation_register.ApprovalFilter(
        process_key=args.get("proces") or None, type=args.get("soort") or None,
        requested_by=args.get("door") or None,
        waiting_days=int(days) if days in WAITING_DAYS else None)
    shown = deviation_register.only(waiting, flt, datetime.now(UTC))
    return render_template(
        "deviations/approvals.html", pending=shown, waiting=waiting, args=args,
        waiting_days=WAITING_DAYS,
        processes=sorted({(d.case.process_model.key, d.case.process_model.name)
                          for d in waiting}, key=lambda p: p[1]),
        types=[(t.value, LABELS[t]) for t in DeviationType
               if t.value in {d.type for d in waiting}],
        requesters=sorted({d.requested_by for d in waiting}),
        title="Afwijkingen goedkeuren")


def _names() -> dict[str, dict[str, str]]:
    """The register's counts by name: processes, and steps (of each process's newest
    version; a step it no longer has keeps its id)."""
    models = process_models.latest_versions(uow(readonly=True), published=False)
    steps: dict[str, str] = {}
    for model in models:
        for element_id, facts in model.elements.items():
            steps.setdefault(element_id, str(facts.get("name") or element_id))
    return {"process": {m.key: m.name for m in models}, "element": steps}


REGISTER_PAGE = 100  # deviations listed per page of the register (the CSV: up to 1000)


WAITING_DAYS = {"1": "langer dan een dag", "3": "3 dagen of langer",
                "7": "een week of langer"}


@bp.get("/afwijkingen")
@login_required("caseworker", "teamlead", "designer")
def register() -> str | Response:
    export = request.args.get("format") == "csv"
    page = page_number(request.args.get("pagina"))
    found = deviation_register.register(
        uow(readonly=True), me(), register_filter(request.args),
        *((1000, 0) if export else (REGISTER_PAGE, (page - 1) * REGISTER_PAGE)))
    if export:
        return Response(serializers.register_csv([serializers.deviation(d, found.personal)
                                                  for d in found.items], found.personal),
                        mimetype="text/csv", headers={
                            "Content-Disposition": "attachment; filename=afwijkingen.csv"})
    return render_template("deviations/register.html", register=found, args=request.args,
                           names=_names(), page=page, page_size=REGISTER_PAGE,
                           bases=deviations.legal_bases(uow(readonly=True)),
                           types=[(t.value, LABELS[t]) for t in DeviationType],
                           title="Afwijkingenregister")

