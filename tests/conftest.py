"""Fixtures: an application per database backend, a rolled-back transaction per test.

Tests that touch the database take the ``app`` (or ``client``) fixture and run twice: on a fresh
SQLite file and on a fresh PostgreSQL database made for this run (``TEST_DATABASE_URL``, default
postgresql://postgres@127.0.0.1:5432/postgres, names the server; the run creates and drops its
own database there). Without a reachable PostgreSQL the PostgreSQL half is skipped, except under
CI=true, where it fails. Both databases are built with ``upgrade head``: migrations are the schema.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings

from provisioning import create_app
from provisioning.extensions import db
from provisioning.phones.store import RenderStore

hypothesis_settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

PG_SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_url() -> sa.URL:
    url = sa.make_url(PG_SERVER_URL)
    return url.set(drivername="postgresql+psycopg")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"provisioning_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is mandatory under CI=true and unreachable: {exc}")
        yield None
        return
    try:
        yield _pg_admin_url().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_test_app(tmp: Path, database_url: str, **overrides) -> object:
    config = {
        "ENV": "development",
        "INSTANCE_PATH": str(tmp / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "LOG_LEVEL": "WARNING",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_app(request, tmp_path_factory):
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"app-{backend}")
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'test.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database")
        if url is None:
            pytest.skip("PostgreSQL not reachable (set TEST_DATABASE_URL)")
    app = make_test_app(tmp, url)
    app.db_backend = backend  # type: ignore[attr-defined]
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class _TestSession(sa.orm.Session):
    """Flask-SQLAlchemy's Session ignores a session-level bind; the plain one honours it."""

    def __init__(self, db=None, **kwargs):  # noqa: ARG002 - Flask-SQLAlchemy passes db=
        super().__init__(**kwargs)


@pytest.fixture
def app(migrated_app, tmp_path):
    """The application, with every test's changes rolled back afterwards (SQLAlchemy's
    "joining a session into an external transaction" recipe)."""
    with migrated_app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    # A render store of its own per test: the outer transaction is rolled back, the store is not.
    stores = migrated_app.extensions
    original_store = stores["provisioning.render_store"]
    stores["provisioning.render_store"] = RenderStore(tmp_path / "render-store.sqlite")
    db.session = db._make_scoped_session(
        {"class_": _TestSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    try:
        yield migrated_app
    finally:
        with migrated_app.app_context():
            db.session.remove()
        db.session = original
        stores["provisioning.render_store"].close()
        stores["provisioning.render_store"] = original_store
        outer.rollback()
        connection.close()


@pytest.fixture
def db_backend(app) -> str:
    return app.db_backend
