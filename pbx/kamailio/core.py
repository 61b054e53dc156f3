"""KamailioCore: the SipCore the service ships, on Kamailio's database and JSON-RPC."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from pbx.core import Contact, CoreUnavailable, NotifyResult, Subscriber, check_sync_event
from pbx.kamailio.rows import KamailioRows
from pbx.kamailio.rpc import RpcClient, RpcError
from pbx.kamailio.settings import KamailioSettings

log = logging.getLogger(__name__)

NAT_BRANCH_FLAG = 1 << 6  # FLB_NATB in kamailio.cfg, kept in the contact's cflags


class KamailioCore:
    name = "kamailio"

    def __init__(self, settings: KamailioSettings, rpc_timeout: float = 2.0) -> None:
        self.settings = settings
        self.rows = KamailioRows(settings.db_url)
        self.rpc = RpcClient(settings.rpc_url, timeout=rpc_timeout)

    # --- rows the service owns ---------------------------------------------------------------

    def is_set_up(self) -> bool:
        return self.rows.exists()

    def sync_subscriber(self, subscriber: Subscriber) -> None:
        self.rows.upsert_subscriber(subscriber)

    def remove_subscriber(self, username: str, domain: str) -> None:
        self.rows.delete_subscriber(username, domain)
        self.unregister(f"{username}@{domain}")

    def sync_domain(self, domain: str) -> None:
        if self.rows.add_domain(domain):
            self._reload_domains()

    def remove_domain(self, domain: str) -> None:
        if self.rows.delete_domain(domain):
            self._reload_domains()

    def replace_all(self, domains: Iterable[str], subscribers: Iterable[Subscriber]
                    ) -> dict[str, int]:
        counts = self.rows.replace_all(domains, subscribers)
        if counts["domains_added"] or counts["domains_removed"]:
            self._reload_domains()
        return counts

    def _reload_domains(self) -> None:
        # Down: it reads the table when it starts. Registrations and subscriptions survive a
        # reload (it only swaps the in-memory domain list).
        try:
            self.rpc.call("domain.reload")
        except (CoreUnavailable, RpcError) as exc:
            log.warning("domain list not reloaded in Kamailio (%s); it loads it at start", exc)

    # --- live state ----------------------------------------------------------------------------

    def ping(self) -> str:
        return str(self.rpc.call("core.version"))

    def registrations(self) -> dict[str, list[Contact]]:
        result = self.rpc.call("ul.dump", timeout=max(self.rpc.timeout, 5.0))
        out: dict[str, list[Contact]] = {}
        now = dt.datetime.now(dt.UTC)
        for domain in (result or {}).get("Domains", []):
            for entry in (domain.get("Domain") or {}).get("AoRs", []) or []:
                info = entry.get("Info") or {}
                aor = info.get("AoR", "")
                contacts = [_contact(aor, c.get("Contact") or {}, now)
                            for c in info.get("Contacts", []) or []]
                if contacts:
                    out.setdefault(aor, []).extend(contacts)
        return out

    def contacts_of(self, aor: str) -> list[Contact]:
        try:
            result = self.rpc.call("ul.lookup", "location", aor)
        except RpcError as exc:
            if "not found" in exc.message.lower():
                return []
            raise CoreUnavailable(f"Kamailio: {exc}") from exc
        now = dt.datetime.now(dt.UTC)
        return [_contact(aor, c.get("Contact") or {}, now)
                for c in (result or {}).get("Contacts", []) or []]

    def unregister(self, aor: str) -> None:
        try:
            self.rpc.call("ul.rm", "location", aor)
        except RpcError:
            pass  # not registered
        except CoreUnavailable as exc:
            log.info("registrations of %s not removed (%s); they expire", aor, exc)

    def resync(self, contact: Contact, vendor: str, *, wait: bool = True) -> NotifyResult:
        """NOTIFY check-sync, sent to the address the phone registered from (NAT pinhole)."""
        s = self.settings
        user, _, domain = contact.aor.partition("@")
        headers = (f"From: <sip:provisioning@{domain}>\r\n"  # tm adds the From tag itself
                   f"To: <sip:{user}@{domain}>\r\n"
                   f"Event: {check_sync_event(vendor)}\r\n"
                   "Subscription-State: terminated\r\n"
                   f"Contact: <sip:provisioning@{s.local_address}:{s.sip_port}>\r\n")
        params = ["NOTIFY", contact.address, contact.source or ".", contact.socket or ".", headers]
        try:
            if not wait:
                self.rpc.call("tm.t_uac_start", *params)
                return NotifyResult(contact.address, None, "sent")
            reply: Any = self.rpc.call("tm.t_uac_wait_block", *params,
                                       timeout=s.fr_timer_ms / 1000 + 3)
        except RpcError as exc:
            return NotifyResult(contact.address, None, exc.message)
        reply = reply or {}
        return NotifyResult(contact.address, reply.get("code"), str(reply.get("text", "")))


def _absent(value: Any) -> bool:
    return value in (None, "", "[not set]")


def _contact(aor: str, raw: dict[str, Any], now: dt.datetime) -> Contact:
    expires = raw.get("Expires")
    expires_at = None
    if isinstance(expires, int | float):
        expires_at = (now + dt.timedelta(seconds=int(expires))).replace(microsecond=0)
    cflags = raw.get("CFlags")
    return Contact(
        aor=aor,
        address=str(raw.get("Address", "")),
        source=None if _absent(raw.get("Received")) else str(raw["Received"]),
        nated=bool(isinstance(cflags, int) and cflags & NAT_BRANCH_FLAG),
        socket=None if _absent(raw.get("Socket")) else str(raw["Socket"]),
        user_agent="" if _absent(raw.get("User-Agent")) else str(raw["User-Agent"]),
        expires_at=expires_at,
        instance=None if _absent(raw.get("Instance")) else str(raw["Instance"]),
        call_id=None if _absent(raw.get("Call-ID")) else str(raw["Call-ID"]),
    )
