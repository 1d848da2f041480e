"""Turning domain errors into HTTP answers: JSON for the API, pages for people."""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..domain.documents import MAX_SUBMISSION_BYTES, size_text
from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError

_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 422}
_TITLES = {400: "Ongeldig verzoek", 401: "Niet ingelogd", 403: "Geen toegang",
           404: "Niet gevonden", 405: "Niet toegestaan", 409: "Al gewijzigd",
           413: "Bestand te groot", 422: "Controleer de invoer",
           429: "Te veel pogingen", 500: "Er ging iets mis"}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _answer(status: int, message: str, errors: object = None) -> tuple[Response | str, int]:
    if _wants_json():
        body: dict[str, object] = {"error": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template("error.html", status=status, title=_TITLES.get(status, "Fout"),
                           message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> tuple[Response | str, int]:
        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
        return _answer(status, str(exc), getattr(exc, "errors", None))

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> tuple[Response | str, int]:
        return _answer(409, "The case was changed by someone else at the same moment; "
                            "reload and try again.")

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> tuple[Response | str, int]:  # forms only: the API has none
        return _answer(400, "Dit formulier is verlopen of komt niet van deze site; er is niets "
                            "opgeslagen. Ga terug, laad de pagina opnieuw en verstuur het nog "
                            "eens.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int]:
        status = exc.code or 500
        messages = {401: "Sign in first: send 'Authorization: Bearer <token>'.",
                    413: "The upload is too large.",
                    404: "Not found.", 403: "You may not do this."}
        if status == 413 and not _wants_json():
            return _answer(413, "Wat u verstuurde is te groot; er is niets opgeslagen. Ga terug "
                                f"en kies kleinere bestanden (samen hooguit "
                                f"{size_text(MAX_SUBMISSION_BYTES)}).")
        return _answer(status, messages.get(status, exc.description or exc.name))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        app.logger.exception("unexpected error")
        return _answer(500, "Something went wrong on our side; nothing was changed.")
