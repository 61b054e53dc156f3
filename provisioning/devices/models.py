from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provisioning.common.models import Journaled, TenantOwned, Timestamped, Versioned
from provisioning.extensions import db


def _enum(cls, name: str, length: int = 16) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda e: [m.value for m in e])


class PhonebookMode(enum.StrEnum):
    ALL = "all"
    GROUP = "group"
    NONE = "none"


class KeyKind(enum.StrEnum):
    BLF = "blf"
    SPEED_DIAL = "speed_dial"
    LINE = "line"


class Device(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """A desk phone, known by its MAC (12 lower-case hex digits, unique across all tenants)."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    mac: Mapped[str] = mapped_column(String(12), unique=True)
    vendor: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), nullable=True, index=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), nullable=True, index=True
    )
    require_mtls: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    firmware_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    phonebook_mode: Mapped[PhonebookMode] = mapped_column(
        _enum(PhonebookMode, "phonebook_mode"), default=PhonebookMode.ALL
    )
    phonebook_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_groups.id", ondelete="SET NULL"), nullable=True
    )
    # Add the private contacts of the device's employee's account to what the phone receives.
    phonebook_private: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())

    keys = relationship("FunctionKey", order_by="FunctionKey.position",
                        cascade="all, delete-orphan", passive_deletes=True)
    employee = relationship("Employee")
    site = relationship("Site", viewonly=True)
    tenant = relationship("Tenant", viewonly=True)


class FunctionKey(Journaled, Timestamped, TenantOwned, db.Model):
    """A programmable key: BLF on a colleague, a speed dial, or a line key."""

    __tablename__ = "function_keys"
    __table_args__ = (UniqueConstraint("device_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[KeyKind] = mapped_column(_enum(KeyKind, "key_kind"))
    target_employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), nullable=True, index=True
    )
    target_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    line: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str | None] = mapped_column(String(64), nullable=True)

    target_employee = relationship("Employee", viewonly=True)
