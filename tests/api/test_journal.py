"""GET /api/v1/journal: admins read their tenant's journal, operators everyone's, users nothing."""

from __future__ import annotations

import datetime as dt

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.context import Actor, acting_as
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import headers_for, make_account, make_tenant


def _entry(tenant_id, *, at=None, actor="someone", action="update", object_type="tenants",
           object_id=None, changes=None) -> JournalEntry:
    entry = JournalEntry(at=at or utcnow(), tenant_id=tenant_id, actor=actor, via="api",
                         action=action, object_type=object_type, object_id=object_id,
                         changes=changes or {})
    db.session.add(entry)
    db.session.commit()
    return entry


def test_admin_reads_only_their_own_tenants_journal(client):
    mine, other = make_tenant(), make_tenant()
    admin = make_account(Role.ADMIN, mine)
    _entry(other.id, object_id=other.id, changes={"name": ["a", "b"]})
    r = client.get("/api/v1/journal", headers=headers_for(admin))
    assert r.status_code == 200, r.json
    assert r.json["items"], "the tenant's own changes are in its journal"
    assert {item["tenant_id"] for item in r.json["items"]} == {mine.id}


def test_admin_naming_another_tenant_finds_nothing(client):
    mine, other = make_tenant(), make_tenant()
    admin = make_account(Role.ADMIN, mine)
    r = client.get(f"/api/v1/journal?tenant_id={other.id}", headers=headers_for(admin))
    assert r.status_code == 404 and r.json["error_id"] == "not_found"


def test_operator_reads_every_tenant_and_may_narrow_to_one(client):
    first, second = make_tenant(), make_tenant()
    operator = make_account(Role.OPERATOR)
    h = headers_for(operator)
    tenants = {item["tenant_id"] for item in
               client.get("/api/v1/journal?per_page=500", headers=h).json["items"]}
    assert {first.id, second.id} <= tenants
    r = client.get(f"/api/v1/journal?tenant_id={second.id}", headers=h)
    assert r.status_code == 200
    assert {item["tenant_id"] for item in r.json["items"]} == {second.id}


def test_a_user_may_not_read_the_journal(client):
    user = make_account(Role.USER)
    r = client.get("/api/v1/journal", headers=headers_for(user))
    assert r.status_code == 403 and r.json["error_id"] == "forbidden"


def test_entries_come_newest_first_with_who_did_what(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    now = utcnow()
    _entry(tenant.id, at=now - dt.timedelta(hours=2), action="old", object_id=tenant.id)
    _entry(tenant.id, at=now - dt.timedelta(hours=1), action="new", object_id=tenant.id,
           actor="alice", changes={"name": ["A", "B"]})
    r = client.get("/api/v1/journal?object_type=tenants&per_page=2", headers=headers_for(admin))
    items = r.json["items"]
    ats = [i["at"] for i in items]
    assert ats == sorted(ats, reverse=True)
    everything = client.get("/api/v1/journal?object_type=tenants&per_page=500",
                            headers=headers_for(admin)).json["items"]
    all_actions = [i["action"] for i in everything]
    assert all_actions.index("new") < all_actions.index("old")
    newest_event = next(i for i in items if i["action"] == "new")
    assert set(newest_event) == {"id", "at", "actor", "via", "action", "object_type",
                                 "object_id", "tenant_id", "changes"}
    assert newest_event["actor"] == "alice" and newest_event["changes"] == {"name": ["A", "B"]}


def test_filters_by_actor_action_object_and_time(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    h = headers_for(admin)
    now = utcnow()
    _entry(tenant.id, at=now - dt.timedelta(days=3), actor="bob", action="old_event", object_id=7)
    _entry(tenant.id, at=now - dt.timedelta(hours=1), actor="bob", action="lockout",
           object_type="accounts", object_id=8)

    def actions(query: str) -> list[str]:
        r = client.get(f"/api/v1/journal?{query}", headers=h)
        assert r.status_code == 200, r.json
        return [i["action"] for i in r.json["items"]]

    assert sorted(actions("actor=bob")) == ["lockout", "old_event"]
    assert actions("action=lockout") == ["lockout"]
    assert actions("object_type=accounts&object_id=8") == ["lockout"]
    since = (now - dt.timedelta(days=1)).isoformat()
    assert "old_event" not in actions(f"actor=bob&since={since.replace('+', '%2B')}")
    until = (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")  # no zone: UTC
    assert actions(f"actor=bob&until={until}") == ["old_event"]


def test_journal_pages(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    for n in range(5):
        _entry(tenant.id, action=f"event{n}", object_id=n)
    h = headers_for(admin)
    r = client.get("/api/v1/journal?object_type=tenants&per_page=2&page=2", headers=h).json
    assert r["page"] == 2 and r["per_page"] == 2 and r["total"] >= 5 and len(r["items"]) == 2


def test_changes_made_by_a_job_or_the_cli_say_so(client):
    tenant = make_tenant()
    operator = make_account(Role.OPERATOR)
    with acting_as(Actor(label="cli:root", via="cli", role="operator")):
        tenant.name = "Renamed by CLI"
        db.session.commit()
    r = client.get(f"/api/v1/journal?tenant_id={tenant.id}&actor=cli:root",
                   headers=headers_for(operator))
    [item] = r.json["items"]
    assert item["via"] == "cli" and item["changes"]["name"][1] == "Renamed by CLI"
