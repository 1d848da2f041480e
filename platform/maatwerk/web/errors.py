"""Turning domain errors into HTTP answers: JSON for the API, pages for people."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..domain.documents import MAX_SUBMISSION_BYTES, size_text
from ..services.errors import (
    Conflict,
    DatabaseBusy,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceError,
)

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 422}
_TITLES = {400: "Ongeldig verzoek", 401: "Niet ingelogd", 403: "Geen toegang",
           404: "Niet gevonden", 405: "Niet toegestaan", 409: "Al gewijzigd",
           413: "Bestand te groot", 422: "Controleer de invoer",
           429: "Te veel pogingen", 500: "Er ging iets mis", 503: "Even druk"}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/engine-rest/")) or \
        request.accept_mimetypes.best == "application/json"


# What people read on an error page is Dutch (the API answers in English): the messages
# caseworkers and residents meet, and otherwise a sentence per status.
_STATES = {"completed": "afgerond", "cancelled": "vervallen", "skipped": "overgeslagen",
           "approved": "goedgekeurd", "rejected": "afgewezen", "withdrawn": "ingetrokken"}
_DUTCH_TEXTS: tuple[tuple[str, str | Callable[..., str]], ...] = (
    (r"^There is no such (task|case|deviation|document)",
     "Dit bestaat niet (meer), of u mag het niet zien."),
    (r"^This link is not valid", ("Deze link is niet geldig. Gebruik de hele link uit uw "
                                 "bevestiging.")),
    (r"^This task was already claimed by (.+)\.$", "Deze taak is al opgepakt door {0}."),
    (r"^This task is claimed by (.+?);", ("Deze taak is opgepakt door {0}. Vraag hen of een "
                                          "teamleider om de taak vrij te geven.")),
    (r"^This task is no longer open: it was (\w+)(?: by (.+))?\.$",
     lambda state, by: f"Deze taak staat niet meer open: hij is {state}"
                       + (f" door {by}." if by else ".")),
    (r"^This task is no longer open in the case", "Deze taak staat in de zaak niet meer open."),
    (r"^First complete the step that was added before this one: (.+)\.$",
     "Rond eerst de stap af die ervoor is toegevoegd: {0}."),
    (r"^The case was changed by someone else", ("Iemand anders wijzigde de zaak op hetzelfde "
     "moment; er is niets opgeslagen. Laad de pagina opnieuw en probeer het nog eens.")),
    (r"^This request was already (\w+)\.$", "Over dit verzoek is al beslist: {0}."),
    (r"^You asked for this deviation yourself", ("U vroeg deze afwijking zelf aan; een andere "
     "teamleider moet beslissen (vier-ogenprincipe).")),
    (r"^Only a team lead", ("Alleen een teamleider met mandaat mag over een afwijking "
                           "beslissen.")),
    (r"^Only the person who asked can withdraw", ("Alleen wie het verzoek deed, kan het "
                                                 "intrekken.")),
    (r"^The case has moved on since the request: (.+)\. Nothing was changed",
     ("De zaak is sinds het verzoek verder gegaan ({0}). Er is niets gewijzigd; vraag zo "
     "nodig een nieuwe afwijking aan.")),
    (r"^The process designer does not allow '\w+' on '([^']+)'",
     "De procesontwerper staat deze afwijking niet toe bij stap {0}; er is niets gewijzigd."),
    (r"^Four eyes: you did (.+) in this case",
     "Vier ogen: u deed {0} in deze zaak. Iemand anders moet deze stap doen."),
    ((r"^The same deviation was already asked for by (.+) and awaits a decision \(request "
     r"(\d+)\)"), ("Deze afwijking is al aangevraagd door {0} en wacht op een besluit "
                  "(verzoek {1}). Er is niets opgeslagen.")),
    (r"^Another deviation of this step awaits a decision \(request (\d+), asked by (.+?)\);",
     ("Bij deze stap wacht al een andere afwijking op een besluit (verzoek {0}, aangevraagd "
      "door {1}). Wacht tot daarover is beslist, of laat die eerst intrekken. Er is niets "
      "opgeslagen.")),
    (r"^This deviation can't work on the case as it is now: (.+)\. Nothing was saved",
     ("Deze afwijking kan in de zaak zoals die nu is niet worden uitgevoerd ({0}). Er is "
      "niets opgeslagen; kies een andere afwijking of vraag de procesontwerper.")),
    (r"^This case is not stuck", ("Deze zaak is niet vastgelopen; er is niets opnieuw te "
                                 "proberen.")),
    (r"^Only the person who claimed the task", ("Alleen wie de taak oppakte (of een "
                                               "teamleider) kan hem vrijgeven.")),
    (r"^Only the person who has the task, or a team lead, can hand it over",
     "Alleen wie de taak heeft, of een teamleider, kan hem overdragen."),
    (r"^(.+) may not do this task: the model gives it to (.+)\. To give it to someone else",
     ("{0} mag deze taak niet doen: het proces geeft hem aan {1}. Moet iemand anders hem "
      "toch doen, vraag dan een afwijking aan (andere behandelaar).")),
    (r"^Assigning several tasks at once is for team leads",
     "Alleen een teamleider wijst meerdere taken tegelijk toe."),
    (r"^Say why the request is rejected", "Geef aan waarom het verzoek wordt afgewezen."),
    (r"^The message is empty", "Schrijf eerst het bericht; er is niets verstuurd."),
    (r"^The note is empty", "De notitie is leeg; schrijf eerst wat u wilt vastleggen."),
    (r"^The note is longer than (\d+) characters",
     "De notitie is te lang (meer dan {0} tekens); er is niets opgeslagen."),
    (r"^The contact moment is not complete", ("Het contactmoment is niet compleet: kies hoe, "
     "en geef een moment dat al voorbij is. Er is niets opgeslagen.")),
    (r"^Only caseworkers and team leads write notes",
     "Alleen behandelaars en teamleiders schrijven notities bij een zaak."),
    (r"^The message is longer than (\d+) characters",
     "Het bericht is te lang (meer dan {0} tekens); er is niets verstuurd."),
    (r"^Only caseworkers and team leads write to residents",
     "Alleen behandelaars en teamleiders sturen berichten aan inwoners."),
    (r"^A counter clerk sees how a case stands", ("Als baliemedewerker ziet u hoe de zaak "
     "ervoor staat, niet de gegevens, documenten, berichten of geschiedenis.")),
    (r"^Only clerks, caseworkers and team leads give a resident a new link",
     "Alleen baliemedewerkers, behandelaars en teamleiders maken een nieuwe link."),
    (r"^Version (\d+) of '.+' is already published", "Versie {0} is al gepubliceerd."),
    (r"^Version (\d+) of '.+' is not published", ("Versie {0} is niet gepubliceerd; alleen "
     "een gepubliceerde versie kan buiten gebruik.")),
    (r"^Version (\d+) of '.+' is retired", ("Versie {0} is buiten gebruik: er starten geen "
     "nieuwe zaken op, ook geen proefzaken.")),
    (r"^Process '.+' has no published version", ("Dit proces heeft geen gepubliceerde versie; "
     "er kunnen (nog) geen zaken starten.")),
)
_DUTCH = [(re.compile(pattern), text) for pattern, text in _DUTCH_TEXTS]
_DUTCH_BY_STATUS = {
    400: "Dit verzoek kunnen we niet verwerken; er is niets opgeslagen.",
    401: "Log eerst in.",
    403: "U mag dit niet doen. Denkt u dat dat niet klopt, vraag dan uw beheerder om de "
         "juiste rol.",
    404: "Deze pagina bestaat niet, of u mag haar niet zien.",
    405: "Dit kan op deze manier niet.",
    409: "Dit is inmiddels gewijzigd; er is niets opgeslagen. Laad de pagina opnieuw.",
    413: "Wat u verstuurde is te groot; er is niets opgeslagen.",
    422: "Niet alles is goed ingevuld; er is niets opgeslagen.",
    500: "Er ging aan onze kant iets mis; er is niets gewijzigd. Probeer het later opnieuw."}


def dutch(status: int, message: str) -> str:
    """The Dutch for an (English) error message, for a page."""
    for pattern, text in _DUTCH:
        found = pattern.match(message)
        if found:
            parts = [_STATES.get(part, part) if part else "" for part in found.groups()]
            return text(*parts) if callable(text) else text.format(*parts)
    return _DUTCH_BY_STATUS.get(status, _DUTCH_BY_STATUS[400])


def for_people(exc: ServiceError) -> str:
    """A service's refusal as a page's message says it: Dutch, unless English was chosen."""
    if g.get("lang") == "en":
        return str(exc)
    return dutch(_status_of(exc), str(exc))


def _status_of(exc: ServiceError) -> int:
    return next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)


def _answer(status: int, message: str, errors: object = None,
            dutch_text: str | None = None) -> tuple[Response | str, int]:
    if request.path.startswith("/engine-rest/"):  # Camunda's error body, as its clients read
        kind = "InvalidRequestException" if status == 400 else "RestException"
        return jsonify({"type": kind, "message": message}), status
    if _wants_json():
        body: dict[str, object] = {"error": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    shown = message if g.get("lang") == "en" else dutch_text or dutch(status, message)
    return render_template("error.html", status=status, title=_TITLES.get(status, "Fout"),
                           message=shown), status


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> tuple[Response | str, int]:
        return _answer(_status_of(exc), str(exc), getattr(exc, "errors", None))

    @app.errorhandler(DatabaseBusy)
    def _busy(exc: DatabaseBusy) -> tuple[Response | str, int, dict[str, str]]:
        app.logger.warning("%s %s: %s", request.method, request.path, exc)
        shown, status = _answer(503, exc.summary, dutch_text=(
            "Het is nu erg druk; uw wijziging is niet opgeslagen. Probeer het over een paar "
            "seconden opnieuw."))
        return shown, status, {"Retry-After": str(exc.retry_after)}

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> tuple[Response | str, int]:  # forms only: the API has none
        return _answer(400, "This form expired or did not come from this site; nothing was "
                            "stored. Go back, reload the page and send it again.",
                       dutch_text="Dit formulier is verlopen of komt niet van deze site; er is "
                                  "niets opgeslagen. Ga terug, laad de pagina opnieuw en "
                                  "verstuur het nog eens.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int]:
        status = exc.code or 500
        messages = {401: "Sign in first: send 'Authorization: Bearer <token>'.",
                    413: "The upload is too large.",
                    404: "Not found.", 403: "You may not do this."}
        if status == 413 and not _wants_json():
            return _answer(413, "What you sent is too large; nothing was stored.",
                           dutch_text="Wat u verstuurde is te groot; er is niets opgeslagen. "
                                      "Ga terug en kies kleinere bestanden (samen hooguit "
                                      f"{size_text(MAX_SUBMISSION_BYTES)}).")
        return _answer(status, messages.get(status, exc.description or exc.name))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        app.logger.error("unexpected error", exc_info=exc)
        return _answer(500, "Something went wrong on our side; nothing was changed.")
