from provisioning.accounts.models import Role
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_employee


def _setup():
    tenant = make_tenant()
    device = make_device(tenant)
    return tenant, device, headers_for(make_account(Role.ADMIN, tenant))


def test_keys_are_replaced_in_one_go_and_read_back_in_position_order(client):
    tenant, device, h = _setup()
    anna = make_employee(tenant)
    keys = [
        {
            "position": 3,
            "kind": "speed_dial",
            "target_number": "+49 30 1234-567",
            "label": " Hotline ",
        },
        {"position": 1, "kind": "line"},
        {"position": 2, "kind": "blf", "target_employee_id": anna.id, "label": "Anna"},
        {"position": 4, "kind": "speed_dial", "target_number": "200"},
    ]
    r = client.put(f"/api/v1/devices/{device.id}/keys", headers=h, json=keys)
    assert r.status_code == 200, r.json
    assert [k["position"] for k in r.json] == [1, 2, 3, 4]
    assert r.json[2]["target_number"] == "+49301234567" and r.json[2]["label"] == "Hotline"
    assert r.json[0]["line"] == 1
    # a reorder is simply a new set
    r = client.put(
        f"/api/v1/devices/{device.id}/keys",
        headers=h,
        json=[{"position": 1, "kind": "blf", "target_employee_id": anna.id}],
    )
    assert r.status_code == 200
    got = client.get(f"/api/v1/devices/{device.id}/keys", headers=h).json
    assert [(k["position"], k["kind"]) for k in got] == [(1, "blf")]


def test_invalid_keys_are_422_naming_the_index(client):
    tenant, device, h = _setup()
    anna = make_employee(tenant)
    cases = [
        {"position": 1, "kind": "blf"},  # BLF without target
        {"position": 1, "kind": "speed_dial"},  # speed dial without target
        {"position": 1, "kind": "speed_dial", "target_number": "12345678901234567"},
        {"position": 1, "kind": "line", "target_employee_id": anna.id},  # line with a target
        {"position": 0, "kind": "line"},
        {"position": 201, "kind": "line"},
        {"position": 1, "kind": "line", "line": 0},
        {"position": 1, "kind": "line", "label": "x" * 65},
        {"position": 1, "kind": "park"},
    ]
    for bad in cases:
        r = client.put(
            f"/api/v1/devices/{device.id}/keys",
            headers=h,
            json=[{"position": 5, "kind": "line"}, bad],
        )
        assert r.status_code == 422, bad
        assert "1" in r.json["details"]["fields"], (bad, r.json)


def test_positions_must_be_unique_within_the_list(client):
    _, device, h = _setup()
    r = client.put(
        f"/api/v1/devices/{device.id}/keys",
        headers=h,
        json=[{"position": 2, "kind": "line"}, {"position": 2, "kind": "line", "line": 2}],
    )
    assert r.status_code == 422 and "1" in r.json["details"]["fields"]


def test_a_blf_on_an_employee_of_another_tenant_is_404_and_nothing_changes(client):
    tenant, device, h = _setup()
    client.put(
        f"/api/v1/devices/{device.id}/keys", headers=h, json=[{"position": 1, "kind": "line"}]
    )
    r = client.put(
        f"/api/v1/devices/{device.id}/keys",
        headers=h,
        json=[{"position": 1, "kind": "blf", "target_employee_id": make_employee().id}],
    )
    assert r.status_code == 404 and r.json["message"] == "employee not found"
    assert r.json["details"]["index"] == 0
    assert [k["kind"] for k in client.get(f"/api/v1/devices/{device.id}/keys", headers=h).json] == [
        "line"
    ]


def test_changing_keys_changes_the_devices_etag_and_honours_if_match(client):
    _, device, h = _setup()
    etag = client.get(f"/api/v1/devices/{device.id}", headers=h).headers["ETag"]
    r = client.put(
        f"/api/v1/devices/{device.id}/keys",
        headers={**h, "If-Match": etag},
        json=[{"position": 1, "kind": "line"}],
    )
    assert r.status_code == 200 and r.headers["ETag"] != etag
    r = client.put(f"/api/v1/devices/{device.id}/keys", headers={**h, "If-Match": etag}, json=[])
    assert r.status_code == 412


def test_users_may_not_program_keys(client):
    tenant = make_tenant()
    account = make_account(Role.USER, tenant)
    me = make_employee(tenant, account_id=account.id)
    device = make_device(tenant, employee_id=me.id)
    r = client.put(
        f"/api/v1/devices/{device.id}/keys",
        headers=headers_for(account),
        json=[{"position": 1, "kind": "line"}],
    )
    assert r.status_code == 403
