"""More of what a phone and its admin see over real HTTPS (nginx in front of gunicorn): a MAC scan
is slowed and then refused, with the count in the database; the stale-configuration list follows
what the phones fetched, also when a colleague on a BLF key changes number; and the first,
credential-free files carry our CA for each vendor."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from lxml import etree

from provisioning.extensions import db
from provisioning.tenants.models import Tenant
from tests.factories_people import make_employee, make_number
from tests.integration.https_harness import PhoneClient

# `stack` is the phones' HTTPS fixture, used here by name (hence the F811 notes below)
from tests.integration.test_https_phones import SNOM_UA, YEALINK_UA, stack  # noqa: F401

pytestmark = pytest.mark.slow


def _stale_ids(stack) -> set[int]:  # noqa: F811
    page = stack.api("GET", "/devices?stale=true&include_never_fetched=true")
    return {d["id"] for d in page["items"]}


def _wait(predicate, timeout: float = 15.0) -> bool:
    """Fetches are written in batches (FETCH_FLUSH_SECONDS): poll, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


def test_the_stale_list_follows_fetches_and_a_colleagues_number_change(stack):  # noqa: F811
    snom = stack.snom["id"]
    with stack.app.app_context():
        tenant = db.session.get(Tenant, stack.tenant_id)
        colleague_id = make_employee(tenant, display_name="Colleague").id
        spare = make_number(tenant).e164
    stack.api("PUT", f"/devices/{snom}/keys",
              [{"position": 1, "kind": "blf", "target_employee_id": colleague_id}])
    phone = stack.phone(SNOM_UA)
    assert phone.get(stack.path("000413A1B2C3.xml")).status == 200
    assert _wait(lambda: snom not in _stale_ids(stack)), "fetched, yet listed as stale"

    stack.api("PUT", f"/employees/{colleague_id}/personal-number", {"personal_number": spare})
    stack.api("PATCH", f"/employees/{colleague_id}", {"display_name": "Colleague Renamed"})
    assert snom in _stale_ids(stack), "a colleague on its BLF key changed; the phone is stale"

    answer = phone.get(stack.path("000413A1B2C3.xml"))
    assert b"Colleague Renamed" in answer.body
    assert _wait(lambda: snom not in _stale_ids(stack)), "fetched the new file, still stale"


def test_the_first_credential_free_files_carry_our_ca(stack):  # noqa: F811
    ca_pem = stack.front.ca_file.read_text().strip()
    ca_body = "".join(ca_pem.splitlines()[1:-1])
    snom = stack.phone(SNOM_UA).get(stack.path("snomD785.xml"))
    assert snom.status == 200 and b"user_pass" not in snom.body
    certificates = etree.fromstring(snom.body).findall(".//certificates/certificate")
    assert certificates and ca_body in "".join(certificates[0].text.split())

    yealink = stack.phone(YEALINK_UA).get(stack.path("y000000000096.cfg"))
    assert yealink.status == 200 and b"account.1.password" not in yealink.body
    text = yealink.body.decode()
    lines = dict(line.split(" = ", 1) for line in text.splitlines() if " = " in line)
    url = lines["static.trusted_certificates.url"]
    assert url.endswith("/ca.crt") and stack.secret in url
    served = stack.phone(YEALINK_UA).get(stack.path("ca.crt"))
    assert served.status == 200 and served.body.decode().strip() == ca_pem


def test_a_mac_scan_is_slowed_then_refused_and_counted_in_the_database(stack):  # noqa: F811
    scanner = PhoneClient(stack.front.ca_file, stack.front.https_port, source="127.0.0.77",
                          user_agent="Yealink SIP-T54W 96.86.0.70")
    statuses = []
    for n in range(70):  # bounded: the defaults slow down after 20 unknown MACs, block after 60
        answer = scanner.get(stack.path(f"805ec0{n:06x}.cfg"))
        statuses.append(answer.status)
        if answer.status == 403:
            break
    assert statuses[:20] == [200] * 20, statuses
    assert 429 in statuses and statuses[-1] == 403, statuses
    refused = scanner.get(stack.path("805ec0a1b2c4.cfg"))  # even a known phone's file
    assert refused.status == 403 and int(refused.headers["retry-after"]) > 0
    with stack.app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT count FROM rate_counters WHERE key = 'scan:127.0.0.77'")).scalar()
    assert rows and rows >= 60
    # another address is still served
    assert stack.phone(YEALINK_UA).get(stack.path("805ec0a1b2c4.cfg")).status == 200


def test_a_snom_and_a_yealink_phone_fetch_exactly_their_groups_contacts(stack):  # noqa: F811
    sales = stack.api("POST", "/contact-groups", {"name": "Sales"})["id"]
    support = stack.api("POST", "/contact-groups", {"name": "Support"})["id"]
    for name, group in (("Sally Sales", sales), ("Sam Support", support), ("Nora None", None)):
        first, last = name.split()
        stack.api("POST", "/contacts", {
            "first_name": first, "last_name": last, "group_ids": [group] if group else [],
            "numbers": [{"number": "+4930" + str(abs(hash(name)) % 10**7).zfill(7),
                         "kind": "office"}]})
    stack.api("PATCH", f"/devices/{stack.snom['id']}",
              {"phonebook_mode": "group", "phonebook_group_id": sales})
    stack.api("PATCH", f"/devices/{stack.yealink['id']}",
              {"phonebook_mode": "group", "phonebook_group_id": support})
    snom = stack.phone(SNOM_UA).get(stack.path("snom-phonebook-000413A1B2C3.xml"))
    yealink = stack.phone(YEALINK_UA).get(stack.path("805ec0a1b2c4-phonebook.xml"))
    assert snom.status == 200 and yealink.status == 200
    snom_names = {e.findtext("Name") for e in etree.fromstring(snom.body).iter("DirectoryEntry")}
    yealink_names = {e.findtext("Name")
                     for e in etree.fromstring(yealink.body).iter("DirectoryEntry")}
    assert any("Sally" in n for n in snom_names) and not any(
        "Sam" in n or "Nora" in n for n in snom_names), snom_names
    assert any("Sam" in n for n in yealink_names) and not any(
        "Sally" in n or "Nora" in n for n in yealink_names), yealink_names
    # and the configuration points at it
    cfg = stack.phone(YEALINK_UA).get(stack.path("805ec0a1b2c4.cfg")).body.decode()
    assert "remote_phonebook.data.1.url = " in cfg and "805ec0a1b2c4-phonebook.xml" in cfg
