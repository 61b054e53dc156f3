"""The portal's blueprint: who is signed in, CSRF on every form, the forced password change,
role gates, and HTML answers for errors (the API's are JSON)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from provisioning.accounts import policy
from provisioning.accounts.auth import (
    ADMINS,
    actor_for,
    password_expired,
    password_expires_at,
    require,
)
from provisioning.accounts.models import Role
from provisioning.accounts.tokens import account_for_token
from provisioning.context import set_actor
from provisioning.errors import DomainError, Forbidden, NotFound
from provisioning.portal import i18n

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates",
               static_folder="static")
csrf = CSRFProtect()

# Pages anyone may open; every other one needs a signed-in account.
PUBLIC = frozenset({"portal.login", "portal.static", "portal.reset_request",
                    "portal.reset_confirm", "portal.language_choice"})
# Pages an account whose password has expired may still open: it must change it first.
EXPIRED_OK = frozenset({"portal.password", "portal.logout"})

SESSION_TOKEN = "token"  # noqa: S105 - the session key's name, not a secret


@bp.before_request
def _sign_in_and_protect():
    # Nothing of another request may be taken for this one's: an application context (and so
    # ``g``) can span several requests where one was pushed around them (the test client).
    for name in ("account", "token", "csrf_token", "lang"):
        g.pop(name, None)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # a form posted without its token is refused (400) before anything else
    g.account = None
    clear = session.get(SESSION_TOKEN)
    found = account_for_token(clear) if clear else None
    if found is None and clear:
        session.pop(SESSION_TOKEN, None)  # expired or revoked (logout, password change)
    if found is not None:
        g.account, g.token = found
        g.actor_token = set_actor(actor_for(g.account, via="portal"))
    i18n.choose_language()
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC:
        return None
    if g.account is None:
        return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
    if password_expired(g.account) and endpoint not in EXPIRED_OK:
        return redirect(url_for("portal.password"))
    return None


@bp.after_request
def _headers(response):
    # Everything the portal loads is its own; no inline script, no framing.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "portal.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def admin_only(fn: Callable) -> Callable:
    """Pages of a tenant's administration: a user gets 403, as from the API's collections."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        require(*ADMINS)
        return fn(*args, **kwargs)

    return wrapper


def operator_only(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        require(Role.OPERATOR)
        return fn(*args, **kwargs)

    return wrapper


def _error_page(status: int, title: str, message: str):
    return render_template("portal/error.html", status=status, title=title,
                           message=message), status


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError):
    return _error_page(400, i18n.gettext("The form has expired"),
                       i18n.gettext("The form was sent without a valid security token. "
                                    "Go back, reload the page and send it again."))


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    return _error_page(403, i18n.gettext("Not allowed"), i18n.error_message(exc))


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return _error_page(404, i18n.gettext("Not found"), i18n.error_message(exc))


@bp.errorhandler(DomainError)
def _domain(exc: DomainError):
    return _error_page(exc.status, i18n.gettext("That did not work"), i18n.error_message(exc))


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    code = exc.code or 500
    if code == 404:
        return _error_page(404, i18n.gettext("Not found"),
                           i18n.gettext("There is no such page."))
    return _error_page(code, exc.name, exc.description or exc.name)


@bp.app_template_global()
def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (pagination, filters)."""
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint or "portal.home", **args)


@bp.context_processor
def _password_warning() -> dict[str, Any]:
    account = g.get("account")
    if account is None or not policy.expiry_warning(account):
        return {"password_warning": None}
    expires = password_expires_at(account)
    return {"password_warning": expires.date().isoformat() if expires else None}
