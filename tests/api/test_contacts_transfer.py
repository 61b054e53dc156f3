"""Contacts in and out as CSV and vCard: all or nothing, with the failing line and field."""

from __future__ import annotations

from provisioning.accounts.models import Role
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_contacts import make_contact
from tests.factories_fleet import make_group

API = "/api/v1/contacts"
CSV_HEADERS = {"Content-Type": "text/csv"}


def _import(client, headers, body: bytes, fmt: str = "csv"):
    return client.post(f"{API}/import?format={fmt}", headers={**headers, **CSV_HEADERS},
                       data=body)


def _all(client, headers) -> list[dict]:
    return client.get(f"{API}?per_page=500", headers=headers).get_json()["items"]


def _admin(tenant=None):
    return headers_for(make_account(Role.ADMIN, tenant or make_tenant()))


def test_a_csv_with_semicolons_and_a_bom_is_imported_with_numbers_and_groups(client):
    tenant = make_tenant()
    headers = _admin(tenant)
    body = ("\ufeffFirst name;Last name;Company;Mobile;Office;Groups;Favourite\r\n"
            "Anna;Müller;ACME & <Co>;0171 555 66 77;+49 (0)30 1234-567|+49 30 999;Sales|VIP;yes\r\n"
            ";;Pizza Roma;;030/1234;;\r\n").encode("utf-8")
    r = _import(client, headers, body)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"imported": 2, "groups_created": ["Sales", "VIP"]}
    contacts = {c["company"]: c for c in _all(client, headers)}
    anna = contacts["ACME & <Co>"]
    assert (anna["first_name"], anna["last_name"], anna["favourite"]) == ("Anna", "Müller", True)
    assert [(n["kind"], n["number"]) for n in anna["numbers"]] == [
        ("office", "+49301234567"), ("office", "+4930999"), ("mobile", "01715556677")]
    assert len(anna["group_ids"]) == 2
    assert contacts["Pizza Roma"]["numbers"][0]["number"] == "0301234"


def test_a_comma_csv_with_quoted_fields_and_line_breaks_in_notes_is_imported(client):
    headers = _admin()
    body = b'last_name,notes,office\r\nSmith,"line one\nline two, with comma",+4930111\r\n'
    assert _import(client, headers, body).status_code == 200
    assert _all(client, headers)[0]["notes"] == "line one\nline two, with comma"


def test_a_bad_line_is_reported_with_its_number_and_field_and_nothing_is_stored(client):
    tenant = make_tenant()
    headers = _admin(tenant)
    make_contact(tenant, "Existing")
    body = (b"last_name;mobile\r\n"
            b"Good;+4917011111\r\n"
            b"\r\n"
            b"Bad;not a number\r\n"
            b"AlsoGood;+4917022222\r\n")
    r = _import(client, headers, body)
    assert r.status_code == 422
    error = r.get_json()
    assert error["error_id"] == "import_failed"
    assert error["details"]["line"] == 4 and error["details"]["field"] == "mobile"
    assert "line 4" in error["message"] and "nothing was imported" in error["message"]
    assert [c["last_name"] for c in _all(client, headers)] == ["Existing"]


def test_an_unknown_column_is_refused_on_line_one(client):
    r = _import(client, _admin(), b"last_name;shoe_size\r\nX;42\r\n")
    assert r.status_code == 422
    assert r.get_json()["details"] == {"line": 1, "field": "shoe_size",
                                       "error": r.get_json()["details"]["error"]}


def test_a_latin1_csv_is_refused_with_a_clear_message(client):
    tenant = make_tenant()
    headers = _admin(tenant)
    body = "last_name;office\r\nOK;+49301\r\nMüller;+4930123\r\n".encode("latin-1")
    r = _import(client, headers, body)
    assert r.status_code == 422
    assert r.get_json()["error_id"] == "not_utf8"
    assert r.get_json()["details"]["line"] == 3
    assert "UTF-8" in r.get_json()["message"]
    assert _all(client, headers) == []


