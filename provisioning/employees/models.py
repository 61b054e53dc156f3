from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provisioning.common.models import Journaled, TenantOwned, Timestamped, Versioned
from provisioning.extensions import db


class Employee(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """A person of a tenant. One who telephones has exactly one personal number and a SIP
    account; a personal number belongs to at most one employee (unique column)."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    personal_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Whether the employee telephones: then a personal number and a SIP account belong to them.
    telephony: Mapped[bool] = mapped_column(Boolean, default=True)

    personal_number = relationship("PhoneNumber", back_populates="holder")
    account = relationship("Account")
    site = relationship("Site", viewonly=True)
    sip_account = relationship("SipAccount", uselist=False, cascade="all, delete-orphan",
                               passive_deletes=True)

    @property
    def missing_personal_number(self) -> bool:
        """True after the number of a telephoning employee was terminated: an admin must act."""
        return bool(self.telephony) and self.personal_number_id is None
