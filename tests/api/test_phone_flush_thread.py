"""Outside tests' manual flushes, a worker's daemon thread writes the buffered fetches on its own
(an application of its own, on a SQLite file, as a worker process runs it)."""

from __future__ import annotations

import time

from flask_migrate import upgrade
from sqlalchemy import select

from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.phones.configs import tenant_url_secret
from provisioning.phones.models import DeviceFetch, DeviceStatus
from provisioning.tenants.models import Tenant
from tests.conftest import make_test_app
from tests.factories_phones import SNOM_MAC, SNOM_UA


def test_the_flush_thread_writes_fetches_without_being_asked(tmp_path):
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'worker.sqlite'}", TESTING=False,
                        FETCH_FLUSH_SECONDS=0.05)
    recorder = app.extensions["provisioning.fetch_recorder"]
    try:
        with app.app_context():
            upgrade()
            tenant = Tenant(name="T", customer_number="C1", sip_domain="t.sip.test",
                            min_password_strength=2)
            db.session.add(tenant)
            db.session.flush()
            device = Device(tenant_id=tenant.id, mac=SNOM_MAC, vendor="snom", model="D785")
            db.session.add(device)
            db.session.flush()
            db.session.commit()
            url, device_id = f"/p/{tenant_url_secret(tenant)}/snomD785.htm", device.id
            db.session.remove()
        r = app.test_client().get(url, headers={"User-Agent": SNOM_UA},
                                  environ_base={"REMOTE_ADDR": "192.0.2.3"})
        assert r.status_code == 200
        deadline = time.monotonic() + 5
        with app.app_context():
            while time.monotonic() < deadline:
                status = db.session.get(DeviceStatus, device_id)
                if status is not None and status.last_seen_addr == "192.0.2.3":
                    break
                db.session.remove()
                time.sleep(0.05)
            assert db.session.get(DeviceStatus, device_id).last_seen_addr == "192.0.2.3"
            assert db.session.execute(select(DeviceFetch.filename)).scalars().all() == [
                "snomD785.htm"]
            db.session.remove()
    finally:
        recorder.stop()
        with app.app_context():
            db.engine.dispose()
