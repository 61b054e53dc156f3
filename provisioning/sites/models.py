from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from provisioning.common.models import Journaled, TenantOwned, Timestamped, UTCDateTime, Versioned
from provisioning.extensions import db


class Site(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """A location of a tenant: what its phones speak, which time zone and NTP they use."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    ntp_server: Mapped[str | None] = mapped_column(String(253), nullable=True)


class Network(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """An address range the tenant's phones are seen from, with what is allowed there."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), nullable=True, index=True
    )
    cidr: Mapped[str] = mapped_column(String(43), unique=True)
    http_credentials: Mapped[bool] = mapped_column(Boolean, default=False)
    tftp_credentials: Mapped[bool] = mapped_column(Boolean, default=False)
    pnp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    adoption_window_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
