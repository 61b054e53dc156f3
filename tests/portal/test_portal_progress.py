"""A tenant's re-sync from the portal: queued, done in chunks by the job queue, its progress
counted in the database and shown while it runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pbx.core import Contact
from provisioning.accounts.models import Role
from provisioning.extensions import db
from provisioning.jobs.models import Job
from provisioning.portal import work
from tests.factories import make_account, make_tenant
from tests.factories_fleet import make_device
from tests.factories_people import make_employee
from tests.portal.helpers import post, sign_in


@dataclass
class Sent:
    code: int | None = None
    reason: str = "sent"


class FakeCore:
    """Answers the bulk read with one registration per phone (its MAC in the User-Agent) and
    counts NOTIFYs."""

    def __init__(self, phones: dict[str, str]) -> None:
        self.phones = phones  # AoR -> MAC
        self.notified: list[str] = []

    def registrations(self):
        return {aor: [Contact(aor=aor, address=f"sip:{aor.split('@')[0]}@192.0.2.9:5060",
                              source=None, nated=False, socket="udp:127.0.0.1:5060",
                              user_agent=f"snomD785/10.1.184.15 {mac}", expires_at=None,
                              instance=None)]
                for aor, mac in self.phones.items()}

    def resync(self, contact, vendor, wait=True):
        self.notified.append(contact.address)
        return Sent()


def _pending(kind: str) -> list[Job]:
    return list(db.session.execute(
        select(Job).where(Job.kind == kind, Job.status == "pending").order_by(Job.id)).scalars())


def test_a_tenant_resync_runs_in_chunks_and_its_progress_shows(app, client, monkeypatch):
    tenant = make_tenant()
    admin = make_account(Role.SUPERADMIN, tenant)
    people = [make_employee(tenant) for _ in range(3)]
    phones = {f"{p.sip_account.username}@{tenant.sip_domain}":
              make_device(tenant, employee_id=p.id).mac for p in people}
    make_device(make_tenant())
    core = FakeCore(phones)
    monkeypatch.setattr(work, "sip_core", lambda: core)
    monkeypatch.setitem(app.config, "SIP_RESYNC_BATCH", 2)
    sign_in(client, admin)
    r = post(client, "/portal/settings/resync", {})
    assert r.status_code == 302 and "/portal/progress/" in r.headers["Location"]
    progress_url = r.headers["Location"]
    state = client.get(progress_url + ".json").json
    assert (state["done"], state["total"], state["finished"]) == (0, 3, False)
    assert "<progress" in client.get(progress_url).get_data(as_text=True)

    for expected_done in (2, 3, 3):
        [job] = _pending(work.RESYNC_JOB)
        payload = dict(job.payload)
        job.status = "done"
        work.resync_chunk(payload)
        db.session.commit()
        assert client.get(progress_url + ".json").json["done"] == expected_done
    assert client.get(progress_url + ".json").json["finished"] is True
    assert len(core.notified) == 3, "each phone of the tenant once, none of another tenant's"
    assert _pending(work.RESYNC_JOB) == []


def test_another_tenants_progress_is_not_found_and_users_may_not_start_one(client):
    tenant = make_tenant()
    with_devices = make_tenant()
    make_device(with_devices)
    theirs = work.WorkProgress(tenant_id=with_devices.id, kind="tenant-resync", total=1)
    db.session.add(theirs)
    db.session.commit()
    sign_in(client, make_account(Role.ADMIN, tenant))
    assert client.get(f"/portal/progress/{theirs.id}.json").status_code == 404
    post(client, "/portal/logout", token_from="/portal/me")
    sign_in(client, make_account(Role.USER, tenant))
    assert post(client, "/portal/settings/resync", {}).status_code == 403
