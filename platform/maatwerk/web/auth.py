"""Signing in and out (local accounts)."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..services import accounts, staff_sessions
from ..services.errors import TooManyAttempts
from .context import current_principal, uow

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Gebruikersnaam", validators=[
        DataRequired("Vul uw gebruikersnaam in."), Length(max=80)])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")])


def safe_next(target: str | None) -> str | None:
    """A path on this site to go on to, or None. Browsers read '//host', '/\\host' and
    '/<tab>/host' as another site, so backslashes and control characters never pass."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc:
        return None
    return target


def landing_for_current() -> str:
    principal = current_principal()
    if principal is None:
        return url_for("resident.services")
    if principal.works_tasks:
        return url_for("work.inbox")
    if principal.has_role("designer"):
        return url_for("designer.models")
    if principal.has_role("clerk"):
        return url_for("work.counter")
    return url_for("resident.services")


@bp.route("/inloggen", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            principal = accounts.authenticate(
                uow(), form.username.data or "", form.password.data or "",
                request.remote_addr, current_app.extensions["maatwerk.settings"].login_limit)
        except TooManyAttempts as exc:
            return render_template(
                "error.html", status=429, title="Te veel pogingen",
                message="Te veel pogingen om in te loggen met dit account. Probeer het over "
                        f"{exc.retry_after // 60 + 1} minuten opnieuw."), 429, {
                "Retry-After": str(exc.retry_after)}
        if principal is not None:
            session.clear()
            session["sid"] = staff_sessions.begin(uow(), principal.username)
            g.pop("principal", None)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or landing_for_current())
        failed = True
    return render_template("auth/login.html", form=form, failed=failed,
                           title="Inloggen"), (401 if failed else 200)


@bp.post("/uitloggen")
def logout() -> Response:
    if secret := session.get("sid"):
        staff_sessions.end(uow(), secret)
    session.clear()
    return redirect(url_for("resident.services"))
