"""Signing in and out, and the signed-in account's own password.

A wrong password and an unknown name get the same answer, after the same work (a hash check
against a dummy hash), and both are counted by the throttle.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import g
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from provisioning.accounts import policy, throttle
from provisioning.accounts.auth import current_account, password_expires_at
from provisioning.accounts.models import Account, ApiToken
from provisioning.accounts.tokens import issue_token, revoke_all_tokens, revoke_token
from provisioning.common.models import utcnow
from provisioning.context import Actor, acting_as
from provisioning.errors import Forbidden, Unauthenticated, ValidationFailed
from provisioning.extensions import db


@functools.cache
def _dummy_hash() -> str:
    # Made on first use (nothing runs at import time), with the same method as real hashes so
    # that an unknown name costs as much time as a known one.
    return generate_password_hash("not-a-password-anyone-has")


def find_account(username: str) -> Account | None:
    """Usernames are unique regardless of case, so a login may type them in any case."""
    return db.session.execute(
        select(Account).where(func.lower(Account.username) == username.strip().lower())
    ).scalar_one_or_none()


def _session_answer(account: Account, clear: str, token: ApiToken) -> dict[str, Any]:
    return {
        "token": clear,
        "expires_at": token.expires_at,
        "password_expires_at": password_expires_at(account),
        "password_expiry_warning": policy.expiry_warning(account),
        "password_change_required": policy.change_required(account),
    }


def _new_session(account: Account) -> dict[str, Any]:
    # Expired tokens of this account are dropped here: housekeeping where it costs nothing.
    db.session.execute(delete(ApiToken).where(
        ApiToken.account_id == account.id, ApiToken.expires_at <= utcnow()))
    clear, token = issue_token(account)
    return _session_answer(account, clear, token)


def _end_read_snapshot() -> None:
    """Called after the slow hash check, before the first write. On SQLite a transaction that
    has only read cannot start writing once another worker has committed meanwhile ("database is
    locked" at once, no busy wait); a fresh transaction whose first statement writes just waits
    its turn. Nothing is pending here, so this commit only ends the read."""
    db.session.commit()


def log_in(username: str, password: str, addr: str | None) -> dict[str, Any]:
    keys = throttle.keys_for(username, addr)
    throttle.check(keys)
    account = find_account(username)
    ok = account is not None and policy.verify_password(account, password)
    if account is None:
        check_password_hash(_dummy_hash(), password)  # the same work as a known name
    _end_read_snapshot()
    if account is None or not ok:
        with acting_as(Actor(label=f"login from {addr or 'unknown'}", via="api")):
            lock = throttle.record_failure(keys, account)
        # The count must outlive this request, which answers with an error (and so rolls back).
        db.session.commit()
        if lock is not None:
            raise throttle.refused(*lock)
        raise Unauthenticated("Wrong username or password", error_id="invalid_credentials")
    throttle.reset(keys[0])
    return _new_session(account)


def log_out() -> None:
    token = g.get("token")
    if token is None:
        raise Unauthenticated("not signed in")
    revoke_token(token)
    db.session.flush()


def update_me(data: dict[str, Any]) -> Account:
    account = current_account()
    for key in ("email", "language"):
        if key in data:
            setattr(account, key, data[key])
    db.session.flush()
    return account


def change_own_password(current: str, new: str, addr: str | None) -> dict[str, Any]:
    """Knowing the current password is required (a stolen token alone cannot take the account
    over), and wrong guesses count like failed logins. Every session ends; the answer carries a
    fresh token so that this client continues."""
    account = current_account()
    keys = throttle.keys_for(account.username, addr)
    throttle.check(keys)
    if not policy.verify_password(account, current):
        _end_read_snapshot()
        lock = throttle.record_failure(keys, account)
        db.session.commit()
        if lock is not None:
            raise throttle.refused(*lock)
        raise Forbidden("The current password is wrong", error_id="invalid_current_password")
    if current == new:
        raise ValidationFailed(
            "The new password must differ from the current one", error_id="password_unchanged",
            details={"fields": {"new_password": ["must differ from the current password"]}},
        )
    policy.check_password(new, account.tenant, [account.username, account.email])
    _end_read_snapshot()
    policy.set_password(account, new)
    revoke_all_tokens(account.id)
    db.session.flush()
    return _new_session(account)
