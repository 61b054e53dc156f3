"""Password reset by mail: a random link that works once and for PASSWORD_RESET_TTL_SECONDS.

Only the link's SHA-256 is stored. Asking for a link gives the same answer whether or not an
account exists, has an address, or was sent a link a moment ago; the mail goes out after the
answer (``response.call_on_close``), so the answer's timing does not tell either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, or_, select

from provisioning.accounts import policy, throttle
from provisioning.accounts.models import Account
from provisioning.accounts.tokens import revoke_all_tokens
from provisioning.common.models import utcnow
from provisioning.errors import NotFound
from provisioning.extensions import db
from provisioning.portal.models import PasswordReset

log = logging.getLogger(__name__)

# A second link for the same account within this time is not sent (no mail bombing).
COOLDOWN = dt.timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Outgoing:
    """A link to mail once the request's transaction is committed."""

    to: str
    token: str
    username: str
    language: str | None


def request_reset(name_or_address: str) -> Outgoing | None:
    """A new link for the account with this username or e-mail address, if there is one with
    an address and none was sent within the cool-down. The caller answers the same either way."""
    needle = name_or_address.strip().lower()
    if not needle or len(needle) > 254:
        return None
    accounts = db.session.execute(select(Account).where(or_(
        func.lower(Account.username) == needle, func.lower(Account.email) == needle,
    )).order_by(Account.id)).scalars().all()
    account = accounts[0] if len(accounts) == 1 else None  # an address two accounts share: none
    if account is None or not account.email:
        return None
    now = utcnow()
    recent = db.session.execute(select(PasswordReset.id).where(
        PasswordReset.account_id == account.id, PasswordReset.created_at > now - COOLDOWN,
    )).first()
    if recent is not None:
        return None
    # Only the newest link works: the ones before are dropped.
    db.session.execute(delete(PasswordReset).where(PasswordReset.account_id == account.id))
    token = secrets.token_urlsafe(32)
    ttl = int(current_app.config["PASSWORD_RESET_TTL_SECONDS"])
    db.session.add(PasswordReset(account_id=account.id, token_hash=_hash(token), created_at=now,
                                 expires_at=now + dt.timedelta(seconds=ttl)))
    db.session.flush()
    return Outgoing(account.email, token, account.username, account.language)


def valid_reset(token: str) -> PasswordReset:
    """The unused, unexpired reset of this link, else NotFound."""
    if not token or len(token) > 100:
        raise NotFound("reset link")
    row = db.session.execute(select(PasswordReset).where(
        PasswordReset.token_hash == _hash(token))).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound("reset link")
    return row


def complete_reset(token: str, new_password: str) -> Account:
    """Set the new password (the tenant's policy applies), spend the link, end every session
    and lift the account's failed-login count."""
    row = valid_reset(token)
    account = db.session.get(Account, row.account_id)
    if account is None:
        raise NotFound("reset link")
    policy.check_password(new_password, account.tenant, [account.username, account.email])
    policy.set_password(account, new_password)
    row.used_at = utcnow()
    revoke_all_tokens(account.id)
    throttle.reset(throttle.keys_for(account.username, None)[0])
    db.session.flush()
    return account
