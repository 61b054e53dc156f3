from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provisioning.common.models import Journaled, TenantOwned, Timestamped, Versioned
from provisioning.extensions import db


class SipAccount(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """An employee's account on the SIP core. The password is encrypted (phones need it clear)."""

    __tablename__ = "sip_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)
    __journal_secrets__ = frozenset({"password_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), unique=True
    )
    username: Mapped[str] = mapped_column(String(64))
    password_encrypted: Mapped[str] = mapped_column(String(512))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    # The SIP domain is the tenant's; read through this, never copied.
    tenant = relationship("Tenant", viewonly=True)

    @property
    def domain(self) -> str:
        return self.tenant.sip_domain
