"""Building the Flask app: blueprints, CSRF, error pages, security headers."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, current_app, g, jsonify, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import Settings
from ..forms.conditions import answer_texts, condition_text
from ..services import unit_of_work
from ..services.deviations import expected as deviation_effect
from . import (
    api,
    assets,
    auth,
    designer,
    deviation_words,
    deviations,
    documents,
    engine_rest,
    engine_rest_instances,  # noqa: F401 - its routes are on engine_rest.bp
    engine_rest_messages,  # noqa: F401 - its routes are on engine_rest.bp
    errors,
    input_guard,
    ratelimit,
    resident,
    team,  # noqa: F401 - its route is on work.bp
    work,
)
from .context import close_units, current_principal
from .i18n import (
    LABELS,
    LANGUAGE_COOKIE,
    action_label,
    current_language,
    deviation_label,
    dutch_datetime,
    status_label,
    translate,
)
from .people import person

csrf = CSRFProtect()


def build_app(settings: Settings) -> Flask:
    app = Flask(__name__)
    app.json = input_guard.StrictJSONProvider(app)
    app.url_map.converters["int"] = input_guard.IdConverter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=settings.testing,
    )
    if hops := settings.trusted_proxies:  # the client's address and scheme, as the proxy saw
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops)
    app.extensions["maatwerk.db"] = unit_of_work.open_database(settings)
    app.extensions["maatwerk.settings"] = settings
    app.before_request(documents.allow_documents)  # before the CSRF check reads the form
    csrf.init_app(app)
    csrf.exempt(api.bp)
    csrf.exempt(engine_rest.bp)
    app.before_request(input_guard.refuse_unusable_input)
    for blueprint in (assets.bp, auth.bp, resident.bp, work.bp, deviations.bp, designer.bp,
                      documents.bp, api.bp, engine_rest.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    ratelimit.install(app, settings.login_limit, settings.form_limit, settings.download_limit)
    app.teardown_request(close_units)
    app.after_request(_security_headers)
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(_=lambda text: translate(text, g.get("lang", "nl")),
                                 lang=lambda: g.get("lang", "nl"))
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.jinja_env.globals.update(current_principal=current_principal, LABELS=LABELS,
                                 nlds=assets.nlds_available(), condition_text=condition_text,
                                 answer_texts=answer_texts,
                                 step_name=deviation_words.step_name,
                                 expected=deviation_effect)
    app.jinja_env.filters.update(datetime=dutch_datetime, status_label=status_label,
                                 action_label=action_label, said=deviation_words.said,
                                 deviation_label=deviation_label, person=person)
    return app


def _healthz() -> Response:
    return jsonify({"status": "ok"})


def _choose_language() -> None:
    g.lang = current_language(request.cookies.get(LANGUAGE_COOKIE), request.args.get("taal"))


def _remember_language(response: Response) -> Response:
    if request.args.get("taal") in ("nl", "en"):
        response.set_cookie(LANGUAGE_COOKIE, request.args["taal"], max_age=365 * 24 * 3600,
                            httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _security_headers(response: Response) -> Response:
    # the diagram viewer (bpmn-js) sets style attributes on its SVG: only its page allows it
    styles = "'self' 'unsafe-inline'" if g.get("diagram_page") else "'self'"
    response.headers.setdefault("Content-Security-Policy", (
        f"default-src 'self'; img-src 'self' data:; style-src {styles}; script-src 'self'; "
        "font-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
        "object-src 'none'"))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if g.get("private_page"):
        response.headers["Cache-Control"] = "no-store"
    return response
