import datetime as dt

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.discovery import lease
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_network


def _admin_and_network(**network):
    tenant = make_tenant()
    return tenant, headers_for(make_account(Role.ADMIN, tenant)), make_network(tenant, **network)


def test_a_new_network_shows_pnp_off_no_window_and_every_vendors_dhcp_values(client):
    _, h, network = _admin_and_network()
    r = client.get(f"/api/v1/networks/{network.id}/discovery", headers=h)
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["pnp_enabled"], body["adoption_window_open"]) == (False, False)
    assert body["adoption_window_until"] is None and body["pnp_responder"] is None
    url = body["provisioning_url"]
    assert "/p/" in url and url.endswith("/")
    dhcp = body["dhcp"]
    assert dhcp["snom"]["options"] == {"66": url}
    assert dhcp["snom"]["vendor_class_prefix"] == "snom"
    assert dhcp["snom"]["per_model"]["snomD785"] == {"67": "snomD785.htm"}
    assert dhcp["yealink"]["options"] == {"66": url, "43": url}
    assert "001565" in dhcp["yealink"]["ouis"]
    assert dhcp["other"]["options"] == {"66": url, "160": url}


def test_an_admin_opens_an_adoption_window_and_closes_it_again_journaled(client):
    tenant, h, network = _admin_and_network(pnp_enabled=True)
    r = client.post(f"/api/v1/networks/{network.id}/adoption-window", headers=h,
                    json={"minutes": 30})
    assert r.status_code == 200, r.json
    until = dt.datetime.fromisoformat(r.json["adoption_window_until"])
    assert dt.timedelta(minutes=29) < until - utcnow() <= dt.timedelta(minutes=30)
    assert r.json["adoption_window_open"] is True
    entry = db.session.query(JournalEntry).filter_by(
        object_type="networks", object_id=network.id, action="update").one()
    assert "adoption_window_until" in entry.changes and entry.tenant_id == tenant.id
    closed = client.post(f"/api/v1/networks/{network.id}/adoption-window", headers=h,
                         json={"minutes": 0})
    assert closed.json["adoption_window_open"] is False
    assert closed.json["adoption_window_until"] is None


def test_no_adoption_window_while_pnp_is_off(client):
    _, h, network = _admin_and_network()
    r = client.post(f"/api/v1/networks/{network.id}/adoption-window", headers=h,
                    json={"minutes": 10})
    assert r.status_code == 409 and r.json["error_id"] == "pnp_disabled"


def test_window_lengths_beyond_the_limit_negative_or_misspelt_are_422(client):
    _, h, network = _admin_and_network(pnp_enabled=True)
    url = f"/api/v1/networks/{network.id}/adoption-window"
    for body in ({"minutes": 24 * 60 + 1}, {"minutes": -1}, {"minute": 5}, {}):
        r = client.post(url, headers=h, json=body)
        assert r.status_code == 422, body


def test_a_stale_if_match_is_412(client):
    _, h, network = _admin_and_network(pnp_enabled=True)
    r = client.post(f"/api/v1/networks/{network.id}/adoption-window",
                    headers={**h, "If-Match": '"network-1-v999"'}, json={"minutes": 5})
    assert r.status_code == 412


def test_users_may_not_and_another_tenants_network_does_not_exist(client):
    tenant, _, network = _admin_and_network(pnp_enabled=True)
    user = headers_for(make_account(Role.USER, tenant))
    stranger = headers_for(make_account(Role.ADMIN))
    paths = [("get", f"/api/v1/networks/{network.id}/discovery", None),
             ("post", f"/api/v1/networks/{network.id}/adoption-window", {"minutes": 5}),
             ("get", f"/api/v1/networks/{network.id}/dhcp?server=isc", None)]
    for method, path, body in paths:
        assert getattr(client, method)(path, headers=user, json=body).status_code == 403, path
        r = getattr(client, method)(path, headers=stranger, json=body)
        assert r.status_code == 404 and r.json["error_id"] == "not_found", path


def test_dhcp_snippets_per_server_and_vendor(client):
    _, h, network = _admin_and_network()
    r = client.get(f"/api/v1/networks/{network.id}/dhcp?server=dnsmasq&vendor=yealink",
                   headers=h)
    assert r.status_code == 200, r.json
    assert r.json["vendors"] == ["yealink"]
    assert f"dhcp-mac=set:prov{network.id}-yealink,00:15:65:*:*:*" in r.json["snippet"]
    assert "snom" not in r.json["snippet"]
    every = client.get(f"/api/v1/networks/{network.id}/dhcp?server=kea", headers=h)
    assert every.json["vendors"] == ["snom", "yealink", "other"]
    for bad in ("server=bind", "server=isc&vendor=cisco", ""):
        bad_r = client.get(f"/api/v1/networks/{network.id}/dhcp?{bad}", headers=h)
        assert bad_r.status_code == 422, bad


def test_the_instance_answering_pnp_is_shown_while_its_lease_lives(client):
    _, h, network = _admin_and_network(pnp_enabled=True)
    lease.claim(db.session, [lease.scope_of(network.id)], "host-a/42/abc", 30)
    r = client.get(f"/api/v1/networks/{network.id}/discovery", headers=h)
    assert r.json["pnp_responder"]["instance"] == "host-a/42/abc"
    assert dt.datetime.fromisoformat(r.json["pnp_responder"]["lease_expires_at"]) > utcnow()
    lease.release(db.session, "host-a/42/abc")
    r = client.get(f"/api/v1/networks/{network.id}/discovery", headers=h)
    assert r.json["pnp_responder"] is None
