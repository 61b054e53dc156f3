"""Who is asking: the client's address, the transport and its device certificate, as the
phone-facing side may believe them.

TLS ends in nginx (provisioning/tls), which sets these headers and removes any a client sent:

    X-Forwarded-For      the phone's address
    X-Forwarded-Proto    https, or http on the optional plain listener
    X-SSL-Client-Cert    the client certificate as nginx's $ssl_client_escaped_cert

They are believed only when the direct peer (``request.remote_addr``) is inside TRUSTED_PROXIES;
from anyone else they are ignored, so they cannot change a byte of an answer. The Host header is
never read: every URL written into a phone's file comes from configuration.

``client_context`` is the one helper the phone routes, the API and TFTP share.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask import Request, current_app, request

from cert.devices import DeviceTrust, verify_device_certificate

log = logging.getLogger(__name__)

FORWARDED_FOR = "X-Forwarded-For"
FORWARDED_PROTO = "X-Forwarded-Proto"
CLIENT_CERT = "X-SSL-Client-Cert"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=256)
def _network(cidr: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        log.error("not a network, ignored: %r", cidr)
        return None


@lru_cache(maxsize=4096)
def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return mapped or address


def in_networks(addr: str | None, cidrs: Iterable[str]) -> bool:
    address = _address(addr)
    if address is None:
        return False
    for cidr in cidrs:
        network = _network(cidr)
        if network is not None and address.version == network.version and address in network:
            return True
    return False


@dataclass(frozen=True)
class ClientView:
    addr: str | None
    transport: str  # "https" or "http"
    certificate: str | None  # the client certificate the trusted proxy passed on, unverified
    via_proxy: bool


def _forwarded_client(header: str | None, trusted: Sequence[str]) -> str | None:
    """The rightmost address not itself a trusted proxy (nginx sets one: the phone's)."""
    if not header:
        return None
    hops = [hop.strip() for hop in header.split(",")][-8:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return None  # garbage in the chain: believe nothing of it
        if not in_networks(str(address), trusted):
            return str(address)
    return str(_address(hops[0]))


def client_view(req: Request | None = None) -> ClientView:
    req = req if req is not None else request
    remote = req.remote_addr
    trusted = tuple(current_app.config.get("TRUSTED_PROXIES") or ())
    if not (trusted and in_networks(remote, trusted)):
        # A direct client: its own address and the scheme it connected with, no certificate.
        return ClientView(remote, "https" if req.scheme == "https" else "http", None, False)
    addr = _forwarded_client(req.headers.get(FORWARDED_FOR), trusted) or remote
    proto = (req.headers.get(FORWARDED_PROTO) or req.scheme).rsplit(",", 1)[-1].strip().lower()
    certificate = (req.headers.get(CLIENT_CERT) or "").strip() or None
    return ClientView(addr, "https" if proto == "https" else "http", certificate, True)


_trust_lock = threading.Lock()
_trusts: dict[tuple[str, ...], DeviceTrust | None] = {}


def device_trust() -> DeviceTrust | None:
    """The vendor CAs of PHONE_CLIENT_CA_FILES, read once per process (None: none configured,
    or unreadable, and then no certificate is accepted)."""
    paths = tuple(str(p) for p in current_app.config.get("PHONE_CLIENT_CA_FILES") or ())
    if paths in _trusts:
        return _trusts[paths]
    with _trust_lock:
        if paths not in _trusts:
            trust = None
            if paths:
                try:
                    trust = DeviceTrust.from_files(*paths)
                except (OSError, ValueError) as exc:
                    log.error("vendor CA bundles unusable, no device certificate is accepted: %s",
                              exc)
            _trusts[paths] = trust
    return _trusts[paths]


def verified_cert_mac(view: ClientView, expected_mac: str) -> str | None:
    """``expected_mac`` when the proxy passed a vendor certificate naming exactly that MAC over
    HTTPS; None otherwise (no certificate, another MAC, a generic one, an untrusted issuer)."""
    if view.certificate is None or view.transport != "https":
        return None
    trust = device_trust()
    if trust is None:
        return None
    result = verify_device_certificate(
        view.certificate, trust, expected_mac,
        strict=bool(current_app.config.get("PHONE_CERT_STRICT", True)))
    if not result.ok:
        log.info("device certificate refused for %s: %s (subject %s)", expected_mac,
                 result.reason, result.subject)
        return None
    return result.mac


def client_context(expected_mac: str | None = None,
                   req: Request | None = None) -> tuple[str | None, str, str | None]:
    """(client address, "https"|"http", verified certificate MAC or None) for a request."""
    view = client_view(req)
    cert_mac = verified_cert_mac(view, expected_mac) if expected_mac else None
    return view.addr, view.transport, cert_mac
