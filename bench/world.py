"""The fleet a benchmark serves: one tenant with N phones, snom and Yealink mixed, each assigned to
an employee with a number and a SIP account, on a committed database of its own (a SQLite file,
or a fresh PostgreSQL database dropped afterwards), rendered into the instance's render store.

Rows are made in bulk through the models (the API would take minutes for 10,000 phones and is not
what is measured), then the keeper (``sync_store``, as ``provisioning render-store sync``) renders
every device. The same bytes are then dumped into directories for the reference servers: nginx
serves ``<static>/p/<secret>/<name>`` as the service would answer a phone on 127.0.0.1 over
HTTPS (``bench.tftp`` fills tftpd-hpa's directory from our TFTP server's own answers).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SNOM_MODELS = ("D785", "D385", "D717", "D735")
YEALINK_MODELS = ("T54W", "T46U", "T33G", "T48U")
# The files each vendor's phone asks for at boot, in its order, and the answer it gets; then
# its phonebook, where the vendor has one.
SNOM_SEQUENCE = (("model_container", 200), ("model_settings", 200),
                 ("device_container", 200), ("device_settings", 200))
YEALINK_SEQUENCE = (("device_boot", 404), ("common_boot", 404), ("common", 200), ("device", 200))
PHONEBOOK = "phonebook"
CHUNK = 500
PG_SERVER_URL = os.environ.get("BENCH_DATABASE_URL",
                               "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Fetch:
    name: str
    status: int
    etag: str  # the service's ETag for this phone's file ("-" for a 404)
    static_etag: str  # nginx's for the same path in the static copy ("-" for a 404)
    kind: str = ""


@dataclass
class Phone:
    vendor: str
    model: str
    mac: str
    user_agent: str
    tenant_id: int
    secret: str  # its tenant's URL secret
    fetches: list[Fetch] = field(default_factory=list)

    def path(self, name: str) -> str:
        return f"/p/{self.secret}/{name}"


@dataclass
class World:
    backend: str
    database_url: str
    instance: Path
    tenant_ids: list[int]  # the first one's LAN is loopback (TFTP)
    phones: list[Phone]
    static_root: Path  # nginx's root: <static_root>/p/<secret>/<name>
    tftp_root: Path  # tftpd-hpa's root, filled by bench.tftp
    phonebook_bytes: dict[str, int] = field(default_factory=dict)  # per vendor
    timings: dict[str, float] = field(default_factory=dict)

    def tftp_names(self) -> list[str]:
        """The files the first tenant's phones fetch, in boot order (phonebooks: HTTPS only)."""
        return [f.name for phone in self.phones if phone.tenant_id == self.tenant_ids[0]
                for f in phone.fetches if f.status == 200 and f.kind != PHONEBOOK]

    def path(self, name: str) -> str:
        return f"/p/{self.secret}/{name}"


def user_agent(vendor: str, model: str, mac: str) -> str:
    if vendor == "snom":
        return (f"Mozilla/4.0 (compatible; snom{model}-SIP 10.1.184.14 "
                f"2010.12-00004-g9ba52f5 {mac.upper()})")
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    return f"Yealink SIP-{model} 96.86.0.70 {colons}"


