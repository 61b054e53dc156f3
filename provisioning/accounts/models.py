from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provisioning.common.models import Journaled, Timestamped, UTCDateTime, Versioned, utcnow
from provisioning.extensions import db


class Role(enum.StrEnum):
    OPERATOR = "operator"
    SUPERADMIN = "superadmin"
    ADMIN = "admin"
    USER = "user"


ROLE_ENUM = Enum(Role, name="role", native_enum=False, create_constraint=True, length=16,
                 values_callable=lambda e: [m.value for m in e])


class Account(Journaled, Versioned, Timestamped, db.Model):
    """A login. Operators belong to no tenant; every other role belongs to exactly one."""

    __tablename__ = "accounts"
    __journal_secrets__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=True
    )
    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    tenant = relationship("Tenant")


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored; the clear token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    account = relationship("Account")


class AuthFailure(db.Model):
    """Failed-login counter per key ("user:<name>" or "addr:<ip>"), shared by all workers."""

    __tablename__ = "auth_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
