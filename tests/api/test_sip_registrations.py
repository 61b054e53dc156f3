"""Registration status and re-sync through the API, on an in-memory SIP core behind the same
interface as Kamailio (pbx.core.SipCore): one bulk read per list, the assigned device told
apart from other phones on its account, "unknown" when the core does not answer, and
configuration changes queue staggered re-sync jobs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from pbx.core import Contact, CoreUnavailable, NotifyResult, Subscriber
from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.jobs.models import Job
from provisioning.journal.models import JournalEntry
from provisioning.phones.models import DeviceStatus
from provisioning.sipcore.core import _Holder
from provisioning.sipcore.resync import RESYNC_JOB, resync_devices
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device
from tests.factories_people import make_employee


class FakeCore:
    """A SIP core in memory; ``down`` makes every live call fail like a stopped Kamailio."""

    name = "fake"

    def __init__(self) -> None:
        self.contacts: dict[str, list[Contact]] = {}
        self.down = False
        self.calls: list[str] = []
        self.notified: list[tuple[str, str, bool]] = []

    def _live(self, call: str) -> None:
        self.calls.append(call)
        if self.down:
            raise CoreUnavailable("connection refused")

    def is_set_up(self) -> bool:
        return True

    def sync_subscriber(self, subscriber: Subscriber) -> None: ...
    def remove_subscriber(self, username: str, domain: str) -> None: ...
    def sync_domain(self, domain: str) -> None: ...
    def remove_domain(self, domain: str) -> None: ...

    def replace_all(self, domains, subscribers):
        return {}

    def registrations(self) -> dict[str, list[Contact]]:
        self._live("registrations")
        return self.contacts

    def contacts_of(self, aor: str) -> list[Contact]:
        self._live("contacts_of")
        return self.contacts.get(aor, [])

    def unregister(self, aor: str) -> None: ...

    def resync(self, contact: Contact, vendor: str, *, wait: bool = True) -> NotifyResult:
        self._live("resync")
        self.notified.append((contact.address, vendor, wait))
        return NotifyResult(contact.address, 200 if wait else None, "OK" if wait else "sent")

    def ping(self) -> str:
        self._live("ping")
        return "fake"

    def register(self, employee, user_agent: str, port: int, source: str | None = None) -> str:
        account = employee.sip_account
        aor = f"{account.username}@{account.domain}"
        address = f"sip:{account.username}@192.0.2.{port % 250}:{port}"
        self.contacts.setdefault(aor, []).append(Contact(
            aor=aor, address=address, source=source or f"sip:192.0.2.{port % 250}:{port}",
            nated=source is not None, socket="udp:127.0.0.1:5060", user_agent=user_agent,
            expires_at=utcnow() + dt.timedelta(hours=1), instance=None))
        return address


@pytest.fixture
def core(app, monkeypatch):
    fake = FakeCore()
    holder = _Holder(fake)
    holder.ready = True
    monkeypatch.setitem(app.extensions, "provisioning.sip_core", holder)
    return fake


def _admin(tenant):
    return headers_for(make_account(Role.ADMIN, tenant))


def test_the_registration_list_reads_the_core_once_and_tells_the_device_apart(client, core):
    tenant = make_tenant()
    anna, ben = make_employee(tenant), make_employee(tenant)
    desk = make_device(tenant, mac="000413aaaa01", employee_id=anna.id)
    make_device(tenant, mac="000413aaaa02", employee_id=ben.id)
    spare = make_device(tenant, mac="000413aaaa03")
    core.register(anna, "snomD785/10.1.184.15 000413AAAA01", 5070)
    core.register(anna, "Zoiper v2.10", 5071)

    page = client.get("/api/v1/registrations", headers=_admin(tenant)).get_json()

    assert core.calls == ["registrations"]
    states = {item["device_id"]: item for item in page["items"]}
    assert page["total"] == 3
    desk_state = states[desk.id]
    assert desk_state["state"] == "registered" and desk_state["assigned_device_registered"]
    by_ua = {c["user_agent"]: c for c in desk_state["contacts"]}
    assert by_ua["snomD785/10.1.184.15 000413AAAA01"]["is_assigned_device"] is True
    assert by_ua["snomD785/10.1.184.15 000413AAAA01"]["source_address"] == "192.0.2.70:5070"
    assert by_ua["Zoiper v2.10"]["is_assigned_device"] is None
    assert [s["state"] for s in page["items"] if s["device_id"] != desk.id] == [
        "not_registered", "no_account"]
    assert states[spare.id]["aor"] is None


def test_a_phone_without_its_mac_in_the_user_agent_is_known_by_its_fetch_address(client, core):
    tenant = make_tenant()
    anna = make_employee(tenant)
    desk = make_device(tenant, mac="805ec0aaaa04", vendor="yealink", model="T54W",
                       employee_id=anna.id)
    db.session.merge(DeviceStatus(device_id=desk.id, tenant_id=tenant.id,
                                  last_seen_addr="192.0.2.72"))
    db.session.commit()
    core.register(anna, "Yealink SIP-T54W 96.86.0.100", 5072)
    core.register(anna, "Zoiper v2.10", 5073)
    state = client.get(f"/api/v1/devices/{desk.id}/registration",
                       headers=_admin(tenant)).get_json()
    matched = [c for c in state["contacts"] if c["is_assigned_device"]]
    assert [(c["user_agent"], c["matched_by"]) for c in matched] == [
        ("Yealink SIP-T54W 96.86.0.100", "address")]


def test_a_core_that_does_not_answer_makes_the_state_unknown_with_its_reason(client, core):
    tenant = make_tenant()
    anna = make_employee(tenant)
    desk = make_device(tenant, employee_id=anna.id)
    core.down = True
    headers = _admin(tenant)
    for url in (f"/api/v1/devices/{desk.id}/registration",
                f"/api/v1/employees/{anna.id}/registration"):
        body = client.get(url, headers=headers).get_json()
        assert body["state"] == "unknown" and "connection refused" in body["reason"]
    [item] = client.get("/api/v1/registrations", headers=headers).get_json()["items"]
    assert item["state"] == "unknown" and item["contacts"] == []
    r = client.post(f"/api/v1/devices/{desk.id}/resync", headers=headers)
    assert r.status_code == 503 and r.get_json()["error_id"] == "sip_core_unavailable"


def test_resync_notifies_the_devices_own_contacts_and_is_journaled(client, core):
    tenant = make_tenant()
    anna = make_employee(tenant)
    desk = make_device(tenant, mac="000413aaaa05", employee_id=anna.id)
    mine = core.register(anna, "snomD785/10.1.184.15 000413aaaa05", 5074)
    core.register(anna, "snomD785/10.1.184.15 000413bbbb05", 5075)  # another desk phone
    r = client.post(f"/api/v1/devices/{desk.id}/resync", headers=_admin(tenant))
    assert r.status_code == 200, r.get_json()
    assert core.notified == [(mine, "snom", True)]
    assert r.get_json()["notified"] == [{"contact": mine, "code": 200, "reason": "OK"}]
    entry = db.session.execute(select(JournalEntry).where(
        JournalEntry.action == "resync_device", JournalEntry.object_id == desk.id)).scalar_one()
    assert entry.tenant_id == tenant.id


def test_resync_of_a_device_that_is_not_registered_is_a_conflict(client, core):
    tenant = make_tenant()
    anna = make_employee(tenant)
    desk = make_device(tenant, employee_id=anna.id)
    core.register(anna, "snomD785/10.1.184.15 000413cccc06", 5076)  # not this MAC
    r = client.post(f"/api/v1/devices/{desk.id}/resync", headers=_admin(tenant))
    assert r.status_code == 409 and r.get_json()["error_id"] == "device_not_registered"
    unassigned = make_device(tenant)
    r = client.post(f"/api/v1/devices/{unassigned.id}/resync", headers=_admin(tenant))
    assert r.status_code == 409


def test_a_user_sees_their_own_devices_state_and_may_not_resync(client, core):
    tenant = make_tenant()
    account = make_account(Role.USER, tenant)
    me, colleague = make_employee(tenant, account_id=account.id), make_employee(tenant)
    mine = make_device(tenant, employee_id=me.id)
    make_device(tenant, employee_id=colleague.id)
    headers = headers_for(account)
    page = client.get("/api/v1/registrations", headers=headers).get_json()
    assert [item["device_id"] for item in page["items"]] == [mine.id]
    assert client.post(f"/api/v1/devices/{mine.id}/resync", headers=headers).status_code == 403


def _resync_jobs() -> list[Job]:
    return list(db.session.execute(
        select(Job).where(Job.kind == RESYNC_JOB).order_by(Job.run_at)).scalars())


def test_changed_configurations_queue_staggered_resync_jobs(client, core, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIP_RESYNC_BATCH", 2)
    monkeypatch.setitem(app.config, "SIP_RESYNC_SPACING_SECONDS", 10)
    monkeypatch.setitem(app.config, "SIP_RESYNC_DELAY_SECONDS", 5)
    tenant = make_tenant()
    people = [make_employee(tenant) for _ in range(5)]
    devices = [make_device(tenant, employee_id=p.id) for p in people]
    assert _resync_jobs() == []  # a first rendering is nobody's change

    before = utcnow()
    headers = _admin(tenant)
    for person in people:
        assert client.patch(f"/api/v1/employees/{person.id}", headers=headers,
                            json={"display_name": f"{person.display_name} 2"}).status_code == 200
    jobs = _resync_jobs()
    # every device lists every colleague in its phonebook: each change touches all five, and
    # a device waiting for its re-sync is not queued again
    assert sorted(i for j in jobs for i in j.payload["device_ids"]) == sorted(
        d.id for d in devices)
    assert all(len(j.payload["device_ids"]) <= 2 for j in jobs)
    assert jobs[0].run_at >= before + dt.timedelta(seconds=5)
    gaps = [(b.run_at - a.run_at).total_seconds() for a, b in zip(jobs, jobs[1:], strict=False)]
    assert gaps and all(gap >= 10 for gap in gaps)


def test_the_resync_job_skips_phones_on_the_new_version_and_other_phones(app, core):
    tenant = make_tenant()
    anna, ben = make_employee(tenant), make_employee(tenant)
    stale = make_device(tenant, mac="000413dddd07", employee_id=anna.id)
    current = make_device(tenant, mac="000413dddd08", employee_id=ben.id)
    status = db.session.get(DeviceStatus, current.id)
    status.fetched_version = status.rendered_version
    db.session.commit()
    mine = core.register(anna, "snomD785/10.1.184.15 000413dddd07", 5077)
    core.register(anna, "Zoiper v2.10", 5078)
    core.register(ben, "snomD785/10.1.184.15 000413dddd08", 5079)

    resync_devices({"device_ids": [stale.id, current.id]})

    assert core.calls.count("registrations") == 1
    assert core.notified == [(mine, "snom", False)]


def test_without_a_sip_core_the_state_is_unknown_and_resync_unavailable(client, app,
                                                                          monkeypatch):
    monkeypatch.setitem(app.extensions, "provisioning.sip_core", _Holder(None))
    tenant = make_tenant()
    desk = make_device(tenant, employee_id=make_employee(tenant).id)
    headers = _admin(tenant)
    body = client.get(f"/api/v1/devices/{desk.id}/registration", headers=headers).get_json()
    assert (body["state"], body["reason"]) == ("unknown", "no SIP core is configured")
    assert client.post(f"/api/v1/devices/{desk.id}/resync", headers=headers).status_code == 503