def fleet(count: int) -> list[tuple[str, str, str]]:
    """(vendor, model, mac) of ``count`` phones, snom and Yealink alternating."""
    out = []
    for i in range(count):
        if i % 2 == 0:
            out.append(("snom", SNOM_MODELS[i // 2 % len(SNOM_MODELS)], f"000413{i:06x}"))
        else:
            out.append(("yealink", YEALINK_MODELS[i // 2 % len(YEALINK_MODELS)],
                        f"805ec0{i:06x}"))
    return out


@contextlib.contextmanager
def database(backend: str, root: Path) -> Iterator[str]:
    """A new, empty database of that kind; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{root / 'bench.sqlite'}"
        return
    admin_url = sa.make_url(PG_SERVER_URL).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"provisioning_bench_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_app(instance: Path, database_url: str, env: dict[str, str]) -> Any:
    """The application as the service's processes build it from ``env`` (PROVISIONING_*)."""
    from provisioning import create_app

    overrides = {key.removeprefix("PROVISIONING_"): json.loads(value)
                 for key, value in env.items()}
    return create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": database_url,
                       "LOG_LEVEL": "WARNING", **overrides})


def populate(count: int, per_tenant: int) -> list[int]:
    """Tenants of ``per_tenant`` phones each (companies of a hosted PBX), each with a site, its
    employees with numbers and SIP accounts, and a phone for each; the tenants' ids. The first
    tenant's office LAN is loopback (TFTP clients on 127.x are its phones). Committed in chunks."""
    from provisioning.context import Actor, acting_as
    from provisioning.crypto import generate_password, secret_box
    from provisioning.extensions import db
    from provisioning.models import Device, Employee, Tenant
    from provisioning.numbers.models import NumberStatus, PhoneNumber
    from provisioning.sip.models import SipAccount
    from provisioning.sites.models import Network, Site

    box = secret_box()
    phones = fleet(count)
    tenant_ids = []
    with acting_as(Actor(label="bench", via="cli")):
        for first in range(0, count, per_tenant):
            t = len(tenant_ids) + 1
            tenant = Tenant(name=f"Boot Storm {t} AG", customer_number=f"BENCH-{t:04d}",
                            sip_domain=f"bench{t}.sip.test", min_password_strength=2)
            db.session.add(tenant)
            db.session.flush()
            site = Site(tenant_id=tenant.id, name="Head office", language="de",
                        timezone="Europe/Berlin", ntp_server="de.pool.ntp.org")
            db.session.add(site)
            db.session.flush()
            if t == 1:
                db.session.add(Network(tenant_id=tenant.id, site_id=site.id, cidr="127.0.0.0/8"))
            tenant_ids.append(tenant.id)
            last = min(count, first + per_tenant)
            for i, (vendor, model, mac) in enumerate(phones[first:last], first):
                number = PhoneNumber(tenant_id=tenant.id, e164=f"+49305{i:07d}",
                                     status=NumberStatus.ACTIVE, settings={})
                employee = Employee(tenant_id=tenant.id, display_name=f"Employee {i:05d}",
                                    personal_number=number, site_id=site.id)
                employee.sip_account = SipAccount(
                    tenant_id=tenant.id, username=f"u{i + 10_000_000:08d}",
                    password_encrypted=box.encrypt(generate_password(24)), enabled=True)
                db.session.add_all([number, employee])
                db.session.flush()
                db.session.add(Device(tenant_id=tenant.id, vendor=vendor, model=model, mac=mac,
                                      employee_id=employee.id, site_id=site.id))
                if (i + 1) % CHUNK == 0:
                    db.session.commit()
            db.session.commit()
    return tenant_ids


def _body(store: Any, tenant_id: int, mac: str, name: str, variant: str) -> bytes | None:
    from provisioning.crypto import secret_box

    stored = store.file(tenant_id, mac, name, variant)
    if stored is None and variant == "full":
        stored = store.file(tenant_id, mac, name, "public")
    if stored is None:
        return None
    return secret_box().decrypt(stored.body.decode()).encode() if stored.encrypted else stored.body


def nginx_etag(path: Path) -> str:
    stat = path.stat()
    return f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'


def _variant(store: Any, tenant: dict, mac: str, transport: str) -> str:
    from provisioning.phones import serving

    return serving.decide(store.device(mac), tenant, "127.0.0.1", transport, None).variant


def dump(store: Any, secrets_by_tenant: dict[int, str], static_root: Path
         ) -> tuple[list[Phone], dict[str, int]]:
    """Each phone's boot sequence with the ETags the service answers, and the same bytes on
    disk for nginx (what a phone on 127.0.0.1 gets over HTTPS) under its tenant's URL. A
    model-wide name (snomD785.htm) is one file per tenant: its first device's copy. Also the
    phonebook's size per vendor (of the first tenant)."""
    from provisioning.phones.configs import etag_for
    from provisioning.vendors.registry import registry

    tenants = store.tenants()
    written: dict[Path, str] = {}
    mtime_base = 1_600_000_000
    for secret in secrets_by_tenant.values():
        (static_root / "p" / secret).mkdir(parents=True)
    phones: list[Phone] = []
    phonebook_bytes: dict[str, int] = {}
    for mac, vendor_name, model, tenant_id in store.conn.execute(
            "SELECT mac, vendor, model, tenant_id FROM devices ORDER BY device_id"):
        vendor = registry()[vendor_name]
        names = vendor.device_filenames(model, mac)
        secret = secrets_by_tenant[tenant_id]
        phone = Phone(vendor_name, model, mac, user_agent(vendor_name, model, mac), tenant_id,
                      secret)
        variant = _variant(store, tenants[tenant_id], mac, "https")
        sequence = list(SNOM_SEQUENCE if vendor_name == "snom" else YEALINK_SEQUENCE)
        book_name = vendor.phonebook_filename(model, mac) if vendor.phonebook else None
        if book_name:
            sequence.append((PHONEBOOK, 200))
        for kind, status in sequence:
            name = book_name if kind == PHONEBOOK else names[kind]
            if status != 200:
                phone.fetches.append(Fetch(name, status, "-", "-", kind))
                continue
            if kind == PHONEBOOK:
                book = store.phonebook(tenant_id, mac, name)
                body, etag = (book.body, book.etag) if book else (None, "")
                phonebook_bytes.setdefault(vendor_name, len(body or b""))
            else:
                body = _body(store, tenant_id, mac, name, variant)
                etag = etag_for(body) if body is not None else ""
            if body is None:
                raise RuntimeError(f"the render store lacks {name} of {mac}")
            target = static_root / "p" / secret / name
            if target not in written:
                target.write_bytes(body)
                # nginx's ETag is mtime-size: one second apart, no two files share one.
                mtime = mtime_base + len(written)
                os.utime(target, (mtime, mtime))
                written[target] = nginx_etag(target)
            phone.fetches.append(Fetch(name, 200, etag, written[target], kind))
        phones.append(phone)
    return phones, phonebook_bytes


def build(backend: str, database_url: str, instance: Path, root: Path, env: dict[str, str],
          count: int, per_tenant: int) -> World:
    """Migrate, populate, render (the keeper), dump. ``env``: the PROVISIONING_* settings the
    service's processes get (the phones' URL, whom to trust), so that files render the same."""
    from flask_migrate import upgrade

    from provisioning.extensions import db
    from provisioning.phones.configs import tenant_url_secret
    from provisioning.phones.keeper import sync_store
    from provisioning.tenants.models import Tenant

    app = make_app(instance, database_url, env)
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        t1 = time.perf_counter()
        tenant_ids = populate(count, per_tenant)
        t2 = time.perf_counter()
        sync_store()
        t3 = time.perf_counter()
        secrets_by_tenant = {tid: tenant_url_secret(db.session.get(Tenant, tid))
                             for tid in tenant_ids}
        store = app.extensions["provisioning.render_store"]
        phones, phonebook_bytes = dump(store, secrets_by_tenant, root / "static")
        db.session.remove()
        db.engine.dispose()
    timings = {"migrate_s": round(t1 - t0, 2), "populate_s": round(t2 - t1, 2),
               "render_store_sync_s": round(t3 - t2, 2)}
    return World(backend, database_url, instance, tenant_ids, phones, root / "static",
                 root / "tftp", phonebook_bytes, timings)
