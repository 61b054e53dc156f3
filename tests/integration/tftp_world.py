"""A tenant, its networks and phones made through the API on a committed database, and
``provisioning tftp`` running as its own process on that instance (test_tftp_service.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioning import REPO_ROOT
from provisioning.extensions import db
from provisioning.sip.models import SipAccount
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_network, make_site
from tests.factories_people import make_employee
from tests.integration.tftp_clients import rrq

BIN = REPO_ROOT / ".venv" / "bin"
SNOM_UA = "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 {mac} SXM:0)"
YEALINK_UA = "Yealink SIP-T54W 96.86.0.70 {mac}"

# 127.0.0.0/24: TFTP credentials on; 127.0.1.0/24: off; 127.0.2.0/24: another tenant's (on);
# 127.0.9.x: nobody's network.
ON, OFF, OTHER, NOWHERE = "127.0.0.7", "127.0.1.7", "127.0.2.7", "127.0.9.7"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Phone:
    id: int
    mac: str
    vendor: str
    model: str
    password: str | None = None
    files: dict[str, str] = field(default_factory=dict)


def build_world(app: Any) -> dict[str, Any]:
    """Tenant, networks, employees (factories); the phones through the API."""
    with app.app_context():
        tenant = make_tenant()
        admin = make_account("superadmin", tenant)
        site = make_site(tenant)
        make_network(tenant, "127.0.0.0/24", tftp_credentials=True, site_id=site.id)
        make_network(tenant, "127.0.1.0/24", tftp_credentials=False)
        other = make_tenant()
        make_network(other, "127.0.2.0/24", tftp_credentials=True)
        people = [make_employee(tenant) for _ in range(3)]
        headers = headers_for(admin)
        client = app.test_client()
        wanted = {
            "snom": ("000413a1b2c3", "snom", "D785", people[0].id, False),
            "yealink": ("805ec0a1b2c4", "yealink", "T54W", people[1].id, False),
            "mtls": ("000413a1b2c5", "snom", "D385", people[2].id, True),
        }
        phones = {}
        for key, (mac, vendor, model, employee_id, mtls) in wanted.items():
            answer = client.post("/api/v1/devices", headers=headers, json={
                "mac": mac, "vendor": vendor, "model": model, "employee_id": employee_id,
                "site_id": site.id, "require_mtls": mtls})
            assert answer.status_code == 201, answer.get_json()
            account = db.session.query(SipAccount).filter_by(employee_id=employee_id).one()
            phones[key] = Phone(answer.get_json()["id"], mac, vendor, model,
                                app.extensions["provisioning.secrets"].decrypt(
                                    account.password_encrypted))
        secret = app.extensions["provisioning.render_store"].tenants()[tenant.id]["secret"]
        return {"tenant_id": tenant.id, "other_id": other.id, "secret": secret,
                "phones": phones, "headers": headers}


def https_file(app: Any, secret: str, name: str, addr: str, user_agent: str,
               scheme: str = "https") -> bytes | None:
    """What the phone route answers for the same file, from the same address."""
    answer = app.test_client().get(f"/p/{secret}/{name}", base_url=f"{scheme}://localhost",
                                   headers={"User-Agent": user_agent},
                                   environ_base={"REMOTE_ADDR": addr})
    return answer.data if answer.status_code == 200 else None


class TftpProcess:
    """``provisioning tftp`` on the test's instance, in its own process group."""

    def __init__(self, instance: Path, database_url: str, **config: str) -> None:
        self.port = free_udp_port()
        self.env = {**os.environ, "PROVISIONING_ENV": "development",
                    "PROVISIONING_INSTANCE": str(instance), "DATABASE_URL": database_url,
                    "PROVISIONING_LOG_LEVEL": "INFO", "PROVISIONING_FETCH_FLUSH_SECONDS": "0.3",
                    "PROVISIONING_TFTP_REFRESH_SECONDS": "0.3",
                    **{f"PROVISIONING_{k}": v for k, v in config.items()}}
        self.log = instance.parent / f"tftp-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, probe: str, timeout: float = 30) -> TftpProcess:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "provisioning"), "tftp", "--host", "127.0.0.1", "--port",
                 str(self.port)], cwd=REPO_ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tftp exited early:\n{self.log.read_text()[-3000:]}")
            if rrq(self.port, probe, timeout=0.5, deadline=2).ok:
                return self
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"tftp not serving in {timeout}s:\n{self.log.read_text()[-3000:]}")

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

    def __enter__(self) -> TftpProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
