"""The multicast SIP PnP responder: one UDP loop, no database.

It listens on the PnP group (224.0.1.75, PNP_PORT) on each LAN interface and answers a
``SUBSCRIBE`` only when all of these hold (otherwise it stays silent: another responder, or
DHCP, may serve the phone):

1. the source lies in a tenant network with PnP switched on (the narrowest one);
2. this instance holds that network's lease (``lease``);
3. the source has not sent more than PNP_RATE_LIMIT requests within PNP_RATE_WINDOW_SECONDS
   (counted in memory: only the lease holder answers a network, so one count per network);
4. the MAC is a device of that tenant, or the network's adoption window is open (then the
   phone is listed for adoption);
5. the tenant has a provisioning URL fit for a phone (never a ``.local`` host).

The answer is ``200 OK`` to where the request came from, then a ``NOTIFY`` with the URL from a
unicast socket on the same LAN (an ephemeral port: Kamailio may hold 5060 unicast), resent at
0.5, 1 and 2 s until the phone answers it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import secrets
import selectors
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provisioning.discovery import sip
from provisioning.discovery.events import PnpEvents
from provisioning.discovery.interfaces import Lan
from provisioning.discovery.view import View, phone_url

log = logging.getLogger(__name__)

RETRANSMIT = (0.5, 1.0, 2.0)
MAX_TRANSACTIONS = 1024


class RateLimiter:
    """At most ``limit`` requests per source within ``window`` seconds; bounded memory (the
    oldest sources are forgotten first)."""

    def __init__(self, limit: int, window: float, max_sources: int = 10_000) -> None:
        self.limit, self.window, self.max_sources = limit, window, max_sources
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def allow(self, source: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        started, count = self._counts.get(source, (now, 0))
        if now - started >= self.window:
            started, count = now, 0
        count += 1
        self._counts[source] = (started, count)
        self._counts.move_to_end(source)
        while len(self._counts) > self.max_sources:
            self._counts.popitem(last=False)
        return count <= self.limit


@dataclass
class _Transaction:
    sock: socket.socket
    target: tuple[str, int]
    payload: bytes
    attempt: int
    due: float


class Responder:
    def __init__(self, lans: list[Lan], view: Callable[[], View], events: PnpEvents, *,
                 port: int = 5060, group: str = "224.0.1.75", rate_limit: int = 10,
                 rate_window: float = 60.0,
                 on_unrecognised: Callable[..., Any] | None = None) -> None:
        self.lans, self.view, self.events = lans, view, events
        self.port, self.group = port, group
        self.rate = RateLimiter(rate_limit, rate_window)
        self.on_unrecognised = on_unrecognised
        self._multicast: socket.socket | None = None
        self._unicast: list[tuple[Lan, socket.socket]] = []
        self._pending: OrderedDict[str, _Transaction] = OrderedDict()
        self._limited: set[str] = set()
        self._stop = threading.Event()

    # ---- sockets ---------------------------------------------------------------------------

    def bind(self) -> None:
        """Join the group on every LAN and open one unicast socket per LAN. Kamailio may hold
        port 5060 on the same host: the group socket shares the port (SO_REUSEADDR/PORT) and
        only receives datagrams sent to the group."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((self.group, self.port))
        for lan in self.lans:
            membership = socket.inet_aton(self.group) + socket.inet_aton(lan.address)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
        self._multicast = sock
        for lan in self.lans:
            unicast = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            unicast.bind((lan.address, 0))
            unicast.setblocking(False)
            self._unicast.append((lan, unicast))

    def close(self) -> None:
        for sock in [self._multicast, *(s for _, s in self._unicast)]:
            if sock is not None:
                sock.close()
        self._multicast, self._unicast = None, []

    def stop(self) -> None:
        self._stop.set()

    def _unicast_for(self, addr: str) -> socket.socket:
        address = ipaddress.ip_address(addr)
        for lan, sock in self._unicast:
            if address in lan.network:
                return sock
        return self._unicast[0][1]

    # ---- the loop --------------------------------------------------------------------------

    def serve_forever(self) -> None:
        assert self._multicast is not None, "bind() first"
        selector = selectors.DefaultSelector()
        selector.register(self._multicast, selectors.EVENT_READ, "group")
        for _lan, sock in self._unicast:
            selector.register(sock, selectors.EVENT_READ, "unicast")
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.1):
                    self._drain(key.fileobj, key.data)  # type: ignore[arg-type]
                self._retransmit()
        finally:
            selector.close()

    def _drain(self, sock: socket.socket, kind: str) -> None:
        for _ in range(64):  # bounded per wake-up: one busy socket cannot starve the others
            try:
                data, source = sock.recvfrom(sip.MAX_PACKET + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # ICMP unreachable from an earlier send, and the like
                log.debug("pnp recv: %s", exc)
                return
            try:
                if kind == "group":
                    self.handle(data, source)
                else:
                    self._answered(data)
            except Exception:  # noqa: BLE001 - one odd packet never stops the responder
                log.exception("pnp: request from %s not handled", source[0])

    def _answered(self, data: bytes) -> None:
        found = sip.response_branch(data)
        if found is not None and found[0] >= 200:
            self._pending.pop(found[1], None)

    def _retransmit(self) -> None:
        now = time.monotonic()
        for branch, tx in list(self._pending.items()):
            if tx.due > now:
                continue
            if tx.attempt >= len(RETRANSMIT):
                del self._pending[branch]
                continue
            self._send(tx.sock, tx.payload, tx.target)
            tx.attempt += 1
            tx.due = now + RETRANSMIT[min(tx.attempt, len(RETRANSMIT) - 1)]

    @staticmethod
    def _send(sock: socket.socket, payload: bytes, target: tuple[str, int]) -> None:
        try:
            sock.sendto(payload, target)
        except OSError as exc:
            log.debug("pnp send to %s: %s", target[0], exc)

    # ---- one request -----------------------------------------------------------------------

    def handle(self, data: bytes, source: tuple[str, int]) -> str:
        """Answer one datagram from ``source``; what was done (for logs and tests)."""
        try:
            request = sip.parse_subscribe(data)
        except sip.NotPnp:
            return "ignored"
        view = self.view()
        network = view.network_for(source[0])
        if network is None:
            return "no_network"
        if not view.holds(network.id):
            return "not_holder"  # another instance answers here (and counts)
        if not self.rate.allow(source[0]):
            if source[0] not in self._limited:
                if len(self._limited) > 10_000:
                    self._limited.clear()
                self._limited.add(source[0])
                log.warning("provisioning-pnp: refused %s reason=rate", source[0])
            self.events.add("pnp_rate_limited", tenant_id=network.tenant_id,
                            object_type="networks", object_id=network.id, key=source[0],
                            addr=source[0])
            return "rate_limited"
        self._limited.discard(source[0])
        device = view.devices.get(request.mac)
        known = device is not None and device.tenant_id == network.tenant_id
        if not known and not network.window_open(dt.datetime.now(dt.UTC)):
            log.info("pnp: %s from %s not known to the tenant, no adoption window", request.mac,
                     source[0])
            return "unknown"
        url = phone_url(view.urls.get(network.tenant_id))
        if url is None:
            log.error("pnp: tenant %s has no provisioning URL a phone can use",
                      network.tenant_id)
            return "no_url"
        self._answer(request, source, url)
        details = {"mac": request.mac, "addr": source[0], "vendor": request.vendor,
                   "model": request.model, "firmware": request.firmware}
        if known:
            assert device is not None
            self.events.add("pnp_answered", tenant_id=network.tenant_id, object_type="devices",
                            object_id=device.device_id, key=request.mac, **details)
            return "answered"
        self.events.add("pnp_adoption", tenant_id=network.tenant_id, object_type="networks",
                        object_id=network.id, key=request.mac, **details)
        if self.on_unrecognised is not None:
            self.on_unrecognised(network.tenant_id, protocol="pnp", addr=source[0],
                                 user_agent=request.user_agent, firmware=request.firmware,
                                 mac=request.mac, vendor=request.vendor, model=request.model)
        return "adoption"

    def _answer(self, request: sip.Subscribe, source: tuple[str, int], url: str) -> None:
        tag = sip.new_tag()
        group_sock = self._unicast_for(source[0])
        # The 200 goes from the unicast socket too: a reply sourced from the group address
        # is not valid IP.
        self._send(group_sock, sip.ok_response(request, source, tag), source)
        local = group_sock.getsockname()
        branch = secrets.token_hex(8)
        payload = sip.notify_request(request, source, local, tag, branch, url)
        target = sip.contact_target(request, source)
        self._send(group_sock, payload, target)
        while len(self._pending) >= MAX_TRANSACTIONS:
            self._pending.popitem(last=False)
        self._pending[branch] = _Transaction(group_sock, target, payload, 0,
                                             time.monotonic() + RETRANSMIT[0])
