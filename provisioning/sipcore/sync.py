"""Subscribers in step: what Kamailio authenticates follows every committed change at once.

After each flush, the SIP accounts and tenants that changed are turned into a plan: the
subscriber row each account should have now (its digest hashes in its tenant's SIP domain, or
none when disabled or deleted) and the domains to add or drop. After the commit the plan is
written to the core's own database (a rollback drops it). A failure there is logged and
repaired by ``reconcile`` (a recurring job and ``provisioning sip reconcile``): the service's
database is the truth, Kamailio's rows are a copy.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from pbx.core import SipCore, Subscriber
from provisioning.crypto import secret_box
from provisioning.sipcore.core import ready_core, sip_core

log = logging.getLogger(__name__)

_PLAN = "sipcore.plan"


def subscriber_for(account: Any, domain: str) -> Subscriber:
    return Subscriber.from_password(account.username, domain,
                                    secret_box().decrypt(account.password_encrypted))


def _plan(session: Session) -> dict[str, dict]:
    return session.info.setdefault(_PLAN, {"subscribers": {}, "domains": {}})


def _old(obj: Any, attr: str) -> Any:
    """The committed value of an attribute before this flush (the current one if unchanged)."""
    history = inspect(obj).attrs[attr].history
    return history.deleted[0] if history.deleted else getattr(obj, attr)


def _note(session: Session, flush_context: Any) -> None:
    """after_flush: plan the rows for what this flush changed (SQL is allowed here)."""
    if not has_app_context() or sip_core() is None:
        return
    from provisioning.sip.models import SipAccount
    from provisioning.tenants.models import Tenant

    plan = _plan(session)
    subs, domains = plan["subscribers"], plan["domains"]
    for obj in session.deleted:
        if isinstance(obj, Tenant):
            domains[obj.sip_domain] = False
        elif isinstance(obj, SipAccount):
            tenant = session.get(Tenant, obj.tenant_id)
            if tenant is not None:
                subs[(obj.username, tenant.sip_domain)] = None
    moved: list[Tenant] = []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Tenant):
            old_domain = _old(obj, "sip_domain")
            if old_domain != obj.sip_domain:
                domains[old_domain] = False
                moved.append(obj)
            domains[obj.sip_domain] = True
        elif isinstance(obj, SipAccount):
            tenant = session.get(Tenant, obj.tenant_id)
            old_username, old_tenant_id = _old(obj, "username"), _old(obj, "tenant_id")
            if (old_username, old_tenant_id) != (obj.username, obj.tenant_id):
                old_tenant = session.get(Tenant, old_tenant_id)
                if old_tenant is not None:
                    subs[(old_username, old_tenant.sip_domain)] = None
            if tenant is not None:
                subs[(obj.username, tenant.sip_domain)] = (
                    subscriber_for(obj, tenant.sip_domain) if obj.enabled else None)
    for tenant in moved:
        accounts = session.execute(select(SipAccount).where(
            SipAccount.tenant_id == tenant.id)).scalars()
        for account in accounts:
            subs[(account.username, tenant.sip_domain)] = (
                subscriber_for(account, tenant.sip_domain) if account.enabled else None)


def apply_plan(core: SipCore, plan: dict[str, dict]) -> None:
    """Domains first (a new tenant's phones can register at once), then subscribers, then the
    domains that went (with whatever subscribers were left in them)."""
    for domain, present in sorted(plan["domains"].items()):
        if present:
            core.sync_domain(domain)
    for (username, domain), subscriber in sorted(plan["subscribers"].items()):
        if plan["domains"].get(domain) is False:
            continue
        if subscriber is None:
            core.remove_subscriber(username, domain)
        else:
            core.sync_subscriber(subscriber)
    for domain, present in sorted(plan["domains"].items()):
        if not present:
            core.remove_domain(domain)


def _after_commit(session: Session) -> None:
    plan = session.info.pop(_PLAN, None)
    if not plan or not (plan["subscribers"] or plan["domains"]) or not has_app_context():
        return
    core = ready_core()
    if core is None:
        return
    try:
        apply_plan(core, plan)
    except Exception:  # noqa: BLE001 - the database is right; reconcile repairs the core
        log.exception("the SIP core's subscribers were not updated after a commit; "
                      "'provisioning sip reconcile' (or its job) repairs them")


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if getattr(previous_transaction, "nested", False):
        return  # a savepoint: the outer transaction's changes still stand
    session.info.pop(_PLAN, None)


def desired_rows(session: Any) -> tuple[set[str], list[Subscriber]]:
    """Every tenant's SIP domain and every enabled account's subscriber row."""
    from provisioning.sip.models import SipAccount
    from provisioning.tenants.models import Tenant

    domains = dict(session.execute(select(Tenant.id, Tenant.sip_domain)).all())
    accounts = session.execute(select(SipAccount).where(SipAccount.enabled.is_(True))).scalars()
    subscribers = [subscriber_for(a, domains[a.tenant_id]) for a in accounts
                   if a.tenant_id in domains]
    return set(domains.values()), subscribers


def reconcile(session: Any, core: SipCore | None = None) -> dict[str, int]:
    """Bring the core's subscribers and domains back in step with the database."""
    core = core or sip_core()
    if core is None:
        return {}
    domains, subscribers = desired_rows(session)
    counts = dict(core.replace_all(domains, subscribers))
    if any(counts.values()):
        log.warning("SIP core reconciled: %s", counts)
    return counts


def install(session_class: Any) -> None:
    for name, fn in (
        ("after_flush", _note),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)


def reconcile_job(payload: dict[str, Any]) -> None:
    from provisioning.extensions import db

    core = ready_core(current_app._get_current_object())  # type: ignore[attr-defined]
    if core is not None:
        reconcile(db.session, core)
