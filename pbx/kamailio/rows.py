"""The rows the service owns in Kamailio's database: subscriber (digest hashes) and domain.

Kamailio reads ``subscriber`` at each authentication (no cache: a change applies to the next
REGISTER) and keeps ``domain`` in memory until ``domain.reload``. The clear password column stays
empty: the hashes are enough for digest authentication.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

from pbx.core import Subscriber
from pbx.kamailio.schema import engine_for, sqlite_path

_subscriber = sa.table("subscriber", sa.column("username"), sa.column("domain"),
                       sa.column("password"), sa.column("ha1"), sa.column("ha1b"))
_domain = sa.table("domain", sa.column("domain"))


class KamailioRows:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = engine_for(self.url)
        return self._engine

    def exists(self) -> bool:
        """Whether Kamailio's database was created (the core was set up on this host)."""
        path = sqlite_path(self.url)
        if path is not None:
            return Path(path).exists()
        try:
            with self.engine.connect() as conn:
                return sa.inspect(conn).has_table("subscriber")
        except sa.exc.OperationalError:
            return False

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def upsert_subscriber(self, sub: Subscriber) -> None:
        with self.engine.begin() as conn:
            _delete_subscriber(conn, sub.username, sub.domain)
            conn.execute(sa.insert(_subscriber).values(_values(sub)))

    def delete_subscriber(self, username: str, domain: str) -> None:
        with self.engine.begin() as conn:
            _delete_subscriber(conn, username, domain)

    def add_domain(self, domain: str) -> bool:
        with self.engine.begin() as conn:
            if conn.execute(sa.select(_domain.c.domain).where(_domain.c.domain == domain)).first():
                return False
            conn.execute(sa.insert(_domain).values(domain=domain))
            return True

    def delete_domain(self, domain: str) -> bool:
        """The domain and its subscribers; True when the domain was there."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(_subscriber).where(_subscriber.c.domain == domain))
            return conn.execute(sa.delete(_domain).where(_domain.c.domain == domain)).rowcount > 0

    def domains(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(_domain.c.domain)).scalars())

    def subscribers(self) -> set[Subscriber]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_subscriber.c.username, _subscriber.c.domain,
                                          _subscriber.c.ha1, _subscriber.c.ha1b)).all()
        return {Subscriber(*row) for row in rows}

    def replace_all(self, domains: Iterable[str], subscribers: Iterable[Subscriber]
                    ) -> dict[str, int]:
        """Make both tables exactly what the service says; returns what changed."""
        wanted_domains = set(domains)
        wanted = {(s.username, s.domain): s for s in subscribers}
        counts = dict.fromkeys(("domains_added", "domains_removed", "subscribers_written",
                                "subscribers_removed"), 0)
        with self.engine.begin() as conn:
            have_domains = set(conn.execute(sa.select(_domain.c.domain)).scalars())
            for domain in sorted(have_domains - wanted_domains):
                conn.execute(sa.delete(_domain).where(_domain.c.domain == domain))
                counts["domains_removed"] += 1
            for domain in sorted(wanted_domains - have_domains):
                conn.execute(sa.insert(_domain).values(domain=domain))
                counts["domains_added"] += 1
            have = {(u, d): Subscriber(u, d, h1, h1b) for u, d, h1, h1b in conn.execute(
                sa.select(_subscriber.c.username, _subscriber.c.domain, _subscriber.c.ha1,
                          _subscriber.c.ha1b)).all()}
            for key in sorted(set(have) - set(wanted)):
                _delete_subscriber(conn, *key)
                counts["subscribers_removed"] += 1
            for key, sub in sorted(wanted.items()):
                if have.get(key) != sub:
                    _delete_subscriber(conn, *key)
                    conn.execute(sa.insert(_subscriber).values(_values(sub)))
                    counts["subscribers_written"] += 1
        return counts


def _values(sub: Subscriber) -> dict[str, str]:
    return {"username": sub.username, "domain": sub.domain, "password": "",
            "ha1": sub.ha1, "ha1b": sub.ha1b}


def _delete_subscriber(conn: sa.Connection, username: str, domain: str) -> None:
    conn.execute(sa.delete(_subscriber).where(_subscriber.c.username == username,
                                              _subscriber.c.domain == domain))
