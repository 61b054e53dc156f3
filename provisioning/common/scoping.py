"""Tenant isolation by construction: every object id in an API URL is checked before the view.

Each ``<int:..._id>`` parameter of an /api/v1 route names a model here. Before any view runs
(and so before body validation or role checks), an id that does not exist in the caller's
tenant is answered 404, the same as one that does not exist at all. A route with an id parameter
this table does not know is a programming error (500), so that a new route cannot skip the check.
Per-object rules finer than the tenant (a user sees only their own things) stay in the services.
"""

from __future__ import annotations

from flask import Flask, request
from sqlalchemy import select

from provisioning.context import current_actor
from provisioning.errors import NotFound
from provisioning.extensions import db


def _models() -> dict[str, type]:
    from provisioning import models as m
    from provisioning.contacts.models import Contact

    return {
        "tenant_id": m.Tenant,
        "account_id": m.Account,
        "employee_id": m.Employee,
        "number_id": m.PhoneNumber,
        "site_id": m.Site,
        "network_id": m.Network,
        "device_id": m.Device,
        "group_id": m.ContactGroup,
        "contact_id": Contact,
        "unrecognised_id": m.UnrecognisedDevice,
    }


class UnscopedParameter(RuntimeError):
    pass


def visible(model: type, object_id: int) -> bool:
    actor = current_actor()
    if model.__tablename__ == "tenants":
        if actor.is_operator:
            return db.session.get(model, object_id) is not None
        return object_id == actor.tenant_id
    stmt = select(model.id).where(model.id == object_id)
    if not actor.is_operator:
        stmt = stmt.where(
            model.tenant_id == (actor.tenant_id if actor.tenant_id is not None else -1)
        )
    return db.session.execute(stmt).first() is not None


def _preflight() -> None:
    if not request.path.startswith("/api/") or not request.view_args:
        return
    models = _models()
    for name, value in request.view_args.items():
        if not name.endswith("_id"):
            continue
        model = models.get(name)
        if model is None:
            raise UnscopedParameter(f"route parameter {name!r} has no tenant scope rule")
        if not visible(model, value):
            raise NotFound(model.__tablename__.rstrip("s").replace("_", " "))


def id_parameters() -> frozenset[str]:
    return frozenset(_models())


def init_app(app: Flask) -> None:
    # After authentication (registered before), before the view.
    app.before_request(_preflight)
