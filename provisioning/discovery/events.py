"""What the PnP responder did, journaled without a database write in the packet path.

The loop appends to a bounded in-memory buffer; the runner's thread writes it every round in
one short transaction: one journal row per (action, tenant, MAC) and round, with the number of
requests, so that a phone that retries (Grandstream asks five times) is one line, and a flood is
bounded by the rate limit and the buffer.

* ``pnp_answered``: a phone the tenant knows got the provisioning URL (object: the device);
* ``pnp_adoption``: an unknown phone got it inside the network's adoption window (object: the
  network); the phone also lands in the tenant's unrecognised list for adoption;
* ``pnp_rate_limited``: a source sent more than PNP_RATE_LIMIT requests in the window (object:
  the network; once per source and round).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from provisioning.context import Actor, acting_as
from provisioning.journal.recorder import record

log = logging.getLogger(__name__)

MAX_PENDING = 10_000
ACTOR = Actor(label="pnp", via="phone")


@dataclass
class _Pending:
    action: str
    tenant_id: int
    object_type: str
    object_id: int | None
    changes: dict[str, Any]
    requests: int = 1


class PnpEvents:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int, str], _Pending] = {}
        self._dropped = 0

    def add(self, action: str, *, tenant_id: int, object_type: str, object_id: int | None,
            key: str, **changes: Any) -> None:
        """Memory only (the packet path)."""
        with self._lock:
            entry = self._pending.get((action, tenant_id, key))
            if entry is not None:
                entry.requests += 1
                entry.changes.update({k: v for k, v in changes.items() if v is not None})
                return
            if len(self._pending) >= MAX_PENDING:
                self._dropped += 1
                return
            self._pending[(action, tenant_id, key)] = _Pending(
                action, tenant_id, object_type, object_id,
                {k: v for k, v in changes.items() if v is not None})

    def take(self) -> tuple[list[_Pending], int]:
        with self._lock:
            taken, dropped = list(self._pending.values()), self._dropped
            self._pending, self._dropped = {}, 0
        return taken, dropped

    def flush(self, session: Session | scoped_session) -> int:
        """Write what is buffered (commits); the number of journal rows."""
        taken, dropped = self.take()
        if dropped:
            log.warning("pnp journal buffer full: %d events not journaled", dropped)
        if not taken:
            return 0
        try:
            with acting_as(ACTOR):
                for entry in taken:
                    record(session, action=entry.action, object_type=entry.object_type,
                           object_id=entry.object_id, tenant_id=entry.tenant_id,
                           changes={**entry.changes, "requests": entry.requests})
            session.commit()
        except Exception as exc:  # noqa: BLE001 - bookkeeping never stops the responder
            session.rollback()
            log.warning("pnp events not journaled (%d): %s", len(taken), type(exc).__name__)
            return 0
        return len(taken)
