"""Phones fetch their phonebook under the tenant's URL, with the protection of their
credentials: exactly what their selection holds, 304 from the stored ETag, none for "none"."""

from __future__ import annotations

import pytest
from lxml import etree

from provisioning.devices.models import PhonebookMode
from provisioning.extensions import db
from tests.factories import make_tenant
from tests.factories_contacts import make_contact
from tests.factories_fleet import make_group
from tests.factories_phones import (
    SNOM_MAC,
    SNOM_UA,
    YEALINK_MAC,
    YEALINK_UA,
    direct,
    make_phone,
    phone_url,
    phone_worker,  # noqa: F401 - autouse fixture
    save,
    via_proxy,
)

SNOM_BOOK = f"snom-phonebook-{SNOM_MAC.upper()}.xml"
YEALINK_BOOK = f"{YEALINK_MAC}-phonebook.xml"


def _names(body: bytes) -> list[str]:
    return [e.text for e in etree.fromstring(body).iter("Name")]


def _numbers(body: bytes) -> list[str]:
    return [e.text for e in etree.fromstring(body).iter("Telephone")]


def test_a_snom_and_a_yealink_phone_fetch_exactly_their_groups_contacts(client):
    tenant = make_tenant()
    sales, support = make_group(tenant, name="Sales"), make_group(tenant, name="Support")
    make_contact(tenant, "Seller", numbers=[("office", "+4930111")], groups=[sales])
    make_contact(tenant, "Helper", numbers=[("mobile", "+4930222")], groups=[support])
    make_contact(tenant, "Nobody", numbers=[("office", "+4930333")])
    make_phone(tenant, "snom", phonebook_mode=PhonebookMode.GROUP, phonebook_group_id=sales.id)
    make_phone(tenant, "yealink", phonebook_mode=PhonebookMode.GROUP,
               phonebook_group_id=support.id)
    snom = client.get(f"{phone_url(tenant)}{SNOM_BOOK}", **via_proxy(SNOM_UA))
    yealink = client.get(f"{phone_url(tenant)}{YEALINK_BOOK}", **via_proxy(YEALINK_UA))
    assert snom.status_code == 200 and yealink.status_code == 200
    assert etree.fromstring(snom.data).tag == "SnomIPPhoneDirectory"
    assert etree.fromstring(snom.data).findtext("Title") == "Sales"
    assert _names(snom.data) == ["Seller"] and _numbers(snom.data) == ["+4930111"]
    assert etree.fromstring(yealink.data).tag == "YealinkIPPhoneDirectory"
    assert _names(yealink.data) == ["Helper"] and _numbers(yealink.data) == ["+4930222"]


def test_the_configuration_points_at_the_phonebook(client):
    tenant = make_tenant()
    make_phone(tenant, "yealink")
    cfg = client.get(f"{phone_url(tenant)}{YEALINK_MAC}.cfg", **via_proxy(YEALINK_UA)).data
    assert f"remote_phonebook.data.1.url = http://127.0.0.1:8080{phone_url(tenant)}" \
           f"{YEALINK_BOOK}\n".encode() in cfg
    assert b"remote_phonebook.data.1.name = Phonebook\n" in cfg
    make_phone(tenant, "snom")
    settings = client.get(f"{phone_url(tenant)}{SNOM_MAC.upper()}.xml", **via_proxy(SNOM_UA))
    directory = etree.fromstring(settings.data).findtext(".//dkey_directory")
    assert directory == f"url http://127.0.0.1:8080{phone_url(tenant)}{SNOM_BOOK}"


@pytest.mark.parametrize("vendor", ["snom", "yealink"])
def test_a_device_with_no_phonebook_gets_no_phonebook_url_and_no_phonebook(client, vendor):
    tenant = make_tenant()
    make_contact(tenant, "Someone")
    make_phone(tenant, vendor, phonebook_mode=PhonebookMode.NONE)
    ua, name, book = ((SNOM_UA, f"{SNOM_MAC.upper()}.xml", SNOM_BOOK) if vendor == "snom"
                      else (YEALINK_UA, f"{YEALINK_MAC}.cfg", YEALINK_BOOK))
    config = client.get(f"{phone_url(tenant)}{name}", **via_proxy(ua))
    assert config.status_code == 200
    assert b"phonebook" not in config.data and b"dkey_directory" not in config.data
    assert client.get(f"{phone_url(tenant)}{book}", **via_proxy(ua)).status_code == 404


