"""The REST API under /api/v1: one flask-smorest Api, the feature blueprints registered once."""

from __future__ import annotations

import importlib

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Api

# Each feature's routes module exposes ``blp``; the order is the order of the OpenAPI document.
FEATURE_ROUTES = (
    "provisioning.accounts.routes",
    "provisioning.tenants.routes",
    "provisioning.employees.routes",
    "provisioning.numbers.routes",
    "provisioning.sites.routes",
    "provisioning.devices.routes",
    "provisioning.contacts.routes",
    "provisioning.journal.routes",
    "provisioning.sipcore.routes",
    "provisioning.provisioning_admin.routes",
    "provisioning.discovery.routes",
)



def _schema_name(schema) -> str | None:
    """Component names: the class name without 'Schema'; a partial variant is '...Patch'."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type):
        if schema.partial:
            name += "Patch"
        if schema.only or schema.exclude:
            return None  # inline: a one-off projection
    return name


api = Api(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name)})


def init_app(app: Flask) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    })
    api.init_app(app)
    for name in FEATURE_ROUTES:
        module = importlib.import_module(name)
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.blp.url_prefix or ''}")
