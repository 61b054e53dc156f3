"""How long one device's whole phonebook takes to build, and how much memory: a tenant with
50,000 contacts (two numbers each) and 200 employees, all of them on a Yealink and a snom phone
(mode "all", no model cut).

    .venv/bin/python -m bench.phonebook_render [--contacts 50000]

Prints, per vendor: reading the entries from the database (SQLite, the embedded default), the
cut and the rendering, the whole build as the invalidation runs it, the peak Python memory of the
whole build (tracemalloc) and the process's maximum resident size; and the time the phone path
needs to answer an unchanged phonebook (the stored ETag only: no render, no body read).
Targets (issue 6): the whole build under 1 s and 150 MB. Timed here, never in the tests.
Times are the best of three; on a loaded machine they are that much slower (print the load).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path


def _seed(contacts: int) -> dict:
    from sqlalchemy import insert

    from provisioning.contacts.models import Contact, ContactNumber
    from provisioning.devices.models import Device
    from provisioning.employees.models import Employee
    from provisioning.extensions import db
    from provisioning.numbers.models import PhoneNumber
    from provisioning.tenants.models import Tenant

    tenant = Tenant(name="Bench", customer_number="BENCH-1", sip_domain="bench.sip.test")
    db.session.add(tenant)
    db.session.flush()
    now = __import__("datetime").datetime.now(__import__("datetime").UTC)
    conn = db.session.connection()
    conn.execute(insert(Contact), [
        {"id": i, "tenant_id": tenant.id, "first_name": f"First{i}", "last_name": f"Last{i:06d}",
         "company": "Company & Sons <GmbH>" if i % 7 == 0 else "", "favourite": i % 50 == 0,
         "private": False, "version": 1, "created_at": now, "updated_at": now}
        for i in range(1, contacts + 1)])
    conn.execute(insert(ContactNumber), [
        {"tenant_id": tenant.id, "contact_id": i, "position": p, "kind": kind,
         "number": f"+49{30 + p}{i:08d}"}
        for i in range(1, contacts + 1) for p, kind in enumerate(("office", "mobile"))])
    for n in range(200):
        number = PhoneNumber(tenant_id=tenant.id, e164=f"+4930777{n:05d}", status="active")
        db.session.add(number)
        db.session.flush()
        db.session.add(Employee(tenant_id=tenant.id, display_name=f"Employee {n}",
                                personal_number_id=number.id))
    devices = {}
    for vendor, mac, model in (("yealink", "805ec0000001", "T54W"),
                               ("snom", "000413000001", "D785")):
        device = Device(tenant_id=tenant.id, mac=mac, vendor=vendor, model=model)
        db.session.add(device)
        devices[vendor] = device
    db.session.flush()
    return devices


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_growth(fn) -> float | None:
    """Peak resident size during ``fn`` above the size before it (Linux: VmHWM reset through
    /proc/self/clear_refs), so that seeding the database does not count."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = _status_mb("VmRSS")
    fn()
    peak = _status_mb("VmHWM")
    return round(peak - before, 1) if peak is not None and before is not None else None


def _clock(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=50_000)
    args = parser.parse_args()

    import os

    from flask_migrate import upgrade

    from phonebook_sync import cut, device_phonebook, limits_for, load_entries, selection_for
    from provisioning import create_app
    from provisioning.extensions import db
    from provisioning.vendors.registry import registry

    tmp = Path(tempfile.mkdtemp(prefix="bench-phonebook-"))
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp / "instance"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        devices = _seed(args.contacts)
        session = db.session()
        for vendor_name, device in devices.items():
            vendor = registry()[vendor_name]
            selection = selection_for(device)
            read, entries = _clock(lambda s=selection: load_entries(session, s))
            limits = limits_for(vendor, device.model)
            render, body = _clock(
                lambda e=entries, v=vendor, lim=limits: v.render_phonebook(cut(e, lim).entries,
                                                                           "Phonebook"))
            whole, rendered = _clock(lambda d=device: device_phonebook(session, d, {}))
            growth = _rss_growth(lambda d=device: device_phonebook(session, d, {}))
            tracemalloc.start()
            device_phonebook(session, device, {})
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(json.dumps({
                "vendor": vendor_name, "entries": len(entries), "bytes": len(body),
                "read_s": round(read, 3), "cut_and_render_s": round(render, 3),
                "whole_build_s": round(whole, 3), "peak_python_mb": round(peak / 2**20, 1),
                "rss_growth_mb": growth,
                "max_rss_mb_incl_seeding": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "etag": rendered.etag}))
        db.session.commit()  # the render store now holds both phonebooks
        store = app.extensions["provisioning.render_store"]
        name = registry()["yealink"].phonebook_filename("T54W", "805ec0000001")
        tenant_id = devices["yealink"].tenant_id
        n = 2000
        start = time.perf_counter()
        for _ in range(n):
            store.phonebook(tenant_id, "805ec0000001", name, with_body=False)
        per = (time.perf_counter() - start) / n
        print(json.dumps({"unchanged_304_lookup_us": round(per * 1e6, 1),
                          "load_average": os.getloadavg(), "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