def test_the_whole_phonebook_lists_public_contacts_and_employees_never_private_ones(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "yealink")
    phone.employee.display_name = "Anna Employee"
    save()
    make_contact(tenant, "Public", numbers=[("office", "+4930100"), ("mobile", "+4915100")])
    make_contact(tenant, "Secret", private=True)
    body = client.get(f"{phone_url(tenant)}{YEALINK_BOOK}", **via_proxy(YEALINK_UA)).data
    assert sorted(_names(body)) == ["Anna Employee", "Public"]
    assert "+4915100" in _numbers(body)
    assert phone.employee.personal_number.e164 in _numbers(body)


def test_the_phonebook_needs_what_the_credentials_need(client):
    tenant = make_tenant()
    make_phone(tenant, "yealink")
    url = f"{phone_url(tenant)}{YEALINK_BOOK}"
    assert client.get(url, **via_proxy(YEALINK_UA)).status_code == 200
    assert client.get(url, **direct(YEALINK_UA)).status_code == 404  # plain HTTP, no network
    assert client.get(url, **via_proxy(YEALINK_UA, proto="http")).status_code == 404


def test_an_unassigned_phone_gets_no_phonebook(client):
    tenant = make_tenant()
    make_phone(tenant, "snom", assigned=False)
    assert client.get(f"{phone_url(tenant)}{SNOM_BOOK}",
                      **via_proxy(SNOM_UA)).status_code == 404


def test_an_unchanged_phonebook_is_a_304_without_a_render(client, monkeypatch):
    tenant = make_tenant()
    make_contact(tenant, "Kept")
    make_phone(tenant, "snom")
    url = f"{phone_url(tenant)}{SNOM_BOOK}"
    first = client.get(url, **via_proxy(SNOM_UA))
    etag = first.headers["ETag"]

    def no_render(*args, **kwargs):
        raise AssertionError("rendered on the phone's path")

    monkeypatch.setattr("provisioning.vendors.snom.Snom.render_phonebook", no_render)
    monkeypatch.setattr("phonebook_sync.build.load_entries", no_render)
    again = client.get(url, **via_proxy(SNOM_UA, If_None_Match=etag))
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag


def test_a_changed_contact_changes_the_phonebook_and_its_version(client):
    tenant = make_tenant()
    contact = make_contact(tenant, "Before")
    make_phone(tenant, "yealink")
    url = f"{phone_url(tenant)}{YEALINK_BOOK}"
    first = client.get(url, **via_proxy(YEALINK_UA))
    contact.last_name = "After"
    save()
    second = client.get(url, **via_proxy(YEALINK_UA, If_None_Match=first.headers["ETag"]))
    assert second.status_code == 200 and "After" in _names(second.data)
    assert second.headers["ETag"] != first.headers["ETag"]


def test_an_employees_new_name_changes_the_whole_phonebook(client):
    tenant = make_tenant()
    reception = make_phone(tenant, "yealink")
    colleague = make_phone(tenant, "snom").employee
    url = f"{phone_url(tenant)}{YEALINK_BOOK}"
    before = client.get(url, **via_proxy(YEALINK_UA))
    colleague.display_name = "Renamed Colleague"
    save()
    after = client.get(url, **via_proxy(YEALINK_UA))
    assert "Renamed Colleague" in _names(after.data)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert reception.id  # the reception phone was re-rendered without being touched


