"""The interface between the service and a SIP core, and the plain data that crosses it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol


class CoreUnavailable(RuntimeError):
    """The core did not answer (down, restarting, overloaded): its state is unknown."""


def ha1(username: str, realm: str, password: str) -> str:
    """Digest HA1 (RFC 2617): what the core checks a response against, never the password."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 - SIP digest is MD5


def ha1b(username: str, domain: str, realm: str, password: str) -> str:
    """HA1 for phones that send user@domain as the digest username."""
    return hashlib.md5(f"{username}@{domain}:{realm}:{password}".encode()).hexdigest()  # noqa: S324


@dataclass(frozen=True)
class Subscriber:
    """A SIP account as the core authenticates it: the digest hashes of username@domain."""

    username: str
    domain: str
    ha1: str
    ha1b: str

    @classmethod
    def from_password(cls, username: str, domain: str, password: str) -> Subscriber:
        # The realm is the SIP domain: the core challenges with the From domain.
        return cls(username, domain, ha1(username, domain, password),
                   ha1b(username, domain, domain, password))

    @property
    def aor(self) -> str:
        return f"{self.username}@{self.domain}"


@dataclass(frozen=True)
class Contact:
    """One registered contact of an address of record, as the core holds it now."""

    aor: str  # user@domain
    address: str  # the Contact URI the phone registered (behind NAT: a private address)
    source: str | None  # where the REGISTER came from, as a SIP URI: "sip:198.51.100.7:5060"
    nated: bool  # the core saw NAT (private Contact, or a source other than it said)
    socket: str | None  # our socket it came in on: "udp:127.0.0.1:5060"
    user_agent: str
    expires_at: dt.datetime | None  # None: permanent
    instance: str | None  # +sip.instance (snom/Yealink put the MAC in it)
    call_id: str | None = None

    @property
    def transport(self) -> str:
        if self.socket and ":" in self.socket:
            return self.socket.split(":", 1)[0].lower()
        return "udp"


@dataclass(frozen=True)
class NotifyResult:
    contact: str
    code: int | None  # SIP final response; None when it could not be sent
    reason: str


class SipCore(Protocol):
    """What the service does with a SIP core. Every call is bounded in time; a core that does
    not answer raises ``CoreUnavailable``. Rows the service owns (subscribers, domains) are
    written to the core's own store; ``replace_all`` brings them back in step (reconcile)."""

    name: str

    def is_set_up(self) -> bool:
        """Whether the core's own store exists on this host (rows can be written)."""
        ...

    def sync_subscriber(self, subscriber: Subscriber) -> None: ...

    def remove_subscriber(self, username: str, domain: str) -> None: ...

    def sync_domain(self, domain: str) -> None: ...

    def remove_domain(self, domain: str) -> None:
        """The domain and every subscriber in it."""
        ...

    def replace_all(self, domains: Iterable[str], subscribers: Iterable[Subscriber]
                    ) -> Mapping[str, int]: ...

    def registrations(self) -> dict[str, list[Contact]]:
        """Every registered contact, by AoR, in one call."""
        ...

    def contacts_of(self, aor: str) -> list[Contact]: ...

    def unregister(self, aor: str) -> None: ...

    def resync(self, contact: Contact, vendor: str, *, wait: bool = True) -> NotifyResult:
        """NOTIFY Event: check-sync to this contact (at its source address behind NAT)."""
        ...

    def ping(self) -> str: ...


# What each vendor's phones take as "fetch your configuration now"; snom must not reboot for it.
CHECK_SYNC_EVENTS = {"snom": "check-sync;reboot=false", "yealink": "check-sync"}


def check_sync_event(vendor: str) -> str:
    return CHECK_SYNC_EVENTS.get(vendor, "check-sync")
