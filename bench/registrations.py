"""Registration status of many devices from the bundled Kamailio: one tenant with N employees,
SIP accounts and phones (SQLite), ``provisioning sip run`` (the supervisor with Kamailio) on free
loopback ports, sipp registering every subscriber once (digest, a bounded rate), then the API's
listing ``GET /api/v1/registrations`` walked page by page as an admin, timed.

The SIP core's flood protection (pike) would rightly stop one address sending hundreds of
REGISTERs a second, so the benchmark's instance raises SIP_PIKE_REQUESTS. The listing is timed
with the default KAMAILIO_PKG_MB, then Kamailio is restarted with ``PKG_MB_RAISED``, every
subscriber registers again, and it is timed again: Kamailio builds the JSON-RPC answer of
``ul.dump`` in a process's private (pkg) memory, which bounds how many contacts one call returns.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import start_group, stop_group
from bench.world import make_app, populate

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIO = REPO_ROOT / "tests" / "integration" / "sipp" / "register.xml"
RATE = 500  # REGISTERs started per second
PAGE = 500  # PAGE_SIZE_MAX
PKG_MB_RAISED = 64


def _free_port(kinds: tuple[int, ...] = (socket.SOCK_STREAM, socket.SOCK_DGRAM)) -> int:
    """A port free for every kind at once (SIP listens on UDP and TCP with one number)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kinds[0]) as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                for kind in kinds[1:]:
                    with socket.socket(socket.AF_INET, kind) as other:
                        other.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def _config() -> dict[str, Any]:
    sip = _free_port()
    return {"SIP_CORE": "kamailio", "SIP_LISTEN_HOST": "127.0.0.1", "SIP_PORT": sip,
            "SIP_REGISTRAR_PORT": sip, "SIP_TLS_PORT": _free_port((socket.SOCK_STREAM,)),
            "KAMAILIO_RPC_PORT": _free_port((socket.SOCK_STREAM,)),
            "SIP_PIKE_REQUESTS": 1_000_000}


