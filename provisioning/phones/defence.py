"""Enumeration defence: a client that asks for many unknown MACs is slowed, then refused.

A MAC is 24 guessable bits behind a vendor's OUI, so a scanner walks MACs. Per client address
the distinct unknown MACs asked within SCAN_WINDOW_SECONDS are counted in ``rate_counters``
(key ``scan:<addr>``; one ``scanmac:<addr>:<mac>`` row per MAC so that a phone asking its own
files again counts once), shared by every worker and instance:

* more than SCAN_SLOWDOWN_AFTER: requests for unknown MACs get 429 with Retry-After (the end
  of the window);
* more than SCAN_BLOCK_AFTER: every request from the address gets 403 with Retry-After for
  SCAN_BLOCK_SECONDS.

Known devices are never counted, and their requests read nothing from the database: a worker
keeps the blocked addresses it learnt in memory. Each refusal logs one line that fail2ban can
match, e.g. ``provisioning-scan: refused 192.0.2.7 reason=blocked``. A jail's filter:

    [Definition]
    failregex = provisioning-scan: refused <HOST> reason=\\S+

With the database down, the count is skipped (fail open): unknown phones only ever get the
credential-free file.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.phones.models import RateCounter

log = logging.getLogger("provisioning.scan")

_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Refusal:
    status: int  # 429 (slowed) or 403 (blocked)
    retry_after: int
    reason: str


def _cfg(name: str) -> int:
    return int(current_app.config[name])


def _refuse(addr: str, status: int, seconds: float, reason: str) -> Refusal:
    log.warning("provisioning-scan: refused %s reason=%s", addr, reason)
    return Refusal(status, max(1, math.ceil(seconds)), reason)


class ScanDefence:
    """Per process: what it learnt of each address (blocked until, over the slow-down until)
    and which (address, MAC) pairs it already counted in this window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocked: dict[str, float] = {}  # addr -> monotonic deadline
        self._slowed: dict[str, float] = {}
        self._counted: dict[tuple[str, str], float] = {}

    @staticmethod
    def _prune(table: dict, now: float) -> None:
        if len(table) > _CACHE_MAX:
            for key in [k for k, until in table.items() if until <= now]:
                del table[key]
            while len(table) > _CACHE_MAX:
                del table[next(iter(table))]

    def _remember(self, table: dict, key, seconds: float) -> None:
        now = time.monotonic()
        with self._lock:
            self._prune(table, now)
            table[key] = now + seconds

    def blocked(self, addr: str | None) -> Refusal | None:
        """For every request: refused if this worker knows the address is blocked (no DB)."""
        until = self._blocked.get(addr or "unknown")
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            return None
        return _refuse(addr or "unknown", 403, left, "blocked")

    def unknown_mac(self, addr: str | None, mac: str) -> Refusal | None:
        """Count one request for an unknown MAC; the refusal it earns, if any."""
        addr = addr or "unknown"
        refusal = self.blocked(addr)
        if refusal is not None:
            return refusal
        now = time.monotonic()
        if self._counted.get((addr, mac), 0) > now:
            until = self._slowed.get(addr, 0)
            return _refuse(addr, 429, until - now, "slowed") if until > now else None
        try:
            count, window_left, blocked_left = self._count(addr, mac)
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("scan counter unavailable, not counted: %s", type(exc).__name__)
            return None
        self._remember(self._counted, (addr, mac), window_left)
        if blocked_left > 0:
            self._remember(self._blocked, addr, blocked_left)
            return _refuse(addr, 403, blocked_left, "blocked")
        if count > _cfg("SCAN_SLOWDOWN_AFTER"):
            self._remember(self._slowed, addr, window_left)
            return _refuse(addr, 429, window_left, "slowed")
        return None

    @staticmethod
    def _count(addr: str, mac: str) -> tuple[int, float, float]:
        """(distinct unknown MACs in the window, seconds left in it, seconds left blocked).
        Commits at once: the count must survive the request's 4xx (which rolls back)."""
        session = db.session
        now = utcnow()
        window = dt.timedelta(seconds=_cfg("SCAN_WINDOW_SECONDS"))
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        pair_key, key = f"scanmac:{addr}:{mac}"[:200], f"scan:{addr}"[:200]
        # The first statement writes: SQLite takes its write lock now instead of failing to
        # upgrade a read; concurrent workers creating the same key cannot collide.
        new = session.execute(insert(RateCounter).values(key=pair_key, window_start=now, count=1)
                              .on_conflict_do_nothing(index_elements=["key"])
                              .returning(RateCounter.key)).first() is not None
        if not new:
            pair = session.get(RateCounter, pair_key, with_for_update=True, populate_existing=True)
            if pair is not None and pair.window_start + window <= now:
                pair.window_start, new = now, True
        session.execute(insert(RateCounter).values(key=key, window_start=now, count=0)
                        .on_conflict_do_nothing(index_elements=["key"]))
        row = session.get(RateCounter, key, with_for_update=True, populate_existing=True)
        assert row is not None
        if row.blocked_until is not None and row.blocked_until > now:
            left = (row.blocked_until - now).total_seconds()
            session.commit()
            return row.count, left, left
        if row.window_start + window <= now:
            row.window_start, row.count, row.blocked_until = now, 0, None
        if new:
            row.count += 1
        if row.count > _cfg("SCAN_BLOCK_AFTER"):
            row.blocked_until = now + dt.timedelta(seconds=_cfg("SCAN_BLOCK_SECONDS"))
        count = row.count
        window_left = (row.window_start + window - now).total_seconds()
        blocked_left = (row.blocked_until - now).total_seconds() if row.blocked_until else 0.0
        session.commit()
        return count, window_left, blocked_left


def purge_expired(session, now: dt.datetime | None = None) -> int:
    """Drop scan counters whose window and block are over (called from the fetch flush)."""
    now = now or utcnow()
    window = dt.timedelta(seconds=_cfg("SCAN_WINDOW_SECONDS"))
    result = session.execute(
        delete(RateCounter).where(
            RateCounter.key.like("scan%"),
            RateCounter.window_start < now - window,
            or_(RateCounter.blocked_until.is_(None), RateCounter.blocked_until < now),
        )
    )
    return result.rowcount or 0
