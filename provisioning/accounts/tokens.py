"""Bearer tokens: random, shown once, stored as SHA-256, expiring, revoked on credential change."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select

from provisioning.accounts.models import Account, ApiToken
from provisioning.common.models import utcnow
from provisioning.extensions import db


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(account: Account) -> tuple[str, ApiToken]:
    clear = "pv_" + secrets.token_urlsafe(32)
    ttl = int(current_app.config["TOKEN_TTL_SECONDS"])
    row = ApiToken(account_id=account.id, token_hash=_hash(clear),
                   expires_at=utcnow() + dt.timedelta(seconds=ttl))
    db.session.add(row)
    db.session.flush()
    return clear, row


def account_for_token(clear: str) -> tuple[Account, ApiToken] | None:
    if not clear or len(clear) > 200:
        return None
    row = db.session.execute(
        select(ApiToken, Account).join(Account, Account.id == ApiToken.account_id)
        .where(ApiToken.token_hash == _hash(clear))
    ).first()
    if row is None:
        return None
    token, account = row
    if token.expires_at <= utcnow():
        return None
    return account, token


def revoke_token(token: ApiToken) -> None:
    db.session.delete(token)


def revoke_all_tokens(account_id: int) -> None:
    """On a password or role change every session of the account ends."""
    db.session.execute(delete(ApiToken).where(ApiToken.account_id == account_id))
