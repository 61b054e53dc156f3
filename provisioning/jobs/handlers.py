"""The service's own recurring jobs. Each runs in the job's transaction as actor ``job:<kind>``;
it flushes, the worker commits. Dates are UTC dates."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, or_, select

from provisioning.accounts.models import Account, ApiToken, AuthFailure
from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.jobs.models import Job
from provisioning.jobs.registry import JobKind
from provisioning.journal.models import JournalEntry
from provisioning.journal.recorder import record
from provisioning.tenants.models import Tenant

log = logging.getLogger(__name__)

HOURLY = 3600
DONE_JOBS_KEPT_DAYS = 30


def expire_numbers(payload: dict[str, Any]) -> None:
    # Imported here: the numbers feature may import the job queue to schedule work.
    from provisioning.numbers.service import terminate_due_numbers

    count = terminate_due_numbers(utcnow().date())
    if count:
        log.info("terminated %d numbers whose termination date has passed", count)


def password_expiry_warnings(payload: dict[str, Any]) -> None:
    """Journal one warning per account and password (its ``password_changed_at``) when the
    password expires within PASSWORD_EXPIRY_WARNING_DAYS; the portal and mails read these."""
    now = utcnow()
    warn = dt.timedelta(days=int(current_app.config["PASSWORD_EXPIRY_WARNING_DAYS"]))
    tenants = db.session.execute(
        select(Tenant.id, Tenant.password_max_age_days)
        .where(Tenant.password_max_age_days.is_not(None))
    ).all()
    for tenant_id, max_age_days in tenants:
        max_age = dt.timedelta(days=max_age_days or 0)  # never None: filtered above
        # expires = changed + max_age; warn when now < expires <= now + warn
        accounts = db.session.execute(select(Account).where(
            Account.tenant_id == tenant_id,
            Account.password_changed_at > now - max_age,
            Account.password_changed_at <= now + warn - max_age,
        ).order_by(Account.id)).scalars().all()
        if not accounts:
            continue
        warned = {
            (entry.object_id, (entry.changes or {}).get("password_changed_at"))
            for entry in db.session.execute(select(JournalEntry).where(
                JournalEntry.action == "password_expiry_warning",
                JournalEntry.object_type == "accounts",
                JournalEntry.object_id.in_([a.id for a in accounts]),
            )).scalars()
        }
        for account in accounts:
            changed = account.password_changed_at.isoformat()
            if (account.id, changed) in warned:
                continue
            record(db.session, action="password_expiry_warning", object_type="accounts",
                   object_id=account.id, tenant_id=tenant_id,
                   changes={"password_changed_at": changed,
                            "expires_at": (account.password_changed_at + max_age).isoformat()})
    db.session.flush()


def cleanup(payload: dict[str, Any]) -> None:
    """Drop what only takes space: expired tokens, failed-login counters whose window and lock
    have both passed, finished one-shot jobs after a month."""
    now = utcnow()
    window = dt.timedelta(seconds=int(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]))
    db.session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
    db.session.execute(delete(AuthFailure).where(
        AuthFailure.last_failure_at <= now - window,
        or_(AuthFailure.locked_until.is_(None), AuthFailure.locked_until <= now),
    ))
    db.session.execute(delete(Job).where(and_(
        Job.status == "done", Job.interval_seconds.is_(None),
        Job.finished_at <= now - dt.timedelta(days=DONE_JOBS_KEPT_DAYS),
    )))


JOBS = [
    JobKind("expire-numbers", expire_numbers, interval_seconds=HOURLY),
    JobKind("password-expiry-warnings", password_expiry_warnings, interval_seconds=HOURLY),
    JobKind("cleanup", cleanup, interval_seconds=HOURLY),
]
