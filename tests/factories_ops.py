"""Helpers for the operations tests: databases of their own, committed data.

Integration tests that commit (backup, jobs, the CLI) cannot use the rolled-back ``app`` fixture;
they get a fresh database per module or test from ``fresh_database`` instead: a SQLite file in a
temporary folder, or a PostgreSQL database ``provisioning_test_<random>`` on the test server,
dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from provisioning.extensions import db
from tests.conftest import _pg_admin_url, make_test_app


@contextlib.contextmanager
def fresh_database(backend: str, tmp: Path) -> Iterator[str]:
    """The URL of a new, empty database of that kind."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'db-{secrets.token_hex(4)}.sqlite'}"
        return
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"provisioning_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is mandatory under CI=true and unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable (set TEST_DATABASE_URL)")
    try:
        yield _pg_admin_url().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextlib.contextmanager
def committed_app(tmp: Path, database_url: str, **overrides) -> Iterator[object]:
    """An application on its own migrated database; changes commit for real."""
    app = make_test_app(tmp, database_url, **overrides)
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
