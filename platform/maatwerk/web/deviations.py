"""Pages for deviations: request one on a case, the approvals queue, the register."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..domain.deviation import LABELS, MAX_EXTENSION_DAYS, DeviationType
from ..services import cases, deviation_register, deviations
from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound
from . import serializers
from .api import register_filter
from .auth import safe_next
from .context import login_required, me, uow
from .errors import for_people
from .form_classes import choice

bp = Blueprint("deviations", __name__, url_prefix="/werk")


class DeviationForm(FlaskForm):
    type = RadioField("Soort afwijking",
                      choices=[choice(t.value, LABELS[t]) for t in DeviationType],
                      validators=[DataRequired("Kies de soort afwijking.")])
    task_id = SelectField("Open taak waar het om gaat", validators=[Optional()])
    target_element_id = SelectField("Stap in het proces", validators=[Optional()])
    new_value = StringField("Nieuwe waarde of uitkomst", validators=[Optional(), Length(max=500)])
    field_name = StringField("Gegeven (naam van het veld)", validators=[Optional(),
                                                                         Length(max=100)])
    title = StringField("Titel van de extra stap", validators=[Optional(), Length(max=200)])
    instructions = TextAreaField("Instructie voor de extra stap", validators=[Optional()])
    person = StringField("Toewijzen aan medewerker (gebruikersnaam)",
                         validators=[Optional(), Length(max=80)])
    group = StringField("Of aan groep", validators=[Optional(), Length(max=80)])
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


@bp.route("/zaken/<int:case_id>/afwijking", methods=["GET", "POST"])
@login_required("caseworker", "teamlead")
def request_deviation(case_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    unit = uow(readonly=True)
    try:
        case = cases.get_case(unit, case_id, me())
    except NotFound:
        abort(404)
    form = DeviationForm()
    open_tasks = cases.open_tasks(unit, case.id)
    elements = case.process_model.elements
    form.task_id.choices = [choice("", "— geen —")] + [
        choice(t.id, t.name) for t in open_tasks]
    form.target_element_id.choices = [choice("", "— geen —")] + [
        choice(*item) for item in sorted(
            ((eid, f"{e['name']} ({eid})") for eid, e in elements.items()
             if e["type"] in deviations.TASK_TYPES | deviations.DECISION_TYPES),
            key=lambda item: item[1])]
    bases = deviations.legal_bases(unit)
    form.legal_basis.choices = [choice("", "Kies een grondslag")] + [
        choice(b.text, b.text) for b in bases]
    if request.method == "GET" and request.args.get("taak"):
        form.task_id.data = request.args["taak"]
    status = 200
    if form.validate_on_submit() and _extension_complete(form):
        decision_variable = _decision_variable(case, form.target_element_id.data)
        req = deviations.DeviationRequest(
            type=form.type.data or "", reason=form.reason.data or "",
            legal_basis=form.legal_basis.data or "", task_id=form.task_id.data or None,
            target_element_id=form.target_element_id.data or None,
            values=_values(form, case.data, decision_variable), citation=form.citation.data,
            resident_message=form.resident_message.data)
        try:
            deviations.request(uow(), case.id, me(), req)
        except InvalidInput as exc:
            extending = form.type.data == DeviationType.EXTEND_DEADLINE.value
            for key, message in exc.errors.items():
                name = "weeks" if extending and key == "values" else FORM_TO_API.get(key, key)
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, message]
                else:
                    form.form_errors.append(f"{key}: {message}")
            if not exc.errors:
                form.form_errors.append(for_people(exc))
            status = 422
        else:
            flash("De afwijking is aangevraagd. Een teamleider beslist erover.", "success")
            return redirect(url_for("work.case", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template("deviations/request.html", form=form, case=case, bases=bases,
                           title=("Fout: " if status == 422 else "") +
                           f"Afwijking aanvragen — {case.reference}"), status


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
    pending = deviation_register.pending_for(uow(readonly=True), me())
    return render_template("deviations/approvals.html", pending=pending,
                           title="Afwijkingen goedkeuren")


@bp.get("/afwijkingen")
@login_required("caseworker", "teamlead", "designer")
def register() -> str | Response:
    found = deviation_register.register(uow(readonly=True), me(),
                                        register_filter(request.args))
    if request.args.get("format") == "csv":
        return Response(serializers.register_csv([serializers.deviation(d, found.personal)
                                                  for d in found.items], found.personal),
                        mimetype="text/csv", headers={
                            "Content-Disposition": "attachment; filename=afwijkingen.csv"})
    return render_template("deviations/register.html", register=found, args=request.args,
                           bases=deviations.legal_bases(uow(readonly=True)),
                           types=[(t.value, LABELS[t]) for t in DeviationType],
                           title="Afwijkingenregister")


def pretty(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items())
