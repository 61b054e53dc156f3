from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from provisioning.common.models import UTCDateTime, utcnow
from provisioning.extensions import db


class Job(db.Model):
    """Work outside requests. A worker takes a job by writing a lease into its row with a
    conditional UPDATE, so a job runs once even with several workers and instances."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    # Recurring jobs and de-duplicated one-shots carry a unique key ("expire-numbers").
    unique_key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # seconds between runs for recurring jobs; None for one-shots
    interval_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
