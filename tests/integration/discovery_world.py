"""Tenants, networks and phones on a committed database, a namespace LAN, and
``provisioning discovery run`` started inside it (test_discovery_pnp.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from provisioning import REPO_ROOT
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_network

BIN = REPO_ROOT / ".venv" / "bin"
LEASE_SECONDS = 6
RATE_LIMIT = 5

# One LAN, 10.77.0.0/24: tenant A's PnP network is 10.77.0.0/25 (inside it, 10.77.0.96/27 is
# A's too, with PnP off), tenant B's is 10.77.0.128/25. Instances: .1 and .2.
INSTANCE_A, INSTANCE_B = "10.77.0.1", "10.77.0.2"
SNOM_ADDR, YEALINK_ADDR, UNKNOWN_ADDR, FLOOD_ADDR, PAIR_ADDR = (
    "10.77.0.10", "10.77.0.11", "10.77.0.12", "10.77.0.13", "10.77.0.14")
TAKEOVER_ADDRS = [f"10.77.0.{n}" for n in range(20, 40)]
OFF_ADDR, OTHER_TENANT_ADDR = "10.77.0.100", "10.77.0.200"
PHONE_ADDRS = [SNOM_ADDR, YEALINK_ADDR, UNKNOWN_ADDR, FLOOD_ADDR, PAIR_ADDR, *TAKEOVER_ADDRS,
               OFF_ADDR, OTHER_TENANT_ADDR]
HOSTS = {"a": [f"{INSTANCE_A}/24"], "b": [f"{INSTANCE_B}/24"],
         "phone": [f"{a}/24" for a in PHONE_ADDRS]}

SNOM_MAC, YEALINK_MAC, OTHER_MAC, UNKNOWN_MAC = (
    "000413a1b2c3", "805ec0a1b2c4", "000413b0b0b0", "000413dddddd")


def build_world(app: Any) -> dict[str, Any]:
    with app.app_context():
        tenant = make_tenant()
        admin = make_account("admin", tenant)
        pnp = make_network(tenant, "10.77.0.0/25", pnp_enabled=True)
        make_network(tenant, "10.77.0.96/27", pnp_enabled=False)
        other = make_tenant()
        make_network(other, "10.77.0.128/25", pnp_enabled=True)
        make_device(tenant, mac=SNOM_MAC, vendor="snom", model="D785")
        make_device(tenant, mac=YEALINK_MAC, vendor="yealink", model="T54W")
        make_device(other, mac=OTHER_MAC, vendor="snom", model="D385")
        records = app.extensions["provisioning.render_store"].tenants()
        return {"tenant_id": tenant.id, "other_id": other.id, "network_id": pnp.id,
                "headers": headers_for(admin),
                "url": records[tenant.id]["provisioning_url"],
                "other_url": records[other.id]["provisioning_url"]}


class DiscoveryProcess:
    """``provisioning discovery run`` inside namespace ``ns``, answering on ``interface``."""

    def __init__(self, ns: str, interface: str, instance: Path, database_url: str) -> None:
        self.ns, self.interface = ns, interface
        self.env = {**os.environ, "PROVISIONING_ENV": "development",
                    "PROVISIONING_INSTANCE": str(instance), "DATABASE_URL": database_url,
                    "PROVISIONING_LOG_LEVEL": "INFO",
                    "PROVISIONING_DISCOVERY_INTERFACES": f'["{interface}"]',
                    "PROVISIONING_PNP_LEASE_SECONDS": str(LEASE_SECONDS),
                    "PROVISIONING_PNP_REFRESH_SECONDS": "0.5",
                    "PROVISIONING_PNP_RATE_LIMIT": str(RATE_LIMIT),
                    "PROVISIONING_FETCH_FLUSH_SECONDS": "0.3"}
        self.log = instance.parent / f"discovery-{ns}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30,
              marker: str = "answering on networks [") -> DiscoveryProcess:
        """Started, and (by default) answering PnP; ``marker``: another log line to wait for."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, str(BIN / "provisioning"), "discovery", "run"],
                cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"discovery exited early:\n{self.log.read_text()[-3000:]}")
            if marker in self.log.read_text():
                return self
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"discovery not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """Gone without a word (a crash, the power): the lease is not given back."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self, timeout: float = 15) -> int | None:
        if self.proc is None:
            return None
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            code = self.proc.wait(timeout)
        except ProcessLookupError:
            code = self.proc.wait()
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            code = None
        self.proc = None
        return code
