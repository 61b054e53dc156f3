from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Date, Enum, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provisioning.common.models import Journaled, TenantOwned, Timestamped, Versioned
from provisioning.extensions import db


class NumberStatus(enum.StrEnum):
    INACTIVE = "inactive"
    ACTIVE = "active"
    PENDING_DEACTIVATION = "pending_deactivation"


class PhoneNumber(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """An E.164 number a tenant owns. Only active numbers can be newly assigned; an assigned one
    stays with its employee while pending deactivation, until its termination date."""

    __tablename__ = "phone_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[NumberStatus] = mapped_column(
        Enum(NumberStatus, name="number_status", native_enum=False, create_constraint=True,
             length=24, values_callable=lambda e: [m.value for m in e]),
        default=NumberStatus.INACTIVE,
    )
    termination_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # Options the number carries (caller-ID name, forwarding, ...); dropped on exchange.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    # The employee whose personal number this is (at most one: the column there is unique).
    holder = relationship("Employee", back_populates="personal_number", uselist=False)
