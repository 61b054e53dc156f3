"""Who answers multicast PnP on a network: a lease in the shared database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from provisioning.common.models import UTCDateTime, utcnow
from provisioning.extensions import db


class PnpLease(db.Model):
    """One row per PnP scope (``network:<id>``): the instance that answers there until
    ``expires_at``. Bookkeeping, not admin data: no journal, no optimistic locking (the holder
    renews it every few seconds)."""

    __tablename__ = "pnp_leases"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