def _wait_rpc(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    from pbx.core import CoreUnavailable
    from pbx.kamailio.rpc import RpcClient

    rpc = RpcClient(f"http://127.0.0.1:{port}/RPC", timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sip run exited: {log.read_text()[-2000:]}")
        try:
            rpc.call("core.version")
            return
        except (CoreUnavailable, OSError, ValueError):
            time.sleep(0.2)
    raise TimeoutError("Kamailio does not answer")


def _accounts(app: Any) -> tuple[list[tuple[str, str, str, str]], dict[str, str]]:
    """(user, domain, password, mac) of every account, and an admin's Authorization header."""
    from provisioning.accounts.models import Account, Role
    from provisioning.accounts.tokens import issue_token
    from provisioning.extensions import db
    from provisioning.models import Device, Employee, Tenant
    from provisioning.sip.models import SipAccount

    box = app.extensions["provisioning.secrets"]
    rows = db.session.query(SipAccount.username, Tenant.sip_domain, SipAccount.password_encrypted,
                            Device.mac).join(Employee, Employee.id == SipAccount.employee_id
                            ).join(Device, Device.employee_id == Employee.id
                            ).join(Tenant, Tenant.id == SipAccount.tenant_id).all()
    tenant_id = db.session.query(Tenant.id).scalar()
    admin = Account(username="bench-admin", role=Role.SUPERADMIN, tenant_id=tenant_id,
                    password_hash="!")  # noqa: S106 - no password: it signs in by token
    db.session.add(admin)
    db.session.commit()
    token, _ = issue_token(admin)
    db.session.commit()
    return ([(u, d, box.decrypt(p), m) for u, d, p, m in rows],
            {"Authorization": f"Bearer {token}"})


def _register(accounts, sip_port: int, root: Path) -> dict[str, Any]:
    csv = root / "subscribers.csv"
    local = _free_port()
    lines = ["SEQUENTIAL"]
    for user, domain, password, mac in accounts:
        ua = f"snomD785/10.1.184.15 {mac.upper()}"
        lines.append(";".join([user, domain, f"[authentication username={user} "
                               f"password={password}]", ua, f"127.0.0.1:{local}", "3600"]))
    csv.write_text("\n".join(lines) + "\n")
    argv = ["sipp", f"127.0.0.1:{sip_port}", "-i", "127.0.0.1", "-p", str(local), "-t", "u1",
            "-sf", str(SCENARIO), "-inf", str(csv), "-m", str(len(accounts)), "-r", str(RATE),
            "-l", "200", "-nostdin", "-timeout", f"{len(accounts) // RATE + 60}s",
            "-timeout_error", "-recv_timeout", "10000"]
    start = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, cwd=root, check=False,
                         timeout=len(accounts) // RATE + 120)
    seconds = time.monotonic() - start

    def counter(name: str) -> int:
        found = re.findall(rf"{name}\s+\|\s+\d+\s+\|\s+(\d+)", out.stdout)
        return int(found[-1]) if found else -1

    return {"sent": len(accounts), "successful": counter("Successful call"),
            "failed": counter("Failed call"), "seconds": round(seconds, 1),
            "rate_per_s": RATE, "sipp_exit": out.returncode}


def _listing(app: Any, headers: dict[str, str]) -> dict[str, Any]:
    client = app.test_client()
    pages, states, start, first = 0, {}, time.perf_counter(), None
    page = 1
    while True:
        t = time.perf_counter()
        answer = client.get(f"/api/v1/registrations?per_page={PAGE}&page={page}",
                            headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if answer.status_code != 200:
            raise RuntimeError(f"registrations page {page}: {answer.status_code} "
                               f"{answer.get_data(as_text=True)[:300]}")
        first = first or time.perf_counter() - t
        body = answer.get_json()
        reasons = set()
        for item in body["items"]:
            states[item["state"]] = states.get(item["state"], 0) + 1
            if item.get("reason"):
                reasons.add(item["reason"])
        pages += 1
        if page * PAGE >= body["total"] or states.get("unknown") == sum(states.values()):
            break  # the whole core is unreadable: every further page would wait as long
        page += 1
    return {"devices": sum(states.values()), "states": states, "reasons": sorted(reasons)[:3],
            "pages": pages, "per_page": PAGE, "first_page_s": round(first, 3),
            "all_pages_s": round(time.perf_counter() - start, 3)}


def _core(instance: Path, url: str, env: dict[str, str], config: dict[str, Any], log: Path
          ) -> subprocess.Popen:
    proc = start_group([str(Path(os.sys.executable).with_name("provisioning")), "sip", "run"],
                       log, {**os.environ, "PROVISIONING_ENV": "production",
                             "PROVISIONING_INSTANCE": str(instance), "DATABASE_URL": url, **env},
                       cwd=REPO_ROOT)
    _wait_rpc(config["KAMAILIO_RPC_PORT"], proc, log)
    return proc


def run(count: int) -> dict[str, Any]:
    if not (REPO_ROOT / "pbx").is_dir() or shutil.which("kamailio", path=os.environ.get(
            "PATH", "") + ":/usr/sbin") is None or shutil.which("sipp") is None:
        return {"available": False, "note": "not available yet (needs pbx/, kamailio, sipp)"}
    from provisioning.instance import create_secrets

    root = Path(tempfile.mkdtemp(prefix="provisioning-bench-sip-"))
    instance = root / "instance"
    create_secrets(instance)
    config = _config()
    env = {f"PROVISIONING_{k}": json.dumps(v) for k, v in config.items()}
    url = f"sqlite:///{root / 'bench.sqlite'}"
    proc = None
    try:
        app = make_app(instance, url, env)
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            t = time.perf_counter()
            populate(count, count)
            populate_s = time.perf_counter() - t
            accounts, headers = _accounts(app)
        log = root / "sip.log"
        proc = _core(instance, url, env, config, log)
        subprocess.run([str(Path(os.sys.executable).with_name("provisioning")), "sip",
                        "reconcile"], env={**os.environ, "PROVISIONING_INSTANCE": str(instance),
                                           "DATABASE_URL": url, **env},
                       cwd=REPO_ROOT, capture_output=True, timeout=300, check=True)
        registered = _register(accounts, config["SIP_PORT"], root)
        with app.app_context():
            default = _listing(app, headers)
        stop_group(proc)  # usrloc writes its contacts to its database on the way out
        raised_env = {**env, "PROVISIONING_KAMAILIO_PKG_MB": str(PKG_MB_RAISED)}
        raised_app = make_app(instance, url, raised_env)
        proc = _core(instance, url, raised_env, config, log)
        registered_again = _register(accounts, config["SIP_PORT"], root)
        with raised_app.app_context():
            raised = _listing(raised_app, headers)
        return {"available": True, "subscribers": count, "populate_s": round(populate_s, 1),
                "register": registered, "listing_default_pkg": default,
                "register_again": registered_again,
                f"listing_pkg_{PKG_MB_RAISED}mb": raised,
                "summary": (f"default KAMAILIO_PKG_MB: {default['states']} "
                            f"(first page {default['first_page_s']} s); with {PKG_MB_RAISED} MB: "
                            f"{raised['devices']} devices listed in {raised['all_pages_s']} s, "
                            f"{raised['pages']} pages of {PAGE}, first page "
                            f"{raised['first_page_s']} s, {raised['states']}")}
    except Exception as exc:  # noqa: BLE001 - the other benchmarks' results still count
        return {"available": True, "error": f"{type(exc).__name__}: {exc}"[:2000]}
    finally:
        stop_group(proc)
        shutil.rmtree(root, ignore_errors=True)
