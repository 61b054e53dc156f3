"""What the service knows about phones as they fetch their files: bookkeeping, not admin data
(no journal, no optimistic locking: a boot storm must not bump every device's ETag)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from provisioning.common.models import UTCDateTime, utcnow
from provisioning.extensions import db


class DeviceStatus(db.Model):
    """Per device: the configuration version rendered now, the one the phone last fetched, and
    when and from where it was last seen."""

    __tablename__ = "device_status"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    rendered_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rendered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    fetched_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_addr: Mapped[str | None] = mapped_column(String(45), nullable=True)
    last_user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    last_firmware: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DeviceFetch(db.Model):
    """The provisioning history: one row per file a phone fetched (kept bounded per device)."""

    __tablename__ = "device_fetches"
    __table_args__ = (Index("ix_device_fetches_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(128))
    protocol: Mapped[str] = mapped_column(String(8))
    addr: Mapped[str | None] = mapped_column(String(45), nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credentials: Mapped[bool] = mapped_column(Boolean, default=False)


class UnrecognisedDevice(db.Model):
    """A phone that asked a tenant's URL with a MAC the tenant does not have; an admin may adopt
    it. The list is bounded per tenant so that a scanner cannot fill the database."""

    __tablename__ = "unrecognised_devices"
    __table_args__ = (UniqueConstraint("tenant_id", "mac"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    mac: Mapped[str] = mapped_column(String(12))
    vendor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    model: Mapped[str | None] = mapped_column(String(32), nullable=True)
    firmware: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    addr: Mapped[str | None] = mapped_column(String(45), nullable=True)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    requests: Mapped[int] = mapped_column(Integer, default=1)


class RateCounter(db.Model):
    """A shared counter for the phone-facing abuse limits (unknown-MAC probes per address):
    in the database so that every worker and instance counts together."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
