"""Building the Flask app: blueprints, CSRF, error pages, security headers."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, g, jsonify
from flask_wtf.csrf import CSRFProtect

from ..config import Settings
from ..persistence.database import Database
from . import api, assets, auth, deviations, designer, errors, resident, work
from .context import close_units, current_principal
from .i18n import LABELS, action_label, deviation_label, dutch_datetime, status_label

csrf = CSRFProtect()


def build_app(settings: Settings) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=settings.testing,
    )
    app.extensions["maatwerk.db"] = Database(settings.database_url)
    app.extensions["maatwerk.settings"] = settings
    csrf.init_app(app)
    csrf.exempt(api.bp)
    for blueprint in (assets.bp, auth.bp, resident.bp, work.bp, deviations.bp, designer.bp,
                      api.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    app.teardown_request(close_units)
    app.after_request(_security_headers)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.jinja_env.globals.update(current_principal=current_principal, LABELS=LABELS,
                                 nlds=assets.nlds_available())
    app.jinja_env.filters.update(datetime=dutch_datetime, status_label=status_label,
                                 action_label=action_label, pretty=deviations.pretty,
                                 deviation_label=deviation_label)
    return app


def _healthz() -> Response:
    return jsonify({"status": "ok"})


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
