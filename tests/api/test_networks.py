from provisioning.accounts.models import Role
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_network, make_site


def test_admin_adds_a_network_stored_in_normal_form_with_switches_off(client):
    tenant = make_tenant()
    site = make_site(tenant)
    r = client.post(
        "/api/v1/networks",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
        json={"cidr": "198.51.100.77/24", "site_id": site.id},
    )
    assert r.status_code == 201, r.json
    assert r.json["cidr"] == "198.51.100.0/24"
    assert r.json["site_id"] == site.id
    assert not (r.json["http_credentials"] or r.json["tftp_credentials"] or r.json["pnp_enabled"])
    assert r.json["adoption_window_until"] is None


def test_ipv6_networks_and_an_adoption_window_in_utc(client):
    r = client.post(
        "/api/v1/networks",
        headers=headers_for(make_account(Role.ADMIN)),
        json={
            "cidr": "2001:DB8:0:1::5/64",
            "pnp_enabled": True,
            "adoption_window_until": "2026-12-01T10:00:00+01:00",
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["cidr"] == "2001:db8:0:1::/64"
    assert r.json["pnp_enabled"] is True
    assert r.json["adoption_window_until"].startswith("2026-12-01T09:00:00")


def test_malformed_cidr_is_422(client):
    h = headers_for(make_account(Role.ADMIN))
    for bad in ("10.0.0.0/33", "300.1.1.1/8", "office"):
        r = client.post("/api/v1/networks", headers=h, json={"cidr": bad})
        assert r.status_code == 422 and "cidr" in r.json["details"]["fields"], bad


def test_a_range_overlapping_another_tenants_is_refused_without_naming_it(client):
    other = make_tenant(name="Secret Competitor AG")
    make_network(other, cidr="10.20.0.0/16")
    h = headers_for(make_account(Role.ADMIN))
    for cidr in ("10.20.30.0/24", "10.0.0.0/8", "10.20.0.0/16"):
        r = client.post("/api/v1/networks", headers=h, json={"cidr": cidr})
        assert r.status_code == 409 and r.json["error_id"] == "network_overlap", cidr
        assert "Competitor" not in r.text and r.json["details"] == {"cidr": cidr}
    assert (
        client.post("/api/v1/networks", headers=h, json={"cidr": "10.21.0.0/16"}).status_code == 201
    )


def test_ranges_of_the_same_tenant_may_overlap(client):
    tenant = make_tenant()
    make_network(tenant, cidr="10.30.0.0/16")
    h = headers_for(make_account(Role.ADMIN, tenant))
    r = client.post("/api/v1/networks", headers=h, json={"cidr": "10.30.5.0/24"})
    assert r.status_code == 201
    r = client.post("/api/v1/networks", headers=h, json={"cidr": "10.30.0.0/16"})
    assert r.status_code == 409 and r.json["error_id"] == "network_exists"


def test_changing_a_range_onto_another_tenants_is_refused(client):
    tenant = make_tenant()
    mine = make_network(tenant, cidr="172.16.1.0/24")
    make_network(cidr="172.16.2.0/24")
    h = headers_for(make_account(Role.ADMIN, tenant))
    r = client.patch(f"/api/v1/networks/{mine.id}", headers=h, json={"cidr": "172.16.0.0/22"})
    assert r.status_code == 409 and r.json["error_id"] == "network_overlap"
    r = client.patch(f"/api/v1/networks/{mine.id}", headers=h, json={"cidr": "172.16.1.0/25"})
    assert r.status_code == 200 and r.json["cidr"] == "172.16.1.0/25"


def test_ipv4_and_ipv6_ranges_never_overlap(client):
    make_network(cidr="0.0.0.0/0")
    r = client.post(
        "/api/v1/networks", headers=headers_for(make_account(Role.ADMIN)), json={"cidr": "::/0"}
    )
    assert r.status_code == 201, r.json


def test_a_network_site_must_be_of_the_same_tenant(client):
    foreign_site = make_site()
    r = client.post(
        "/api/v1/networks",
        headers=headers_for(make_account(Role.ADMIN)),
        json={"cidr": "192.0.2.0/24", "site_id": foreign_site.id},
    )
    assert r.status_code == 404 and r.json["message"] == "site not found"


def test_networks_are_for_admins_only(client):
    tenant = make_tenant()
    network = make_network(tenant)
    h = headers_for(make_account(Role.USER, tenant))
    assert client.get("/api/v1/networks", headers=h).status_code == 403
    assert client.get(f"/api/v1/networks/{network.id}", headers=h).status_code == 403
    assert (
        client.post("/api/v1/networks", headers=h, json={"cidr": "192.0.2.0/24"}).status_code == 403
    )


def test_another_tenants_network_is_not_found_and_not_listed(client):
    tenant = make_tenant()
    mine, theirs = make_network(tenant), make_network()
    h = headers_for(make_account(Role.ADMIN, tenant))
    assert [n["id"] for n in client.get("/api/v1/networks", headers=h).json["items"]] == [mine.id]
    assert client.get(f"/api/v1/networks/{theirs.id}", headers=h).status_code == 404
    assert client.delete(f"/api/v1/networks/{theirs.id}", headers=h).status_code == 404
    assert client.delete(f"/api/v1/networks/{mine.id}", headers=h).status_code == 204


def test_stale_network_write_is_412(client):
    tenant = make_tenant()
    network = make_network(tenant)
    h = headers_for(make_account(Role.ADMIN, tenant))
    etag = client.get(f"/api/v1/networks/{network.id}", headers=h).headers["ETag"]
    assert (
        client.patch(
            f"/api/v1/networks/{network.id}",
            headers={**h, "If-Match": etag},
            json={"pnp_enabled": True},
        ).status_code
        == 200
    )
    r = client.patch(
        f"/api/v1/networks/{network.id}",
        headers={**h, "If-Match": etag},
        json={"tftp_credentials": True},
    )
    assert r.status_code == 412
