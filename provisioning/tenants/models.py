from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from provisioning.common.models import Journaled, Timestamped, UTCDateTime, Versioned
from provisioning.extensions import db


class Tenant(Journaled, Versioned, Timestamped, db.Model):
    """A customer company. Name and customer number are contract data: operators change them."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    customer_number: Mapped[str] = mapped_column(String(64), unique=True)
    # SIP domain of the tenant's accounts on the bundled SIP core.
    sip_domain: Mapped[str] = mapped_column(String(253), unique=True)
    # Password policy: zxcvbn score 0..4 (never below the platform default) and an optional
    # forced-change interval.
    min_password_strength: Mapped[int] = mapped_column(Integer, default=2)
    password_max_age_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Phones of this tenant must present a factory certificate for their MAC (mutual TLS) to
    # receive credentials; then nothing secret goes over plain HTTP or TFTP.
    require_mtls: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The provisioning URL secret is derived from the instance's URL key and this generation
    # (so no secret sits in the database); the previous generation stays valid until the date.
    url_secret_generation: Mapped[int] = mapped_column(Integer, default=1)
    previous_url_secret_valid_until: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, nullable=True
    )
