"""Helpers for the accounts and sign-in tests (they commit, like tests/factories.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select

from provisioning.accounts.models import Account, ApiToken, AuthFailure
from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import STRONG_PASSWORD

ANOTHER_STRONG_PASSWORD = "Violet-Lantern-Orbit-Marmalade-77"  # noqa: S105 - test data


def login(client, username: str, password: str = STRONG_PASSWORD, addr: str = "192.0.2.10"):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def age_password(account: Account, days: int) -> None:
    account.password_changed_at = utcnow() - dt.timedelta(days=days)
    db.session.commit()


def tokens_of(account_id: int) -> list[ApiToken]:
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.account_id == account_id)).scalars())


def failure_row(key: str) -> AuthFailure | None:
    db.session.expire_all()
    return db.session.get(AuthFailure, key)


def rewind_last_failure(key: str, seconds: float) -> None:
    """As if the key's last failure had happened that many seconds earlier."""
    row = db.session.get(AuthFailure, key)
    assert row is not None
    row.last_failure_at -= dt.timedelta(seconds=seconds)
    db.session.commit()


def end_lock(key: str) -> None:
    row = db.session.get(AuthFailure, key)
    assert row is not None and row.locked_until is not None
    row.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()


def journal(action: str, object_type: str = "accounts") -> list[JournalEntry]:
    db.session.expire_all()
    return list(db.session.execute(
        select(JournalEntry).where(JournalEntry.action == action,
                                   JournalEntry.object_type == object_type)
        .order_by(JournalEntry.id)).scalars())


@contextlib.contextmanager
def config(app, **values) -> Iterator[None]:
    """Set app.config values for the block and restore them afterwards."""
    saved = {key: app.config[key] for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(saved)
