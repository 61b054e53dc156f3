"""provisioning: phones fetch their configuration here; admins run their fleet from here."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_instance_path() -> str:
    return os.environ.get("PROVISIONING_INSTANCE", str(REPO_ROOT / "instance"))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application, step by step; tests pass a mapping of overrides."""
    from provisioning import api, database, errors, health, logs
    from provisioning.accounts import auth
    from provisioning.common import scoping
    from provisioning.config import build_config
    from provisioning.crypto import SecretBox
    from provisioning.extensions import db, migrate
    from provisioning.instance import create_secrets, load_ca_pem, load_secrets
    from provisioning.journal import recorder
    from provisioning.phones import invalidation
    from provisioning.phones import routes as phone_routes
    from provisioning.phones.store import RenderStore
    from provisioning.portal import init_app as init_portal
    from provisioning.sipcore.resync import install as install_sip_resync
    from provisioning.sipcore.sync import install as install_sip_sync

    settings = build_config(config)
    instance_path = settings.pop("INSTANCE_PATH", None) or default_instance_path()
    app = Flask(
        "provisioning", instance_path=instance_path, root_path=str(REPO_ROOT / "provisioning")
    )
    app.config.update(settings)

    # 1. logging first, so that everything below can say what went wrong
    logs.configure_logging(app.config["LOG_LEVEL"], bool(app.config["LOG_JSON"]))
    logs.init_app(app)  # access log; engine options that keep SQL parameters out of logs

    # 2. secrets: development creates them, production refuses to run without them
    if app.config["ENV"] != "production":
        create_secrets(app.instance_path)
    secrets = load_secrets(app.instance_path)
    app.extensions["provisioning.secrets"] = SecretBox(
        secrets.encryption_keys,
        secrets.url_key,
        reload=lambda: load_secrets(app.instance_path).encryption_keys,
    )

    # 3. database: the embedded SQLite file in the instance folder unless configured
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'provisioning.sqlite'}"
        )
    import provisioning.models  # noqa: F401 - the whole schema, for Alembic and the journal

    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    from sqlalchemy.orm import Session

    recorder.install(Session)

    # 4. phones: our CA's certificate (given to phones), the render store, and re-rendering a
    #    device's files in the transaction of every change that affects them
    app.extensions["provisioning.ca_pem"] = load_ca_pem(app.instance_path)
    store_path = (
        app.config.get("RENDER_STORE_PATH") or Path(app.instance_path) / "render-store.sqlite"
    )
    app.extensions["provisioning.render_store"] = RenderStore(store_path)
    invalidation.install(Session)
    # the SIP core: subscribers follow SIP accounts, changed configurations re-sync phones
    install_sip_sync(Session)
    install_sip_resync(Session)

    # 5. HTTP: errors, authentication, the API and the probes
    api.init_app(app)
    errors.register_error_handlers(app)
    auth.init_app(app)
    scoping.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(phone_routes.bp)  # /p/<secret>/<file>: the phones, not under /api
    init_portal(app)  # /portal: the web portal (HTML, a session cookie, CSRF on every form)
    return app
