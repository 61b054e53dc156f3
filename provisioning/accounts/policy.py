"""Password policy: how strong a new password must be, and when an old one must be replaced.

Strength is zxcvbn's score 0..4. The platform's floor (``PASSWORD_MIN_STRENGTH_DEFAULT``) always
applies; a tenant may only raise it. Operators belong to no tenant and get the floor.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from provisioning.accounts.auth import password_expired, password_expires_at
from provisioning.accounts.models import Account
from provisioning.common.models import utcnow
from provisioning.errors import ValidationFailed
from provisioning.tenants.models import Tenant

# What each level demands, for the API and the portal (zxcvbn's own guess-count thresholds).
LEVELS: list[dict[str, Any]] = [
    {"level": 0, "name": "too guessable",
     "description": "Anything: fewer than a thousand guesses find it."},
    {"level": 1, "name": "very guessable",
     "description": "Resists about a thousand guesses: stops only the most careless attacks."},
    {"level": 2, "name": "somewhat guessable",
     "description": "Resists about a million guesses: stops guessing over the network."},
    {"level": 3, "name": "safely unguessable",
     "description": "Resists about 10^8 guesses: moderate protection if a hash leaks."},
    {"level": 4, "name": "very unguessable",
     "description": "Resists about 10^10 guesses: strong protection if a hash leaks."},
]

# zxcvbn refuses longer input; the score of a prefix is a lower bound for the whole password.
_ZXCVBN_MAX = 72
# zxcvbn keeps the user inputs in a module-level dictionary while it scores: one at a time, or a
# concurrent request could score against someone else's name.
_zxcvbn_lock = threading.Lock()


def required_strength(tenant: Tenant | None) -> int:
    floor = int(current_app.config["PASSWORD_MIN_STRENGTH_DEFAULT"])
    if tenant is None:
        return floor
    return max(floor, tenant.min_password_strength or 0)


def describe(tenant: Tenant | None) -> dict[str, Any]:
    """The policy a tenant's accounts (or operators, for None) live under."""
    return {
        "tenant_id": tenant.id if tenant else None,
        "min_strength": required_strength(tenant),
        "min_length": int(current_app.config["PASSWORD_MIN_LENGTH"]),
        "max_age_days": tenant.password_max_age_days if tenant else None,
        "expiry_warning_days": int(current_app.config["PASSWORD_EXPIRY_WARNING_DAYS"]),
        "levels": LEVELS,
    }


def check_password(password: str, tenant: Tenant | None, user_inputs: list[str | None]) -> None:
    """422 ``weak_password`` unless the password is long and strong enough for the tenant."""
    min_length = int(current_app.config["PASSWORD_MIN_LENGTH"])
    required = required_strength(tenant)
    inputs = [value for value in user_inputs if value]
    with _zxcvbn_lock:
        result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)
    score = int(result["score"])
    feedback = result.get("feedback") or {}
    if len(password) >= min_length and score >= required:
        return
    suggestions = list(feedback.get("suggestions") or [])
    if len(password) < min_length:
        suggestions.insert(0, f"Use at least {min_length} characters.")
    raise ValidationFailed(
        "The password is too weak for this tenant's policy",
        error_id="weak_password",
        details={
            "score": score,
            "required_strength": required,
            "min_length": min_length,
            "feedback": {"warning": feedback.get("warning") or "", "suggestions": suggestions},
        },
    )


def set_password(account: Account, password: str) -> None:
    """Store a new hash (werkzeug's default, scrypt) and restart the forced-change clock."""
    account.password_hash = generate_password_hash(password)
    account.password_changed_at = utcnow()


def verify_password(account: Account, password: str) -> bool:
    return check_password_hash(account.password_hash, password)


def expiry_warning(account: Account) -> bool:
    """True in the last PASSWORD_EXPIRY_WARNING_DAYS before the password must be changed."""
    expires = password_expires_at(account)
    if expires is None:
        return False
    days = int(current_app.config["PASSWORD_EXPIRY_WARNING_DAYS"])
    now = utcnow()
    return expires - dt.timedelta(days=days) <= now < expires


def change_required(account: Account) -> bool:
    return password_expired(account)
