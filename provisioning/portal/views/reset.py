"""Forgotten passwords: a link by mail that works once, for a while."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, url_for

from provisioning.context import Actor, acting_as
from provisioning.errors import NotFound, ValidationFailed
from provisioning.portal import mail, resets
from provisioning.portal.blueprint import bp
from provisioning.portal.forms import FAILURES, problem
from provisioning.portal.i18n import gettext as _
from provisioning.portal.i18n import translated

log = logging.getLogger(__name__)


def _mailer(outgoing: resets.Outgoing, config: dict, base_url: str):
    """Sends the link after the answer went out (and so after the commit)."""

    def send() -> None:
        link = f"{base_url.rstrip('/')}/portal/reset/{outgoing.token}"
        lang = outgoing.language if outgoing.language in ("de", "en") else "en"
        minutes = int(config["PASSWORD_RESET_TTL_SECONDS"]) // 60
        try:
            mail.send(config, outgoing.to, translated(lang, "Your password reset"), translated(
                lang, "Hello {name},\n\nto choose a new password, open this link within "
                      "{minutes} minutes. It works once.\n\n{link}\n\nIf you did not ask for "
                      "it, ignore this mail: your password stays as it is.\n",
                name=outgoing.username, minutes=minutes, link=link))
        except (OSError, mail.MailNotConfigured) as exc:
            # Never the link: it is a password for the next hour.
            log.error("password-reset mail to account %s not sent: %s", outgoing.username, exc)

    return send


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "GET":
        return render_template("portal/reset_request.html", sent=False)
    with acting_as(Actor(label="password reset", via="portal")):
        outgoing = resets.request_reset(request.form.get("name", ""))
    response = current_app.make_response(render_template("portal/reset_request.html", sent=True))
    if outgoing is not None:
        config = dict(current_app.config)
        response.call_on_close(_mailer(outgoing, config, config["PUBLIC_BASE_URL"]))
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_confirm(token: str):
    try:
        resets.valid_reset(token)
    except NotFound:
        return render_template("portal/reset_invalid.html"), 404
    error, status = None, 200
    if request.method == "POST":
        new = request.form.get("new_password", "")
        try:
            if new != request.form.get("new_password_again", ""):
                raise ValidationFailed("The two new passwords differ",
                                       error_id="password_mismatch")
            with acting_as(Actor(label="password reset by mail", via="portal")):
                resets.complete_reset(token, new)
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            flash(_("Your password has been changed. Sign in with it."), "success")
            return redirect(url_for("portal.login"))
    return render_template("portal/reset_confirm.html", token=token, error=error), status
