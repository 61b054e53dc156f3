"""The web portal under /portal: admins run their fleet, employees help themselves, operators
manage tenants. Server-rendered (Jinja), on the same services as the REST API; every form carries
a CSRF token, the session cookie holds an API token of the signed-in account (so logging out,
a password change and the token lifetime end a portal session exactly as an API one).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, redirect, url_for

from provisioning.instance import load_secrets


def _session_key(instance_path: str) -> bytes:
    # Derived from the instance's URL key with a label of its own: nothing new to create, back
    # up or leak, and never a fallback value; rotating the URL key signs everyone out.
    url_key = load_secrets(instance_path).url_key
    return hmac.new(url_key, b"portal-session-cookie", hashlib.sha256).digest()


def init_app(app: Flask) -> None:
    from provisioning.portal import i18n, views
    from provisioning.portal.blueprint import bp, csrf

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _session_key(app.instance_path)
    https = str(app.config["PUBLIC_BASE_URL"]).startswith("https://")
    secure = app.config.get("PORTAL_COOKIE_SECURE")
    app.config.update(
        SESSION_COOKIE_NAME="provisioning_portal",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https if secure is None else bool(secure),
        PERMANENT_SESSION_LIFETIME=int(app.config["TOKEN_TTL_SECONDS"]),
        # Only the portal's forms are checked (its before_request); the API uses bearer tokens.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(app.config["TOKEN_TTL_SECONDS"]),
    )
    csrf.init_app(app)
    i18n.init_app(app)
    views.load()
    app.register_blueprint(bp)
    app.add_url_rule("/", "portal_root", lambda: redirect(url_for("portal.home")))
