"""Writes the change journal from the ORM itself, so no interface can change data unjournaled.

After each flush, every new, changed or deleted ``Journaled`` object becomes one journal row with
the acting account (``context.current_actor``) and the changed fields; secret columns are masked.
Rows are inserted on the flush's own connection: they commit or roll back with the change.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, scoped_session

from provisioning.common.models import Journaled, utcnow
from provisioning.context import current_actor
from provisioning.journal.models import JournalEntry

MASK = "***"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _tenant_of(obj: Any) -> int | None:
    if type(obj).__tablename__ == "tenants":
        return obj.id
    return getattr(obj, "tenant_id", None)


def _row(obj: Any, action: str, changes: dict[str, Any]) -> dict[str, Any]:
    actor = current_actor()
    return {
        "at": utcnow(),
        "tenant_id": _tenant_of(obj),
        "actor_account_id": actor.account_id,
        "actor": actor.label,
        "via": actor.via,
        "action": action,
        "object_type": type(obj).__tablename__,
        "object_id": obj.id,
        "changes": changes,
    }


def _columns(obj: Any) -> list[str]:
    ignore = obj.__journal_ignore__
    return [a.key for a in inspect(type(obj)).column_attrs if a.key not in ignore]


def _masked(obj: Any, key: str, value: Any) -> Any:
    return MASK if key in obj.__journal_secrets__ and value is not None else _plain(value)


def _diff(obj: Any) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        changes[key] = [_masked(obj, key, old), _masked(obj, key, new)]
    return changes


def _snapshot(obj: Any) -> dict[str, Any]:
    return {key: _masked(obj, key, getattr(obj, key)) for key in _columns(obj) if key != "id"}


def _after_flush(session: Session, flush_context) -> None:
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Journaled):
            rows.append(_row(obj, "create", _snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, Journaled) and session.is_modified(obj, include_collections=False):
            changes = _diff(obj)
            if changes:
                rows.append(_row(obj, "update", changes))
    for obj in session.deleted:
        if isinstance(obj, Journaled):
            rows.append(_row(obj, "delete", _snapshot(obj)))
    if rows:
        session.connection().execute(insert(JournalEntry.__table__), rows)


def record(
    session: Session | scoped_session,
    *,
    action: str,
    object_type: str,
    object_id: int | None,
    tenant_id: int | None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Journal something that is not a row change (a secret read, a lockout, a login)."""
    actor = current_actor()
    session.add(
        JournalEntry(
            at=utcnow(),
            tenant_id=tenant_id,
            actor_account_id=actor.account_id,
            actor=actor.label,
            via=actor.via,
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=changes or {},
        )
    )


def install(session_class: type[Session]) -> None:
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
