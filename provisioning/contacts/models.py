from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from provisioning.common.models import Journaled, TenantOwned, Timestamped, Versioned
from provisioning.extensions import db


class ContactGroup(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """A phonebook group; a device may receive one group instead of the whole phonebook."""

    __tablename__ = "contact_groups"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
