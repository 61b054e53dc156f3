"""Which tenant a URL secret belongs to, without the service's database.

Each worker keeps the render store's tenant records in memory, keyed by a hash of each valid
secret (the current one, and the previous one until its ``valid_until``), and re-reads them at
most every PHONE_TENANT_CACHE_SECONDS; a secret it does not know triggers an early re-read at
most once a second (a tenant created or rotated a moment ago), so random secrets cannot make it
read the store on every request. The final comparison is ``hmac.compare_digest``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

MISS_REFRESH_SECONDS = 1.0


class StoreUnavailable(RuntimeError):
    """The render store cannot be read and nothing is cached yet."""


def _key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _parse_until(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        until = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return until if until.tzinfo else until.replace(tzinfo=dt.UTC)


class TenantDirectory:
    def __init__(self, max_age: float = 5.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._store: Any = None
        self._loaded_at = float("-inf")
        # sha256(secret) -> (secret, record, valid_until or None)
        self._by_secret: dict[bytes, tuple[str, dict, dt.datetime | None]] = {}

    def _load(self, store: Any) -> None:
        records = store.tenants()
        table: dict[bytes, tuple[str, dict, dt.datetime | None]] = {}
        for record in records.values():
            table[_key(record["secret"])] = (record["secret"], record, None)
            previous = record.get("previous")
            if previous and previous.get("secret"):
                until = _parse_until(previous.get("valid_until"))
                if until is not None:
                    table[_key(previous["secret"])] = (previous["secret"], record, until)
        self._by_secret, self._store, self._loaded_at = table, store, time.monotonic()

    def _refresh(self, store: Any, older_than: float) -> None:
        with self._lock:
            if store is self._store and time.monotonic() - self._loaded_at < older_than:
                return  # another thread just did it
            try:
                self._load(store)
            except Exception as exc:  # noqa: BLE001 - any store failure: keep what we had
                if self._store is not store:
                    raise StoreUnavailable(str(exc)) from exc
                log.warning("render store unreadable, serving cached tenant secrets: %s", exc)
                self._loaded_at = time.monotonic()

    def tenant_for(self, store: Any, secret: str, now: dt.datetime | None = None,
                   max_age: float | None = None) -> dict | None:
        """The tenant record for ``secret``, or None. Raises StoreUnavailable."""
        max_age = self.max_age if max_age is None else max_age
        age = time.monotonic() - self._loaded_at
        if store is not self._store or age >= max_age:
            self._refresh(store, max_age)
        found = self._by_secret.get(_key(secret))
        if found is None and time.monotonic() - self._loaded_at >= MISS_REFRESH_SECONDS:
            self._refresh(store, MISS_REFRESH_SECONDS)
            found = self._by_secret.get(_key(secret))
        if found is None:
            return None
        known, record, until = found
        if not hmac.compare_digest(known.encode(), secret.encode()):
            return None
        if until is not None and (now or dt.datetime.now(dt.UTC)) >= until:
            return None  # the previous secret's grace period is over
        return record
