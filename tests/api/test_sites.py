from provisioning.accounts.models import Role
from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.sites.models import Network
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_network, make_site


def test_admin_creates_a_site_with_language_time_zone_and_ntp(client):
    admin = make_account(Role.ADMIN)
    r = client.post(
        "/api/v1/sites",
        headers=headers_for(admin),
        json={
            "name": " Head office ",
            "language": "de",
            "timezone": "Europe/Berlin",
            "ntp_server": "NTP.Example.COM",
        },
    )
    assert r.status_code == 201, r.json
    assert r.headers["ETag"]
    assert r.json["name"] == "Head office"
    assert (r.json["language"], r.json["timezone"], r.json["ntp_server"]) == (
        "de",
        "Europe/Berlin",
        "ntp.example.com",
    )
    assert r.json["tenant_id"] == admin.tenant_id


def test_a_site_speaks_english_unless_told_otherwise(client):
    r = client.post(
        "/api/v1/sites",
        headers=headers_for(make_account(Role.ADMIN)),
        json={"name": "Branch", "timezone": "Europe/Vienna", "ntp_server": "192.0.2.1"},
    )
    assert r.status_code == 201, r.json
    assert r.json["language"] == "en" and r.json["ntp_server"] == "192.0.2.1"


def test_time_zone_must_be_an_iana_name(client):
    h = headers_for(make_account(Role.ADMIN))
    for bad in ("Europe/Atlantis", "CEST", "GMT+2 "):
        r = client.post("/api/v1/sites", headers=h, json={"name": "X", "timezone": bad})
        assert r.status_code == 422, bad
        assert "timezone" in r.json["details"]["fields"]


def test_language_and_ntp_server_are_checked(client):
    h = headers_for(make_account(Role.ADMIN))
    r = client.post("/api/v1/sites", headers=h, json={"name": "X", "language": "xx"})
    assert r.status_code == 422 and "language" in r.json["details"]["fields"]
    r = client.post("/api/v1/sites", headers=h, json={"name": "X", "ntp_server": "not a host!"})
    assert r.status_code == 422 and "ntp_server" in r.json["details"]["fields"]


def test_users_read_their_tenants_sites_but_do_not_write(client):
    tenant = make_tenant()
    site = make_site(tenant)
    make_site()  # another tenant's
    h = headers_for(make_account(Role.USER, tenant))
    r = client.get("/api/v1/sites", headers=h)
    assert [s["id"] for s in r.json["items"]] == [site.id]
    assert client.get(f"/api/v1/sites/{site.id}", headers=h).status_code == 200
    assert client.post("/api/v1/sites", headers=h, json={"name": "X"}).status_code == 403
    assert (
        client.patch(f"/api/v1/sites/{site.id}", headers=h, json={"name": "Y"}).status_code == 403
    )


def test_another_tenants_site_is_not_found(client):
    other = make_site()
    h = headers_for(make_account(Role.ADMIN))
    assert client.get(f"/api/v1/sites/{other.id}", headers=h).status_code == 404
    assert (
        client.patch(f"/api/v1/sites/{other.id}", headers=h, json={"name": "Y"}).status_code == 404
    )
    assert client.delete(f"/api/v1/sites/{other.id}", headers=h).status_code == 404


def test_operator_creates_a_site_for_a_named_tenant(client):
    tenant = make_tenant()
    h = headers_for(make_account(Role.OPERATOR))
    assert client.post("/api/v1/sites", headers=h, json={"name": "X"}).status_code == 422
    r = client.post("/api/v1/sites", headers=h, json={"name": "X", "tenant_id": tenant.id})
    assert r.status_code == 201 and r.json["tenant_id"] == tenant.id


def test_deleting_a_site_in_use_leaves_its_devices_and_networks_without_one(client):
    tenant = make_tenant()
    site = make_site(tenant)
    device = make_device(tenant, site_id=site.id)
    network = make_network(tenant, site_id=site.id)
    device_id, network_id = device.id, network.id
    r = client.delete(
        f"/api/v1/sites/{site.id}", headers=headers_for(make_account(Role.ADMIN, tenant))
    )
    assert r.status_code == 204
    db.session.expire_all()
    assert db.session.get(Device, device_id).site_id is None
    assert db.session.get(Network, network_id).site_id is None


def test_stale_site_write_is_412(client):
    tenant = make_tenant()
    site = make_site(tenant)
    h = headers_for(make_account(Role.ADMIN, tenant))
    etag = client.get(f"/api/v1/sites/{site.id}", headers=h).headers["ETag"]
    assert (
        client.patch(
            f"/api/v1/sites/{site.id}", headers={**h, "If-Match": etag}, json={"language": "fr"}
        ).status_code
        == 200
    )
    r = client.patch(
        f"/api/v1/sites/{site.id}", headers={**h, "If-Match": etag}, json={"language": "it"}
    )
    assert r.status_code == 412 and r.json["error_id"] == "precondition_failed"


def test_a_site_cannot_change_tenant(client):
    tenant = make_tenant()
    site = make_site(tenant)
    r = client.patch(
        f"/api/v1/sites/{site.id}",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
        json={"tenant_id": make_tenant().id},
    )
    assert r.status_code == 422
