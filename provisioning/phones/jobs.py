"""Job kinds of the phone side: rendering the devices a large change touched."""

from __future__ import annotations

from typing import Any

from flask import current_app

from provisioning.extensions import db
from provisioning.jobs.registry import JobKind
from provisioning.phones.rendering import RENDER_JOB, render_devices


def render(payload: dict[str, Any]) -> None:
    rendered = render_devices(db.session, payload.get("device_ids", []))
    # The store is local to this instance; other instances' keepers follow device_status.
    db.session.flush()
    store = current_app.extensions["provisioning.render_store"]
    for stored, files in rendered:
        store.replace_device(stored, files)


JOBS = [JobKind(kind=RENDER_JOB, run=render)]
