"""What phones fetch is recorded (buffered, flushed together): last seen, the version the phone
runs, and a bounded history; the stale-devices logic follows it."""

from __future__ import annotations

from sqlalchemy import select

from provisioning.devices.models import FunctionKey, KeyKind
from provisioning.extensions import db
from provisioning.phones.models import DeviceFetch, DeviceStatus
from tests.factories_people import make_employee, make_number
from tests.factories_phones import (
    SNOM_MAC,
    SNOM_UA,
    YEALINK_MAC,
    YEALINK_UA,
    direct,
    make_phone,
    phone_tenant,
    phone_url,
    phone_worker,  # noqa: F401 - autouse fixture
    save,
    via_proxy,
)


def _flush(app) -> None:
    app.extensions["provisioning.fetch_recorder"].flush_now()


def _status(device) -> DeviceStatus:
    status = db.session.get(DeviceStatus, device.id)
    db.session.refresh(status)
    return status


def _history(device) -> list[DeviceFetch]:
    return list(db.session.execute(
        select(DeviceFetch).where(DeviceFetch.device_id == device.id)
        .order_by(DeviceFetch.id)).scalars())


def test_a_fetch_records_last_seen_the_version_and_a_history_row(client, app):
    tenant = phone_tenant()
    phone = make_phone(tenant, "snom")
    assert _status(phone).fetched_version is None
    r = client.get(f"{phone_url(tenant)}{SNOM_MAC.upper()}.xml", **via_proxy(SNOM_UA, "192.0.2.8"))
    assert r.status_code == 200
    assert _status(phone).fetched_version is None  # nothing written per request
    _flush(app)
    status = _status(phone)
    assert status.fetched_version == status.rendered_version
    assert (status.last_seen_addr, status.last_firmware) == ("192.0.2.8", "10.1.33.33")
    assert status.last_user_agent == SNOM_UA and status.last_seen_at is not None
    [row] = _history(phone)
    assert (row.filename, row.protocol, row.addr, row.status, row.credentials) == (
        f"{SNOM_MAC.upper()}.xml", "https", "192.0.2.8", 200, True)
    assert row.version == status.rendered_version


def test_the_stale_list_follows_a_colleague_changing_number(client, app):
    tenant = phone_tenant()
    phone = make_phone(tenant, "yealink")
    colleague = make_employee(tenant)
    db.session.add(FunctionKey(tenant_id=tenant.id, device_id=phone.id, position=1,
                               kind=KeyKind.BLF, target_employee_id=colleague.id))
    save()
    url = f"{phone_url(tenant)}{YEALINK_MAC}.cfg"
    client.get(url, **via_proxy(YEALINK_UA))
    _flush(app)
    assert _status(phone).fetched_version == _status(phone).rendered_version
    colleague.personal_number = make_number(tenant)
    colleague.display_name = "Renamed Colleague"
    save()
    status = _status(phone)
    assert status.fetched_version != status.rendered_version  # stale now
    r = client.get(url, **via_proxy(YEALINK_UA))
    assert b"Renamed Colleague" in r.data
    _flush(app)
    status = _status(phone)
    assert status.fetched_version == status.rendered_version


def test_a_file_without_the_settings_or_without_credentials_does_not_make_it_current(
        client, app):
    tenant = phone_tenant()
    phone = make_phone(tenant, "snom")
    base = phone_url(tenant)
    client.get(f"{base}snomD785-{SNOM_MAC.upper()}.htm", **via_proxy(SNOM_UA))
    client.get(f"{base}{SNOM_MAC.upper()}.xml", **direct(SNOM_UA))  # plain HTTP: public
    _flush(app)
    status = _status(phone)
    assert status.fetched_version is None
    assert [row.credentials for row in _history(phone)] == [False, False]
    assert status.last_seen_at is not None


def test_an_unchanged_file_counts_as_fetched(client, app):
    tenant = phone_tenant()
    phone = make_phone(tenant, "snom", assigned=False)
    url = f"{phone_url(tenant)}{SNOM_MAC.upper()}.xml"
    etag = client.get(url, **via_proxy(SNOM_UA)).headers["ETag"]
    app.extensions["provisioning.fetch_recorder"].discard()  # as if that worker had died
    assert client.get(url, **via_proxy(SNOM_UA, If_None_Match=etag)).status_code == 304
    _flush(app)
    status = _status(phone)
    assert status.fetched_version == status.rendered_version
    assert [row.status for row in _history(phone)] == [304]


def test_last_seen_is_written_at_most_once_per_throttle_period(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LAST_SEEN_THROTTLE_SECONDS", 3600)
    tenant = phone_tenant()
    phone = make_phone(tenant, "snom")
    url = f"{phone_url(tenant)}snomD785.htm"
    client.get(url, **via_proxy(SNOM_UA, "192.0.2.1"))
    _flush(app)
    client.get(url, **via_proxy(SNOM_UA, "192.0.2.2"))
    _flush(app)
    assert _status(phone).last_seen_addr == "192.0.2.1"
    assert len(_history(phone)) == 2  # every served file is in the history


def test_the_history_keeps_the_newest_rows_per_device(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "DEVICE_HISTORY_KEPT", 3)
    tenant = phone_tenant()
    phone = make_phone(tenant, "snom")
    names = ["snomD785.htm", "snomD785.xml", f"snomD785-{SNOM_MAC.upper()}.htm",
             f"{SNOM_MAC.upper()}.xml", "snomD785.htm"]
    for name in names:
        assert client.get(f"{phone_url(tenant)}{name}", **via_proxy(SNOM_UA)).status_code == 200
    _flush(app)
    assert [row.filename for row in _history(phone)] == names[2:]


def test_tftp_records_through_the_same_recorder(app):
    tenant = phone_tenant()
    phone = make_phone(tenant, "yealink")
    recorder = app.extensions["provisioning.fetch_recorder"]
    recorder.record(tenant.id, protocol="tftp", addr="10.0.0.9", user_agent=None,
                    device_id=phone.id, filename=f"{YEALINK_MAC}.cfg", status=200,
                    version=_status(phone).rendered_version, credentials=False)
    recorder.record(tenant.id, protocol="tftp", addr="10.0.0.9", mac="001565999999",
                    vendor="yealink")
    _flush(app)
    [row] = _history(phone)
    assert (row.protocol, row.addr) == ("tftp", "10.0.0.9")
    assert _status(phone).last_seen_addr == "10.0.0.9"