def test_control_characters_in_a_name_are_refused(client):
    r = _import(client, _admin(), b"last_name;office\r\nEvil\x07Bell;+4930123\r\n")
    assert r.status_code == 422
    assert r.get_json()["details"]["field"] == "last_name"


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(client):
    row = b"Somebody With A Long Name;+49301234567;" + b"x" * 60 + b"\r\n"
    body = b"last_name;office;notes\r\n" + row * (10 * 1024 * 1024 // len(row))
    assert len(body) > 9 * 1024 * 1024
    r = _import(client, _admin(), body)
    assert r.status_code == 413
    assert r.get_json()["error_id"] == "payload_too_large"
    assert "split" in r.get_json()["message"]


def test_a_user_imports_private_contacts_only(client):
    tenant = make_tenant()
    user = headers_for(make_account(Role.USER, tenant))
    assert _import(client, user, b"last_name;office\r\nMine;+4930123\r\n").status_code == 200
    assert _all(client, user)[0]["private"] is True
    r = _import(client, user, b"last_name;office;private\r\nShared;+4930124;false\r\n")
    assert r.status_code == 422 and r.get_json()["details"]["field"] == "private"
    admin_sees = _all(client, _admin(tenant))
    assert [c["last_name"] for c in admin_sees] == ["Mine"]


def test_csv_export_imports_back_to_the_same_contacts(client):
    source, target = make_tenant(), make_tenant()
    sales = make_group(source, name="Sales")
    make_contact(source, "Müller", first_name="Anna", company="=cmd|' /C calc'!A0",
                 numbers=[("office", "+4930111"), ("mobile", "+4917022"), ("mobile", "*21#")],
                 groups=[sales], favourite=True, notes="two\nlines; \"quoted\"",
                 email="anna@example.test")
    make_contact(source, "\u05e9\u05dc\u05d5\u05dd 😀", numbers=[("home", "+97221234567")])
    exported = client.get(f"{API}/export", headers=_admin(source))
    assert exported.status_code == 200 and exported.content_type.startswith("text/csv")
    assert b"'=cmd" in exported.data  # a spreadsheet does not run it as a formula
    target_headers = _admin(target)
    r = _import(client, target_headers, exported.data)
    assert r.status_code == 200, r.get_json()
    assert _comparable(_all(client, _admin(source))) == _comparable(_all(client, target_headers))


def test_vcard_export_imports_back_to_the_same_contacts(client):
    source, target = make_tenant(), make_tenant()
    vip = make_group(source, name="VIP")
    make_contact(source, "Dupont", first_name="Jean-Luc", company="Société; Générale",
                 numbers=[("office", "+3312345"), ("home", "+3399999"), ("other", "#31#")],
                 groups=[vip], favourite=True, notes="a, b; c\nd")
    make_contact(source, "", company="Only A Company", numbers=[("mobile", "+4917011")])
    exported = client.get(f"{API}/export?format=vcard", headers=_admin(source))
    assert exported.status_code == 200 and exported.content_type.startswith("text/vcard")
    target_headers = _admin(target)
    r = _import(client, target_headers, exported.data, "vcard")
    assert r.status_code == 200, r.get_json()
    assert _comparable(_all(client, _admin(source))) == _comparable(_all(client, target_headers))


def test_a_vcard_4_with_folded_lines_and_tel_uris_is_imported(client):
    headers = _admin()
    body = (b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
            b"NOTE:a very long note that is folded \r\n over two lines\r\n"
            b"TEL;VALUE=uri;TYPE=cell:tel:+1-555-0100\r\n"
            b"TEL;TYPE=\"work,voice\":+1 555 0199\r\nCATEGORIES:Navy,Computing\r\n"
            b"END:VCARD\r\n")
    r = _import(client, headers, body, "vcard")
    assert r.status_code == 200, r.get_json()
    grace = _all(client, headers)[0]
    assert grace["notes"] == "a very long note that is folded over two lines"
    assert [(n["kind"], n["number"]) for n in grace["numbers"]] == [
        ("mobile", "+15550100"), ("office", "+15550199")]
    assert len(grace["group_ids"]) == 2


def test_a_bad_vcard_names_its_line_and_nothing_is_stored(client):
    headers = _admin()
    body = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Good;One;;;\r\nFN:One Good\r\n"
            b"TEL:+4930111\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Bad;Two;;;\r\nFN:Two Bad\r\n"
            b"TEL;TYPE=CELL:ring ring\r\nEND:VCARD\r\n")
    r = _import(client, headers, body, "vcard")
    assert r.status_code == 422
    assert r.get_json()["details"]["line"] == 7 and r.get_json()["details"]["field"] == "mobile"
    assert _all(client, headers) == []


def _comparable(contacts: list[dict]) -> list[tuple]:
    return sorted(
        (c["first_name"], c["last_name"], c["company"], c["email"], c["notes"], c["favourite"],
         c["private"], tuple((n["kind"], n["number"]) for n in c["numbers"]), len(c["group_ids"]))
        for c in contacts)
