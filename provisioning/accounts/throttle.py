"""Failed-login throttling, counted in the database so that every worker and instance agrees.

Two keys are counted per attempt: ``user:<name as typed, lower-cased>`` and ``addr:<client ip>``.
Both are counted whether or not the account exists, so the answers never tell.

Within ``LOGIN_FAILURE_WINDOW_SECONDS`` of a key's first failure:
- after ``LOGIN_SLOWDOWN_AFTER`` failures, an attempt sooner than 2**(n - LOGIN_SLOWDOWN_AFTER)
  seconds after the last failure is refused (429 ``login_throttled``, Retry-After);
- at ``LOGIN_LOCK_AFTER`` failures the key is locked for ``LOGIN_LOCK_SECONDS`` (429
  ``login_locked``, Retry-After) and the lock is journaled.
Refused attempts are not counted and never reach the password check. Nobody sleeps on the
server: the client is told when to come back.
"""

from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from provisioning.accounts.models import Account, AuthFailure
from provisioning.common.models import utcnow
from provisioning.errors import TooManyRequests
from provisioning.extensions import db
from provisioning.journal import recorder


def keys_for(username: str, addr: str | None) -> list[str]:
    # The column holds 200 characters; usernames are at most 150 and addresses are short.
    return [f"user:{username.strip().lower()}"[:200], f"addr:{addr or 'unknown'}"[:200]]


def _cfg(name: str) -> int:
    return int(current_app.config[name])


def _fresh(row: AuthFailure, now: dt.datetime) -> bool:
    """Whether the row's count still applies: its window is open and no lock has run out."""
    if row.locked_until is not None:
        return now < row.locked_until
    return now < row.window_start + dt.timedelta(seconds=_cfg("LOGIN_FAILURE_WINDOW_SECONDS"))


def _retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def _wait(row: AuthFailure, now: dt.datetime) -> tuple[str, float] | None:
    """(error_id, seconds to wait) when this key may not try now, else None."""
    if not _fresh(row, now):
        return None
    if row.locked_until is not None:
        return "login_locked", (row.locked_until - now).total_seconds()
    over = row.failures - _cfg("LOGIN_SLOWDOWN_AFTER")
    if over < 0:
        return None
    earliest = row.last_failure_at + dt.timedelta(seconds=2**over)
    if now < earliest:
        return "login_throttled", (earliest - now).total_seconds()
    return None


def refused(error_id: str, seconds: float) -> TooManyRequests:
    if error_id == "login_locked":
        message = "Too many failed logins; signing in is refused for a while"
    else:
        message = "Too many failed logins; wait before trying again"
    return TooManyRequests(message, error_id=error_id,
                           headers={"Retry-After": _retry_after(seconds)})


def check(keys: list[str]) -> None:
    """Raise 429 if any key must wait; the longest wait is the one the client is told."""
    now = utcnow()
    waits = []
    for key in keys:
        row = db.session.get(AuthFailure, key)
        if row is not None and (wait := _wait(row, now)) is not None:
            waits.append(wait)
    if waits:
        # A lock outranks a slow-down: it is the longer and the more useful thing to say.
        raise refused(*max(waits, key=lambda w: (w[0] == "login_locked", w[1])))


def _locked_row(key: str) -> AuthFailure:
    """The key's row, created if missing and locked against concurrent workers.

    The first statement is a write (an insert that does nothing when the row exists): SQLite
    waits for the write lock then, instead of failing to upgrade a stale read; and two workers
    creating the same key cannot collide. FOR UPDATE then holds the row on PostgreSQL."""
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(AuthFailure)
        .values(key=key, failures=0, window_start=now, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = db.session.get(AuthFailure, key, with_for_update=True, populate_existing=True)
    assert row is not None
    return row


def record_failure(keys: list[str], account: Account | None) -> tuple[str, float] | None:
    """Count one failure on every key. Returns ("login_locked", seconds) when this failure locked
    a key. The caller commits: the count must survive the request's 401."""
    now = utcnow()
    lock: tuple[str, float] | None = None
    for key in keys:
        row = _locked_row(key)
        if not _fresh(row, now) or row.failures == 0:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= _cfg("LOGIN_LOCK_AFTER"):
            row.locked_until = now + dt.timedelta(seconds=_cfg("LOGIN_LOCK_SECONDS"))
            lock = ("login_locked", float(_cfg("LOGIN_LOCK_SECONDS")))
            _journal_lock(key, row, account)
    db.session.flush()
    return lock


def _journal_lock(key: str, row: AuthFailure, account: Account | None) -> None:
    # A user key of an existing account is journaled on that account, so its tenant's admins
    # see it; an unknown name or an address only concerns the operators.
    own = account if key.startswith("user:") else None
    recorder.record(
        db.session(), action="login_locked", object_type="accounts",
        object_id=own.id if own else None, tenant_id=own.tenant_id if own else None,
        changes={"key": key, "failures": row.failures,
                 "locked_until": row.locked_until.isoformat() if row.locked_until else None},
    )


def reset(key: str) -> None:
    db.session.execute(delete(AuthFailure).where(AuthFailure.key == key))
