"""Reading the change journal: a tenant's admins read their tenant's entries, operators all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select

from provisioning.context import current_actor
from provisioning.errors import NotFound
from provisioning.journal.models import JournalEntry

FILTERS = ("actor", "via", "action", "object_type", "object_id")


def _utc(value: dt.datetime) -> dt.datetime:
    # A time without a zone is read as UTC, the zone everything here is kept in.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def journal_entries(args: dict[str, Any]) -> Select:
    """Newest first; filters as in ``JournalArgs``. Another tenant's journal is 'not found'."""
    actor = current_actor()
    stmt = select(JournalEntry).order_by(JournalEntry.at.desc(), JournalEntry.id.desc())
    tenant_id = args.get("tenant_id")
    if not actor.is_operator:
        if tenant_id is not None and tenant_id != actor.tenant_id:
            raise NotFound("tenant")
        tenant_id = actor.tenant_id if actor.tenant_id is not None else -1
    if tenant_id is not None:
        stmt = stmt.where(JournalEntry.tenant_id == tenant_id)
    for key in FILTERS:
        if args.get(key) is not None:
            stmt = stmt.where(getattr(JournalEntry, key) == args[key])
    if args.get("since") is not None:
        stmt = stmt.where(JournalEntry.at >= _utc(args["since"]))
    if args.get("until") is not None:
        stmt = stmt.where(JournalEntry.at < _utc(args["until"]))
    return stmt
