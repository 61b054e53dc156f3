"""Each instance announces itself on its LANs with mDNS/DNS-SD (zeroconf).

The service type is our own (MDNS_SERVICE_TYPE, ``_provisioning._tcp.local.``); the TXT record
carries the version, the provisioning base URL phones are given (``url``), the admin API's base
(``api``) and the instance id that holds PnP leases (``instance``). Tools and other instances
find the service this way; phones do not (none of the supported desk phones browse mDNS,
vendor-formats.md section 7), and nothing phones receive ever names a ``.local`` host.

mDNS only announces: which instance answers PnP is decided by the lease in the shared database.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import socket
from urllib.parse import urlsplit

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from provisioning.discovery.interfaces import Lan

log = logging.getLogger(__name__)


def version() -> str:
    try:
        return importlib.metadata.version("provisioning")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")[:40] or "instance"


def service_info(lans: list[Lan], service_type: str, instance_id: str, public_url: str,
                 phone_url: str) -> ServiceInfo:
    parts = urlsplit(public_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = _label(socket.gethostname())
    name = f"provisioning {host} {_label(instance_id.split('/')[-1])}"
    return ServiceInfo(
        service_type, f"{name}.{service_type}",
        addresses=[socket.inet_aton(lan.address) for lan in lans],
        port=port,
        properties={"version": version(), "url": phone_url.rstrip("/") + "/",
                    "api": public_url.rstrip("/") + "/api/v1", "instance": instance_id},
        server=f"{host}-{_label(instance_id.split('/')[-1])}.local.",
    )


class Announcer:
    """Registers the service on the LANs' addresses; ``stop`` says goodbye (TTL 0)."""

    def __init__(self, lans: list[Lan], info: ServiceInfo) -> None:
        self.lans, self.info = lans, info
        self._zeroconf: Zeroconf | None = None

    def start(self) -> None:
        self._zeroconf = Zeroconf(interfaces=[lan.address for lan in self.lans],
                                  ip_version=IPVersion.V4Only)
        self._zeroconf.register_service(self.info, allow_name_change=True)
        log.info("mdns: announced %s on %s", self.info.name,
                 ", ".join(lan.address for lan in self.lans))

    def stop(self) -> None:
        if self._zeroconf is None:
            return
        try:
            self._zeroconf.unregister_service(self.info)
        except Exception:  # noqa: BLE001 - at exit: the goodbye is a courtesy
            log.debug("mdns: goodbye not sent", exc_info=True)
        self._zeroconf.close()
        self._zeroconf = None
