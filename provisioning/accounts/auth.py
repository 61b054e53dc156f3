"""Authentication of API requests and the role rules every route declares.

Every route under /api/v1 needs a bearer token unless it is marked ``@public``. A route states
who may call it with ``@roles(...)``; the caller's tenant scoping is done by the services
(``common.api.tenant_filter``/``get_owned``). An account whose password is older than its
tenant's forced-change interval may only call routes marked ``@allowed_with_expired_password``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request

from provisioning.accounts.models import Account, Role
from provisioning.accounts.tokens import account_for_token
from provisioning.common.models import utcnow
from provisioning.context import Actor, current_actor, reset_actor, set_actor
from provisioning.errors import Forbidden, Unauthenticated
from provisioning.extensions import db

TENANT_ROLES = (Role.SUPERADMIN, Role.ADMIN, Role.USER)
ADMINS = (Role.OPERATOR, Role.SUPERADMIN, Role.ADMIN)


def public(fn: Callable) -> Callable:
    fn._public = True  # type: ignore[attr-defined]
    return fn


def allowed_with_expired_password(fn: Callable) -> Callable:
    fn._expired_ok = True  # type: ignore[attr-defined]
    return fn


def require(*allowed: Role) -> None:
    """Inside a route, after the object was looked up in the caller's tenant: another tenant's
    object is a 404 before any role is checked."""
    if current_actor().role not in {r.value for r in allowed}:
        raise Forbidden("Your role may not do this")


def roles(*allowed: Role) -> Callable:
    """Only these roles may call the route (403 for the others). For routes on one object use
    ``require`` after the lookup instead, so that another tenant's object is a 404 first."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any):
            require(*allowed)
            return fn(*args, **kwargs)

        wrapper._roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorate


def password_expires_at(account: Account) -> dt.datetime | None:
    tenant = account.tenant
    if tenant is None or not tenant.password_max_age_days:
        return None
    return account.password_changed_at + dt.timedelta(days=tenant.password_max_age_days)


def password_expired(account: Account) -> bool:
    expires = password_expires_at(account)
    return expires is not None and expires <= utcnow()


def actor_for(account: Account, via: str = "api") -> Actor:
    return Actor(
        label=account.username,
        via=via,
        account_id=account.id,
        role=account.role.value,
        tenant_id=account.tenant_id,
    )


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        return None
    return value.strip()


def _authenticate() -> None:
    if not request.path.startswith("/api/"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    # The OpenAPI document describes the API; it holds no data, so it needs no token.
    if (
        view is None
        or getattr(view, "_public", False)
        or (request.endpoint or "").startswith("api-docs.")
    ):
        return
    clear = _bearer()
    found = account_for_token(clear) if clear else None
    if found is None:
        raise Unauthenticated(
            "A valid bearer token is required (POST /api/v1/auth/tokens)",
            headers={"WWW-Authenticate": 'Bearer realm="provisioning"'},
        )
    account, token = found
    g.account, g.token = account, token
    g.actor_token = set_actor(actor_for(account))
    if password_expired(account) and not getattr(view, "_expired_ok", False):
        raise Forbidden(
            "Your password has expired; change it first (PUT /api/v1/me/password)",
            error_id="password_change_required",
        )


def _release(exc: BaseException | None = None) -> None:
    token = g.pop("actor_token", None)
    if token is not None:
        reset_actor(token)


def current_account() -> Account:
    account = g.get("account")
    if account is None:
        raise Unauthenticated("not signed in")
    return account


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)
    app.teardown_request(_release)
    _ = db  # the session is the request's; nothing to bind here
