"""The admin's portal on the API's services: the fleet picture, employees, devices (keys,
files, history), numbers with their confirmation pages, unrecognised phones, journal,
settings, accounts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from provisioning.accounts.models import Account, Role
from provisioning.common.models import utcnow
from provisioning.devices.models import KeyKind
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.numbers.models import NumberStatus
from tests.factories import STRONG_PASSWORD, make_account, make_tenant
from tests.factories_fleet import make_device, make_site
from tests.factories_people import make_employee, make_number
from tests.factories_phones import make_phone, sip_password
from tests.factories_provisioning_admin import make_fetch, make_unrecognised
from tests.portal.helpers import post, sign_in, text


def _admin(client, tenant=None):
    admin = make_account(Role.SUPERADMIN, tenant or make_tenant())
    assert sign_in(client, admin).status_code == 302
    return admin


def test_the_dashboard_draws_each_site_as_a_bar_of_registration_states(client):
    admin = _admin(client)
    berlin = make_site(admin.tenant, name="Berlin")
    make_device(admin.tenant, site_id=berlin.id)
    make_device(admin.tenant, site_id=berlin.id, employee_id=make_employee(admin.tenant).id)
    make_unrecognised(admin.tenant)
    page = text(client.get("/portal/dashboard"))
    chart = page[page.index('<svg class="chart"'):page.index("</svg>")]
    assert 'data-site="Berlin"' in chart
    # no SIP core answers in these tests: one phone's state is unknown, one has no account
    assert 'class="no_account"' in chart and 'class="unknown"' in chart
    assert "1 unrecognised phones are waiting" in page
    assert "<script" not in chart


def test_an_admin_creates_an_employee_with_a_personal_number_and_gets_a_sip_account(client):
    admin = _admin(client)
    number = make_number(admin.tenant, "+4930123450001")
    page = text(client.get("/portal/employees/new"))
    assert "+4930123450001" in page, "free active numbers are offered"
    r = post(client, "/portal/employees/new", {
        "display_name": "Carla Rossi", "personal_number": number.e164, "telephony": "on"})
    assert r.status_code == 302, text(r)
    page = text(client.get(r.headers["Location"]))
    assert "+4930123450001" in page
    employee = db.session.execute(
        select(Employee).where(Employee.display_name == "Carla Rossi")).scalar_one()
    assert employee.sip_account is not None and employee.sip_account.username in page


def test_an_employee_who_telephones_needs_a_number_and_the_form_says_so(client):
    _admin(client)
    r = post(client, "/portal/employees/new", {"display_name": "No Number", "telephony": "on"},
             token_from="/portal/employees/new")
    assert r.status_code == 422
    assert "needs a personal number" in text(r)


def test_the_personal_number_is_changed_and_the_old_one_stays_free(client):
    admin = _admin(client)
    employee = make_employee(admin.tenant)
    old = employee.personal_number.e164
    new = make_number(admin.tenant)
    r = post(client, f"/portal/employees/{employee.id}",
             {"action": "number", "personal_number": new.e164})
    assert r.status_code == 302
    page = text(client.get(f"/portal/employees/{employee.id}"))
    assert new.e164 in page
    assert old in text(client.get("/portal/employees/new")), "offered again"


def test_the_device_list_searches_filters_and_pages_in_the_database(client):
    admin = _admin(client)
    for n in range(7):
        make_device(admin.tenant, label=f"desk {n}", vendor="yealink" if n % 2 else "snom",
                    model="T54W" if n % 2 else "D785")
    page = text(client.get("/portal/devices?per_page=3"))
    assert "7 in all, page 1 of 3" in page and page.count('data-mac="') == 3
    page = text(client.get("/portal/devices?vendor=yealink"))
    assert page.count('data-mac="') == 3
    page = text(client.get("/portal/devices?q=desk+4"))
    assert page.count('data-mac="') == 1 and "desk 4" in page
    page = text(client.get("/portal/devices?vendor=nokia"))
    assert "left out" in page, "a filter the API refuses is dropped with a word"


def test_an_admin_assigns_a_device_and_gives_it_two_blf_keys(client):
    admin = _admin(client)
    device = make_device(admin.tenant, label="front desk")
    anna, ben, carl = (make_employee(admin.tenant, display_name=n) for n in ("Anna", "Ben", "Carl"))
    r = post(client, f"/portal/devices/{device.id}/assignment", {"employee_id": str(anna.id)})
    assert r.status_code == 302
    assert "The device is assigned to Anna" in text(client.get(r.headers["Location"]))
    r = post(client, f"/portal/devices/{device.id}/assignment", {"employee_id": str(ben.id)},
             token_from=f"/portal/devices/{device.id}")
    assert "moved from Anna to Ben" in text(client.get(r.headers["Location"]))
    r = post(client, f"/portal/devices/{device.id}/keys", {
        "rows": "2",
        "key-0-position": "1", "key-0-kind": "blf", "key-0-target_employee_id": str(anna.id),
        "key-0-label": "Anna", "key-0-line": "1",
        "key-1-position": "2", "key-1-kind": "blf", "key-1-target_employee_id": str(carl.id),
        "key-1-label": "Carl", "key-1-line": "1"})
    assert r.status_code == 302, text(r)
    db.session.expire_all()
    assert [(k.kind, k.label) for k in device.keys] == [
        (KeyKind.BLF, "Anna"), (KeyKind.BLF, "Carl")]
    # reorder: Carl up
    r = post(client, f"/portal/devices/{device.id}/keys", {
        "rows": "2", "move": "1:up",
        "key-0-position": "1", "key-0-kind": "blf", "key-0-target_employee_id": str(anna.id),
        "key-0-label": "Anna", "key-1-position": "2", "key-1-kind": "blf",
        "key-1-target_employee_id": str(carl.id), "key-1-label": "Carl"})
    assert r.status_code == 302
    db.session.expire_all()
    assert [k.label for k in device.keys] == ["Carl", "Anna"]


def test_a_blf_key_without_a_colleague_is_refused_with_the_apis_reason(client):
    admin = _admin(client)
    device = make_device(admin.tenant)
    r = post(client, f"/portal/devices/{device.id}/keys", {
        "rows": "1", "key-0-position": "1", "key-0-kind": "blf"})
    assert r.status_code == 422 and "a BLF key watches an employee" in text(r)


def test_the_file_preview_masks_the_sip_password_and_history_lists_fetches(client):
    admin = _admin(client)
    device = make_phone(admin.tenant)
    password = sip_password(device)
    page = text(client.get(f"/portal/devices/{device.id}/files"))
    name = f"{device.mac.upper()}.xml"  # the settings document, the one with the SIP account
    assert f"/files/{name}" in page
    body = text(client.get(f"/portal/devices/{device.id}/files/{name}"))
    assert "********" in body and password not in body
    assert device.employee.sip_account.username in body
    make_fetch(device, filename=name)
    assert name in text(client.get(f"/portal/devices/{device.id}/history"))


def test_the_phonebook_mode_is_chosen_and_group_mode_needs_a_group(client):
    admin = _admin(client)
    device = make_device(admin.tenant)
    r = post(client, f"/portal/devices/{device.id}", {"phonebook_mode": "group", "label": "x"})
    assert r.status_code == 422 and "phonebook_group_id" in text(r)
    r = post(client, f"/portal/devices/{device.id}", {"phonebook_mode": "none", "label": "x"})
    assert r.status_code == 302
    db.session.expire_all()
    assert device.phonebook_mode.value == "none"


def test_exchanging_a_number_first_says_which_options_are_lost(client):
    admin = _admin(client)
    number = make_number(admin.tenant, settings={"caller_id_name": "Sales"})
    employee = make_employee(admin.tenant, number=number, display_name="Dora")
    spare = make_number(admin.tenant, status=NumberStatus.INACTIVE)
    page = text(client.get(f"/portal/numbers/{number.id}/exchange"))
    assert "loses its options" in page and "caller_id_name" in page and "Dora gets" in page
    r = post(client, f"/portal/numbers/{number.id}/exchange", {"replacement_id": str(spare.id)})
    assert r.status_code == 302
    db.session.expire_all()
    assert employee.personal_number.e164 == spare.e164
    assert number.status is NumberStatus.INACTIVE and number.settings == {}


def test_deactivating_needs_a_date_and_warns_the_holder_loses_the_number(client):
    admin = _admin(client)
    employee = make_employee(admin.tenant, display_name="Emil")
    number = employee.personal_number
    page = text(client.get(f"/portal/numbers/{number.id}/deactivate"))
    assert "Emil loses it as personal number" in page
    yesterday = (utcnow().date() - dt.timedelta(days=1)).isoformat()
    r = post(client, f"/portal/numbers/{number.id}/deactivate", {"termination_date": yesterday})
    assert r.status_code == 422 and "today or later" in text(r)
    soon = (utcnow().date() + dt.timedelta(days=30)).isoformat()
    r = post(client, f"/portal/numbers/{number.id}/deactivate", {"termination_date": soon})
    assert r.status_code == 302
    db.session.expire_all()
    assert number.status is NumberStatus.PENDING_DEACTIVATION
    r = post(client, f"/portal/numbers/{number.id}/reactivate", {})
    db.session.expire_all()
    assert number.status is NumberStatus.ACTIVE


def test_an_unrecognised_phone_is_adopted_with_vendor_and_model_pre_filled(client):
    admin = _admin(client)
    row = make_unrecognised(admin.tenant)
    page = text(client.get(f"/portal/unrecognised/{row.id}"))
    assert 'value="yealink" selected' in page and 'value="T54W"' in page
    r = post(client, f"/portal/unrecognised/{row.id}", {
        "action": "adopt", "vendor": "yealink", "model": "T54W", "label": "new one"})
    assert r.status_code == 302 and "/portal/devices/" in r.headers["Location"]
    assert row.mac in text(client.get(r.headers["Location"]))


def test_the_journal_filters_by_who_and_object(client):
    admin = _admin(client)
    make_employee(admin.tenant, display_name="Journaled Person")
    post(client, "/portal/accounts", {"username": "new.user", "role": "user",
                                      "password": STRONG_PASSWORD})
    page = text(client.get(f"/portal/journal?actor={admin.username}&object_type=accounts"))
    assert "new.user" in page
    assert "Journaled Person" not in page
    assert "Journaled Person" not in text(client.get("/portal/journal?actor=nobody"))


def test_settings_show_the_phone_url_and_save_the_password_policy(client):
    admin = _admin(client)
    page = text(client.get("/portal/settings"))
    assert 'id="provisioning-url"' in page and "/p/" in page
    assert "safely unguessable" in page
    r = post(client, "/portal/settings", {"min_password_strength": "3",
                                          "password_max_age_days": "90"})
    assert r.status_code == 302
    db.session.expire_all()
    assert admin.tenant.min_password_strength == 3 and admin.tenant.password_max_age_days == 90
    r = post(client, "/portal/settings", {"min_password_strength": "1",
                                          "password_max_age_days": ""})
    assert r.status_code == 422 and "may only raise it" in text(r)


def test_an_admin_cannot_give_a_role_above_their_own(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    sign_in(client, admin)
    page = text(client.get("/portal/accounts"))
    assert '<option value="superadmin"' not in page
    r = post(client, "/portal/accounts", {"username": "sneaky", "role": "superadmin",
                                          "password": STRONG_PASSWORD})
    assert r.status_code == 403
    assert db.session.execute(
        select(Account).where(Account.username == "sneaky")).scalar_one_or_none() is None
