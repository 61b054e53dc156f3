"""What a device's phonebook holds, for the API: selection, counts, the model's cut, version."""

from __future__ import annotations

from typing import Any

from flask import current_app

from phonebook_sync import describe
from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.phones.configs import phone_settings, phonebook_url


def device_phonebook(device: Device) -> dict[str, Any]:
    employee = device.employee
    account = employee.sip_account if employee is not None else None
    url = phonebook_url(device, phone_settings(), bool(account is not None and account.enabled))
    info = describe(db.session(), device)
    version = None
    if url is not None:
        store = current_app.extensions["provisioning.render_store"]
        stored = store.phonebook(device.tenant_id, device.mac, url.rsplit("/", 1)[-1],
                                 with_body=False)
        version = stored.etag.strip('"') if stored is not None else None
    else:
        info.update(entries_total=0, entries_kept=0, truncated=False)
    return {"device_id": device.id, "group_id": None, "private_contacts": False, **info,
            "url": url, "version": version}
