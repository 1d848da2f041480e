"""Pages for process designers: the models, uploading a new version, one model's use."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.wrappers import Response as WerkzeugResponse

from ..domain.process_model import ModelProblem, ModelRefused, UploadedFile
from ..services import (
    cases,
    decision_letters,
    heatmap,
    mail_templates,
    model_versions,
    process_models,
    start_clocks,
)
from ..services.errors import Conflict, InvalidInput, NotFound
from .assets import diagram_viewer_available
from .context import login_required, me, uow
from .errors import for_people
from .form_classes import ask_files_again, build_form_class, form_data
from .resident import attach_errors

bp = Blueprint("designer", __name__, url_prefix="/ontwerp")


class UploadForm(FlaskForm):
    files = MultipleFileField("Bestanden (.bpmn, .dmn, .form, GZAC-.json en bericht-….txt)")


@bp.get("/")
@login_required("designer")
def models() -> str:
    unit = uow(readonly=True)
    return render_template("designer/models.html",
                           models=process_models.latest_versions(unit, published=False),
                           versions=process_models.all_versions(unit), statuses=STATUSES,
                           title="Processen")


STATUSES = {"draft": "concept", "published": "gepubliceerd", "retired": "buiten gebruik"}


@bp.route("/uploaden", methods=["GET", "POST"])
@login_required("designer")
def upload() -> str | WerkzeugResponse | tuple[str, int]:
    form = UploadForm()
    problems = []
    if form.validate_on_submit():
        files = [UploadedFile(f.filename or "", f.read())
                 for f in request.files.getlist("files") if f.filename]
        try:
            result = process_models.upload(uow(), me(), files, draft=True)
        except ModelRefused as refused:
            problems = refused.problems
        else:
            flash(f"Deze bestanden zijn precies versie {result.version} van ‘{result.name}’; "
                  "er is geen nieuwe versie gemaakt." if result.unchanged else
                  f"‘{result.name}’ is opgeslagen als versie {result.version}, een concept. "
                  "Nieuwe zaken starten pas op deze versie als u haar publiceert.",
                  "info" if result.unchanged else "success")
            for message, where in _grouped(result.notes).items():
                flash(f"Goed om te weten: {message} ({where}).", "info")
            return redirect(url_for("designer.model", key=result.key, version=result.version))
    status = 422 if problems else 200
    return render_template("designer/upload.html", form=form, problems=problems,
                           title=("Fout: " if problems else "") + "Proces uploaden"), status


def _grouped(notes: list[ModelProblem]) -> dict[str, str]:
    """The upload's notes, one per message, with the elements it is about."""
    grouped: dict[str, list[str]] = {}
    for note in notes:
        grouped.setdefault(note.message, []).append(note.element_id or note.file)
    return {message: ", ".join(dict.fromkeys(where)) for message, where in grouped.items()}


@bp.get("/<key>/<int:version>")
@login_required("designer")
def model(key: str, version: int) -> str:
    unit = uow(readonly=True)
    try:
        found = process_models.get_version(unit, key, version)
    except NotFound:
        abort(404)
    g.diagram_page = True
    clocks = [clock for clock in start_clocks.of_process(unit, key)
              if clock.process_model_id == found.id]
    return render_template("designer/model.html", model=found, clocks=clocks,
                           current=process_models.current(unit, key), statuses=STATUSES,
                           warnings=[_WARNINGS.get(w, w)
                                     for w in model_versions.publish_warnings(found)],
                           steps=process_models.in_order(found),
                           clocked=bool(start_clocks.clocks_of(found)),
                           viewer=diagram_viewer_available(),
                           usage=process_models.usage(unit, found),
                           **_heat(unit, found),
                           files=process_models.files_of(unit, found.id),
                           texts=mail_templates.previews(unit, found),
                           occasions=OCCASION_NAMES,
                           title=f"{found.name} (versie {found.version})")


@bp.post("/<key>/<int:version>/publiceren")
@login_required("designer")
def publish(key: str, version: int) -> WerkzeugResponse | tuple[str, int]:
    """Publish a draft (or take a retired version back in use); a version without a
    description or decision term is published only when the designer confirms."""
    try:
        model_versions.publish(uow(), me(), key, version,
                               confirmed=request.form.get("bevestigd") == "ja")
    except NotFound:
        abort(404)
    except InvalidInput:
        flash("Deze versie is niet gepubliceerd: bevestig eerst dat u haar zonder "
              "beschrijving of beslistermijn wilt publiceren.", "warning")
        return redirect(url_for("designer.model", key=key, version=version) + "#publiceren")
    except Conflict as exc:
        flash(for_people(exc), "warning")
    else:
        flash(f"Versie {version} is gepubliceerd.", "success")
    return redirect(url_for("designer.model", key=key, version=version))


@bp.post("/<key>/<int:version>/buiten-gebruik")
@login_required("designer")
def retire(key: str, version: int) -> WerkzeugResponse:
    """No new cases on this version; its running cases go on."""
    try:
        model_versions.retire(uow(), me(), key, version)
    except NotFound:
        abort(404)
    except Conflict as exc:
        flash(for_people(exc), "warning")
    else:
        current = process_models.current(uow(), key)  # the unit that retired it
        flash(f"Versie {version} neemt geen nieuwe zaken meer; lopende zaken gaan door. " +
              (f"Nieuwe zaken starten op versie {current.version}." if current else
               "Er is nu geen gepubliceerde versie: er kunnen geen nieuwe zaken starten."),
              "success")
    return redirect(url_for("designer.model", key=key, version=version))


