"""Unknown phones get a credential-free file and wait in a bounded list; MAC scans are slowed,
then refused, counted in the database so that every worker shares the count."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from provisioning.extensions import db
from provisioning.phones.defence import ScanDefence
from provisioning.phones.models import RateCounter, UnrecognisedDevice
from tests.factories_phones import (
    SNOM_MAC,
    SNOM_UA,
    YEALINK_UA,
    direct,
    make_phone,
    phone_tenant,
    phone_url,
    phone_worker,  # noqa: F401 - autouse fixture
    via_proxy,
)

SCANNER = "203.0.113.66"


def _flush(app) -> None:
    app.extensions["provisioning.fetch_recorder"].flush_now()


def _yealink(mac: str) -> tuple[str, dict]:
    """A request for a Yealink <mac>.cfg with a matching User-Agent, from SCANNER."""
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    return f"{mac}.cfg", via_proxy(f"Yealink SIP-T46G 28.72.0.1 {colons}", SCANNER)


def test_an_unknown_phone_gets_a_generic_file_and_is_listed(client, app):
    tenant = phone_tenant()
    r = client.get(f"{phone_url(tenant)}000413aabb99.xml", **direct(
        SNOM_UA.replace("000413922D24", "000413AABB99"), "192.0.2.50"))
    assert r.status_code == 200
    assert b"user_pass" not in r.data and phone_url(tenant).encode() in r.data
    assert r.headers["Cache-Control"] == "no-cache"
    ca = app.extensions["provisioning.ca_pem"].splitlines()[1]
    assert ca.encode() in r.data  # the generic file installs our CA in the phone
    client.get(f"{phone_url(tenant)}snomD785-000413AABB99.htm", **direct(
        SNOM_UA.replace("000413922D24", "000413AABB99"), "192.0.2.50"))
    _flush(app)
    row = db.session.execute(select(UnrecognisedDevice)).scalar_one()
    assert (row.tenant_id, row.mac, row.vendor, row.model) == (tenant.id, "000413aabb99", "snom",
                                                               "D785")
    assert (row.firmware, row.addr, row.requests) == ("10.1.33.33", "192.0.2.50", 2)


def test_the_unrecognised_list_is_bounded_per_tenant(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "UNRECOGNISED_MAX_PER_TENANT", 3)
    tenant = phone_tenant()
    for n in range(5):
        name, kwargs = _yealink(f"0015650000{n:02x}")
        assert client.get(f"{phone_url(tenant)}{name}", **kwargs).status_code == 200
        _flush(app)
    count = db.session.execute(select(func.count()).select_from(UnrecognisedDevice)).scalar()
    assert count == 3


def test_a_known_device_is_not_listed_as_unrecognised(client, app):
    tenant = phone_tenant()
    make_phone(tenant, "snom")
    client.get(f"{phone_url(tenant)}{SNOM_MAC.upper()}.xml", **via_proxy(SNOM_UA))
    _flush(app)
    assert db.session.execute(select(UnrecognisedDevice)).first() is None


def test_a_mac_scan_is_slowed_then_refused(client, app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SCAN_SLOWDOWN_AFTER", 3)
    monkeypatch.setitem(app.config, "SCAN_BLOCK_AFTER", 5)
    monkeypatch.setitem(app.config, "SCAN_BLOCK_SECONDS", 900)
    tenant = phone_tenant()
    make_phone(tenant, "yealink")
    base = phone_url(tenant)
    statuses = []
    caplog.set_level(logging.WARNING, logger="provisioning.scan")
    for n in range(7):
        name, kwargs = _yealink(f"0015651111{n:02x}")
        r = client.get(f"{base}{name}", **kwargs)
        statuses.append(r.status_code)
        if r.status_code in (403, 429):
            assert int(r.headers["Retry-After"]) > 0
            assert b"version" not in r.data
    assert statuses == [200, 200, 200, 429, 429, 403, 403]
    counter = db.session.get(RateCounter, f"scan:{SCANNER}")
    assert counter.count == 6 and counter.blocked_until is not None
    assert f"provisioning-scan: refused {SCANNER} reason=blocked" in caplog.text
    # blocked: even the known phone behind that address is refused, from memory
    known = client.get(f"{base}0015654aa937.cfg", **via_proxy(YEALINK_UA, SCANNER))
    assert known.status_code == 403
    # another worker (fresh memory) learns it from the database at its first unknown MAC
    monkeypatch.setitem(app.extensions, "provisioning.scan_defence", ScanDefence())
    name, kwargs = _yealink("001565222201")
    assert client.get(f"{base}{name}", **kwargs).status_code == 403
    # everyone else is served
    assert client.get(f"{base}0015654aa937.cfg", **via_proxy(YEALINK_UA)).status_code == 200


def test_a_phone_asking_its_files_again_counts_once(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_SLOWDOWN_AFTER", 1)
    tenant = phone_tenant()
    name, kwargs = _yealink("001565333301")
    for _ in range(4):
        assert client.get(f"{phone_url(tenant)}{name}", **kwargs).status_code == 200
    monkeypatch.setitem(app.extensions, "provisioning.scan_defence", ScanDefence())
    assert client.get(f"{phone_url(tenant)}{name}", **kwargs).status_code == 200
    assert db.session.get(RateCounter, f"scan:{SCANNER}").count == 1


def test_known_devices_are_not_counted(client, app):
    tenant = phone_tenant()
    make_phone(tenant, "yealink")
    for _ in range(3):
        client.get(f"{phone_url(tenant)}0015654aa937.cfg", **via_proxy(YEALINK_UA, SCANNER))
    assert db.session.get(RateCounter, f"scan:{SCANNER}") is None