def test_a_device_may_add_its_employees_private_contacts_and_nobody_elses(client):
    from tests.factories import make_account

    tenant = make_tenant()
    phone = make_phone(tenant, "yealink", phonebook_private=True)
    mine, theirs = make_account("user", tenant), make_account("user", tenant)
    phone.employee.account_id = mine.id
    save()
    make_contact(tenant, "My Dentist", private=True, owner=mine)
    make_contact(tenant, "Their Dentist", private=True, owner=theirs)
    body = client.get(f"{phone_url(tenant)}{YEALINK_BOOK}", **via_proxy(YEALINK_UA)).data
    assert "My Dentist" in _names(body) and "Their Dentist" not in _names(body)
    phone.phonebook_private = False
    save()
    body = client.get(f"{phone_url(tenant)}{YEALINK_BOOK}", **via_proxy(YEALINK_UA)).data
    assert "My Dentist" not in _names(body)


def test_devices_with_the_same_selection_share_one_stored_phonebook(app):
    tenant = make_tenant()
    make_contact(tenant, "Shared")
    make_phone(tenant, "yealink")
    make_phone(tenant, "yealink", mac="0015654aa940")
    store = app.extensions["provisioning.render_store"]
    rows = store.conn.execute("SELECT COUNT(*) FROM phonebooks").fetchone()[0]
    linked = store.conn.execute("SELECT COUNT(*) FROM device_phonebooks").fetchone()[0]
    assert (rows, linked) == (1, 2)


def test_a_phonebook_change_is_a_new_device_version_only_where_the_phonebook_changed(client):
    from provisioning.phones.models import DeviceStatus

    tenant = make_tenant()
    sales = make_group(tenant, name="Sales")
    whole = make_phone(tenant, "yealink")
    grouped = make_phone(tenant, "snom", phonebook_mode=PhonebookMode.GROUP,
                         phonebook_group_id=sales.id)

    def versions():
        return [db.session.get(DeviceStatus, d.id).rendered_version for d in (whole, grouped)]

    before = versions()
    make_contact(tenant, "Outside Sales")
    after = versions()
    assert after[0] != before[0]  # the whole phonebook changed: the phone is re-synced
    assert after[1] == before[1]  # the Sales phonebook did not: nothing to tell that phone


def test_names_stored_through_the_api_reach_the_phone_well_formed_and_unchanged(client):
    from tests.factories import headers_for, make_account

    tenant = make_tenant()
    headers = headers_for(make_account("admin", tenant))
    names = ["<b>&amp;</b>", "]]> \"'", "שלום עליכם", "\u202eevil\u202c 😀", "Zoë Ünal"]
    for name in names:
        r = client.post("/api/v1/contacts", headers=headers,
                        json={"last_name": name, "numbers": [{"number": "+49 (30) 555-0"}]})
        assert r.status_code == 201, r.get_json()
    make_phone(tenant, "yealink", phonebook_mode=PhonebookMode.ALL)
    body = client.get(f"{phone_url(tenant)}{YEALINK_BOOK}", **via_proxy(YEALINK_UA)).data
    assert set(names) <= set(_names(body))
    assert "+49305550" in _numbers(body)


def test_the_api_says_what_a_device_gets_and_whether_its_model_cut_it(client, monkeypatch):
    from dataclasses import replace

    from provisioning.vendors.yealink import MODELS
    from tests.factories import headers_for, make_account

    tenant = make_tenant()
    for n in range(4):
        make_contact(tenant, f"C{n}", favourite=n == 3)
    phone = make_phone(tenant, "yealink")
    model = MODELS["T46G"]
    monkeypatch.setattr("provisioning.vendors.yealink.Yealink.model",
                        lambda self, name: replace(model, phonebook_entries=2,
                                                   phonebook_source="test table"))
    r = client.get(f"/api/v1/devices/{phone.id}/phonebook",
                   headers=headers_for(make_account("admin", tenant)))
    assert r.status_code == 200, r.get_json()
    info = r.get_json()
    assert info["mode"] == "all" and info["url"].endswith(YEALINK_BOOK)
    assert (info["entries_total"], info["entries_kept"], info["truncated"]) == (5, 2, True)
    assert info["limit"] == {"entries": 2, "name_length": None, "source": "test table"}
    phone.label = "re-render with the limit"
    save()
    body = client.get(f"{phone_url(tenant)}{YEALINK_BOOK}", **via_proxy(YEALINK_UA)).data
    assert _names(body)[0] == "C3" and len(_names(body)) == 2  # the favourite first