@bp.route("/<key>/<int:version>/proefzaak", methods=["GET", "POST"])
@login_required("designer")
def trial(key: str, version: int) -> str | WerkzeugResponse | tuple[str, int]:
    """Try a version (a draft before publishing it): its start form, filled in as a
    resident would; the trial case is worked in the inbox as any case, out of the figures."""
    try:
        model = process_models.get_version(uow(readonly=True), key, version)
    except NotFound:
        abort(404)
    definition = process_models.form_of(model, model.start_form_key)
    if definition is None:
        flash("Een proefzaak start met het startformulier, en dit proces heeft er geen.",
              "warning")
        return redirect(url_for("designer.model", key=key, version=version))
    form = build_form_class(definition)()
    if form.validate_on_submit():
        try:
            started = cases.start_trial(uow(), key, version, form_data(form, definition), me())
        except InvalidInput as exc:
            attach_errors(form, exc)
            ask_files_again(form, definition)
        except Conflict as exc:
            flash(for_people(exc), "warning")
            return redirect(url_for("designer.model", key=key, version=version))
        else:
            flash(f"Proefzaak {started.case.reference} is gestart. Dit is de pagina die de "
                  "inwoner ziet; behandelaars vinden de taken in hun werkvoorraad.", "success")
            return redirect(url_for("resident.status", token=started.status_token))
    return render_template("resident/start.html", model=model, form=form,
                           definition=definition, trial=True,
                           title=("Fout: " if form.errors else "") +
                           f"Proefzaak — {model.name} (versie {version})"), \
        (422 if request.method == "POST" else 200)


_WARNINGS = {
    "The process has no description (residents read it when they apply).":
        "Het proces heeft geen beschrijving; inwoners lezen die als ze een aanvraag doen.",
    "The process has no decision term: its cases get no legal decision date.":
        "Het proces heeft geen beslistermijn; zaken krijgen dan geen wettelijke beslisdatum.",
}


#: the heatmap's measures and periods, as the designer's page names them
MEASURES = {"waiting": "Wacht nu", "done": "Gedaan", "median": "Mediane doorlooptijd",
            "p90": "Doorlooptijd, 90e percentiel", "deviations": "Afwijkingen"}
PERIODS = {"": "Altijd", "30": "Laatste 30 dagen", "90": "Laatste 90 dagen",
           "365": "Laatste jaar"}


def _heat(unit: Any, found: Any) -> dict[str, Any]:
    """The heatmap of the version in the measure and period asked (?maat=, ?periode=):
    its figures per step for the table, and per element the colour level and the figure
    shown on the diagram."""
    measure = request.args.get("maat", "waiting")
    measure = measure if measure in MEASURES else "waiting"
    period = request.args.get("periode", "")
    period = period if period in PERIODS else ""
    since = datetime.now(UTC) - timedelta(days=int(period)) if period else None
    every = request.args.get("versies") == "alle"
    figures = heatmap.of(unit, process_models.all_versions(unit, found.key) if every
                         else [found], since)
    links = {element_id: _register_link(found.key, step) for element_id, step in figures.items()}
    shown = {element_id: {"level": level, "label": _figure(figures[element_id], measure),
                          "link": links[element_id]}
             for element_id, level in heatmap.levels(figures, measure).items()}
    order = {element_id: i for i, (element_id, _) in enumerate(process_models.in_order(found))}
    return {"heat": sorted(figures.values(), key=lambda s: order.get(s.element_id, len(order))),
            "heat_shown": shown, "every_version": every, "register_links": links,
            "hours_text": hours_text,
            "measure": measure, "measures": MEASURES, "period": period, "periods": PERIODS}


def _register_link(key: str, step: heatmap.StepHeat) -> str | None:
    """The register's deviations of a step (of every version: the register lists per
    process), where it has any."""
    if not step.deviations:
        return None
    return url_for("deviations.register", process_key=key, element_id=step.element_id)


def _figure(step: heatmap.StepHeat, measure: str) -> str:
    if measure in ("median", "p90"):
        return hours_text(step.value(measure))
    return str(int(step.value(measure)))


def hours_text(hours: float | None) -> str:
    """A duration as people say it: minutes, hours or days, with a Dutch comma."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} uur".replace(".", ",")
    return f"{hours / 24:.1f} dagen".replace(".", ",")


#: what the designer's page calls each occasion of mail_templates.OCCASIONS
OCCASION_NAMES = {"ontvangstbevestiging": "Ontvangstbevestiging", "verzoek": "Verzoek om "
                  "gegevens", "herinnering": "Herinnering", "besluit": "Besluit",
                  "verlenging": "Verlenging van de beslistermijn", "maatwerk": "Bericht over "
                  "maatwerk", "antwoord": "Bericht van de behandelaar"}


@bp.get("/<key>/<int:version>/diagram.bpmn")
@login_required("designer")
def diagram(key: str, version: int) -> Response:
    unit = uow(readonly=True)
    try:
        found = process_models.get_version(unit, key, version)
        xml = process_models.diagram_xml(unit, found)
    except NotFound:
        abort(404)
    return Response(xml, mimetype="application/xml")


@bp.get("/<key>/<int:version>/brief.pdf")
@login_required("designer")
def letter_preview(key: str, version: int) -> Response:
    """The decision letter of this version, printed with example values (?taal=en: the
    English letter, where the process has one)."""
    unit = uow(readonly=True)
    try:
        found = process_models.get_version(unit, key, version)
    except NotFound:
        abort(404)
    content = decision_letters.preview(unit, found, "en" if request.args.get("taal") == "en"
                                       else "nl")
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="brief-{key}-{version}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
