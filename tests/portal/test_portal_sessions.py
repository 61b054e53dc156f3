"""Signing in to the portal: the API's throttling and policy, CSRF on every form, cookies, the
forced password change and its warning, the language, and the API's role rules."""

from __future__ import annotations

from provisioning import create_app
from provisioning.accounts.models import Role
from tests.conftest import make_test_app
from tests.factories import STRONG_PASSWORD, make_account, make_tenant
from tests.factories_accounts import ANOTHER_STRONG_PASSWORD, age_password, tokens_of
from tests.factories_fleet import make_device
from tests.portal.helpers import csrf_token, post, sign_in, text


def test_an_admin_signs_in_lands_on_the_dashboard_and_signs_out(client):
    admin = make_account(Role.SUPERADMIN)
    r = sign_in(client, admin)
    assert r.status_code == 302 and r.headers["Location"].endswith("/portal/")
    assert client.get("/portal/", follow_redirects=True).request.path == "/portal/dashboard"
    assert len(tokens_of(admin.id)) == 1, "a portal session is an API token of the account"
    r = post(client, "/portal/logout", token_from="/portal/dashboard")
    assert r.status_code == 302 and r.headers["Location"].endswith("/portal/login")
    assert tokens_of(admin.id) == []
    assert client.get("/portal/dashboard").status_code == 302  # back to the login


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    admin = make_account(Role.ADMIN)
    cookie = sign_in(client, admin).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "the test app is served over plain HTTP"


def test_the_cookie_is_secure_and_the_key_is_the_instances_when_served_over_https(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    https = make_test_app(tmp_path, url, PUBLIC_BASE_URL="https://portal.example.net")
    again = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"),
                        "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    other = make_test_app(tmp_path / "other", url)
    assert https.config["SESSION_COOKIE_SECURE"] is True
    assert https.config["SECRET_KEY"] == again.config["SECRET_KEY"], "derived, not random"
    assert https.config["SECRET_KEY"] != other.config["SECRET_KEY"], "each instance its own"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(client):
    admin = make_account(Role.ADMIN)
    wrong = sign_in(client, admin, password="not-the-password")
    unknown = post(client, "/portal/login", {"username": "nobody-here", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password" in text(wrong)
    assert "Wrong username or password" in text(unknown)


def test_failed_portal_logins_are_throttled_like_the_apis(client):
    admin = make_account(Role.ADMIN)
    for _ in range(3):
        assert sign_in(client, admin, password="not-the-password").status_code == 401
    r = sign_in(client, admin)  # even the right password must wait now
    assert r.status_code == 429
    assert "wait before trying again" in text(r)


def test_a_form_posted_without_its_csrf_token_is_refused(client):
    admin = make_account(Role.ADMIN)
    csrf_token(client)  # the browser has a session, but the form lacks the token
    r = client.post("/portal/login", data={"username": admin.username,
                                           "password": STRONG_PASSWORD})
    assert r.status_code == 400 and "security token" in text(r)
    assert tokens_of(admin.id) == [], "nothing happened"
    sign_in(client, admin)
    r = client.post("/portal/logout", data={"csrf_token": "forged"})
    assert r.status_code == 400
    assert len(tokens_of(admin.id)) == 1, "still signed in"


def test_an_expired_password_must_be_changed_before_anything_else(client):
    tenant = make_tenant(password_max_age_days=30)
    user = make_account(Role.USER, tenant)
    age_password(user, 40)
    r = sign_in(client, user)
    assert r.headers["Location"].endswith("/portal/password")
    r = client.get("/portal/my/devices")
    assert r.status_code == 302 and r.headers["Location"].endswith("/portal/password")
    page = text(client.get("/portal/password"))
    assert 'id="password-required"' in page
    r = post(client, "/portal/password", {"current_password": STRONG_PASSWORD,
                                          "new_password": "short",
                                          "new_password_again": "short"})
    assert r.status_code == 422 and "too weak" in text(r)
    r = post(client, "/portal/password", {"current_password": STRONG_PASSWORD,
                                          "new_password": ANOTHER_STRONG_PASSWORD,
                                          "new_password_again": ANOTHER_STRONG_PASSWORD})
    assert r.status_code == 302
    assert client.get("/portal/my/devices").status_code == 200
    assert len(tokens_of(user.id)) == 1, "every other session of the account ended"


def test_the_warning_shows_in_the_last_seven_days_before_the_password_expires(client):
    tenant = make_tenant(password_max_age_days=30)
    user = make_account(Role.USER, tenant)
    age_password(user, 25)
    sign_in(client, user)
    assert 'id="password-warning"' in text(client.get("/portal/my/devices"))
    age_password(user, 10)
    assert 'id="password-warning"' not in text(client.get("/portal/my/devices"))


def test_the_language_is_the_accounts_else_the_browsers(client):
    german = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    assert "Anmelden" in text(client.get("/portal/login", headers=german))
    assert "Sign in" in text(client.get("/portal/login", headers={"Accept-Language": "en"}))
    admin = make_account(Role.ADMIN, language="en")
    sign_in(client, admin)
    assert "Devices" in text(client.get("/portal/devices", headers=german))
    post(client, "/portal/me", {"language": "de", "email": ""})
    page = text(client.get("/portal/devices"))
    assert "Geräte" in page and '<html lang="de">' in page


def test_a_user_cannot_open_admin_pages_and_another_tenants_device_does_not_exist(client):
    user = make_account(Role.USER)
    admin = make_account(Role.ADMIN, user.tenant)
    foreign = make_device(make_tenant())
    sign_in(client, user)
    for path in ("/portal/dashboard", "/portal/devices", "/portal/employees",
                 "/portal/journal", "/portal/accounts", "/portal/tenants"):
        assert client.get(path).status_code == 403, path
    post(client, "/portal/logout", token_from="/portal/me")
    sign_in(client, admin)
    assert client.get(f"/portal/devices/{foreign.id}").status_code == 404
    assert client.get("/portal/tenants").status_code == 403, "operators only"


def test_signing_in_follows_next_only_within_the_portal(client):
    admin = make_account(Role.ADMIN)
    r = client.get("/portal/numbers")
    assert r.headers["Location"].endswith("/portal/login?next=/portal/numbers")
    r = post(client, "/portal/login?next=/portal/numbers",
             {"username": admin.username, "password": STRONG_PASSWORD}, token_from="/portal/login")
    assert r.headers["Location"].endswith("/portal/numbers")
    post(client, "/portal/logout", token_from="/portal/me")
    r = post(client, "/portal/login?next=https://evil.example/", {
        "username": admin.username, "password": STRONG_PASSWORD}, token_from="/portal/login")
    assert r.headers["Location"].endswith("/portal/")
