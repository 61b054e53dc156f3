"""Exactly one instance answers PnP on a network: the holder of its lease.

Every instance that serves a LAN claims the leases of the PnP-enabled networks on that LAN
(``network:<id>``) every few seconds. A claim takes a lease that is free, expired or already its
own, in one conditional UPDATE: on PostgreSQL the row lock makes a second claimant re-check the
condition after the first committed; SQLite serialises writers. The holder renews its leases on
every round; a holder that goes away (crash, power, network) stops renewing, and another instance
takes over once the lease has expired.

Timing (L = PNP_LEASE_SECONDS): a lease runs for 2L/3 and every instance claims at least every
L/3, so a vanished holder is replaced within L. The holder itself answers only while its own
clock says its last successful renewal is younger than 2L/3: a holder that cannot reach the
database stops answering before anyone else may start (instances keep their clocks in step with
NTP, as every server does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, scoped_session

from provisioning.common.models import utcnow
from provisioning.discovery.models import PnpLease


def scope_of(network_id: int) -> str:
    return f"network:{network_id}"


def lease_seconds(total: float) -> float:
    """How long one claim lasts, for a take-over bound of ``total`` seconds."""
    return total * 2 / 3


def claim_interval(total: float) -> float:
    return total / 3


def claim(session: Session | scoped_session, scopes: Iterable[str], holder: str, total: float,
          now: dt.datetime | None = None) -> set[str]:
    """Take or renew the leases of ``scopes``; the ones ``holder`` holds now. Commits."""
    wanted = sorted(set(scopes))
    now = now or utcnow()
    until = now + dt.timedelta(seconds=lease_seconds(total))
    if wanted:
        upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for scope in wanted:
            stmt = upsert(PnpLease).values(scope=scope, holder=holder, expires_at=until,
                                           renewed_at=now)
            session.execute(stmt.on_conflict_do_nothing(index_elements=["scope"]))
        session.execute(
            update(PnpLease)
            .where(PnpLease.scope.in_(wanted),
                   (PnpLease.holder == holder) | (PnpLease.expires_at < now))
            .values(holder=holder, expires_at=until, renewed_at=now))
    # Leases of networks this instance no longer serves go at once (another may take them).
    session.execute(delete(PnpLease).where(PnpLease.holder == holder,
                                           PnpLease.scope.not_in(wanted or [""])))
    held = set(session.execute(
        select(PnpLease.scope).where(PnpLease.holder == holder,
                                     PnpLease.scope.in_(wanted or [""]))).scalars())
    session.commit()
    return held


def release(session: Session | scoped_session, holder: str) -> None:
    """Give up every lease at a clean stop, so that another instance answers at once."""
    session.execute(delete(PnpLease).where(PnpLease.holder == holder))
    session.commit()


def current(session: Session | scoped_session, scope: str,
            now: dt.datetime | None = None) -> PnpLease | None:
    """The live lease of ``scope`` (None when free or expired)."""
    lease = session.get(PnpLease, scope)
    if lease is None or lease.expires_at < (now or utcnow()):
        return None
    return lease
