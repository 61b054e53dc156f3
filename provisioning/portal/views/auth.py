"""Signing in and out, the forced password change, and the first page after signing in."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for

from provisioning.accounts import policy, sessions
from provisioning.accounts.models import Role
from provisioning.errors import DomainError
from provisioning.phones.proxy import client_view
from provisioning.portal import i18n
from provisioning.portal.blueprint import SESSION_TOKEN, bp
from provisioning.portal.forms import FAILURES, problem
from provisioning.portal.i18n import gettext as _


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host): a login link cannot send people away."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/portal") or "\\" in target:
        return None
    return target


@bp.route("/")
def home():
    role = g.account.role
    if role is Role.OPERATOR:
        return redirect(url_for("portal.tenants"))
    if role is Role.USER:
        return redirect(url_for("portal.my_devices"))
    return redirect(url_for("portal.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.account is not None and request.method == "GET":
        return redirect(url_for("portal.home"))
    error, status = None, 200
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:150]
        password = request.form.get("password", "")[:1024]
        try:
            if not username or not password:
                raise DomainError("Enter your username and password",
                                  error_id="invalid_credentials", details={})
            answer = sessions.log_in(username, password, client_view().addr)
        except DomainError as exc:
            error, status = problem(exc), exc.status
            if exc.error_id == "invalid_credentials":
                status = 401
        else:
            # A new session: nothing from before the login survives (session fixation).
            lang = session.get(i18n.SESSION_LANGUAGE)
            session.clear()
            session.permanent = True
            session[SESSION_TOKEN] = answer["token"]
            if lang:
                session[i18n.SESSION_LANGUAGE] = lang
            if answer["password_change_required"]:
                return redirect(url_for("portal.password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("portal.home"))
    return render_template("portal/login.html", error=error, username=username), status


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.log_out()
    lang = session.get(i18n.SESSION_LANGUAGE)
    session.clear()
    if lang:
        session[i18n.SESSION_LANGUAGE] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("portal.login"))


@bp.route("/language", methods=["POST"])
def language_choice():
    """Before signing in (or for this browser only): the account's own choice is on /me."""
    code = request.form.get("language", "")
    if code in i18n.LANGUAGES:
        session[i18n.SESSION_LANGUAGE] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("portal.login"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    account = g.account
    error, status = None, 200
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        try:
            if new != request.form.get("new_password_again", ""):
                raise DomainError("The two new passwords differ", error_id="password_mismatch",
                                  details={"fields": {"new_password_again": ["differs"]}})
            answer = sessions.change_own_password(current, new, client_view().addr)
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            # Every session of the account ended; this browser continues with the fresh one.
            session[SESSION_TOKEN] = answer["token"]
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("portal.home"))
    return render_template(
        "portal/password.html", error=error, required=policy.change_required(account),
        policy=policy.describe(account.tenant)), status
