import datetime as dt

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.extensions import db
from tests.factories import STRONG_PASSWORD, headers_for, make_account, make_tenant
from tests.factories_accounts import (
    ANOTHER_STRONG_PASSWORD,
    age_password,
    bearer,
    config,
    login,
    tokens_of,
)

CHANGE = {"current_password": STRONG_PASSWORD, "new_password": ANOTHER_STRONG_PASSWORD}


def test_login_gives_a_token_that_opens_me_and_logout_closes_it(client):
    admin = make_account(Role.ADMIN, email="ada@example.test")
    r = login(client, admin.username)
    assert r.status_code == 201, r.json
    assert r.json["token"].startswith("pv_") and r.json["expires_at"]
    assert r.json["password_change_required"] is False
    h = bearer(r.json["token"])
    me = client.get("/api/v1/me", headers=h)
    assert me.status_code == 200
    assert me.json["username"] == admin.username and me.json["role"] == "admin"
    assert me.json["tenant_id"] == admin.tenant_id and me.json["email"] == "ada@example.test"
    assert "password_hash" not in me.json and "password" not in me.json
    assert client.delete("/api/v1/auth/tokens/current", headers=h).status_code == 204
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.json["error_id"] == "unauthenticated"


def test_login_accepts_the_username_in_any_case(client):
    make_account(Role.ADMIN, username="Grace.Hopper")
    assert login(client, "grace.hopper").status_code == 201


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client):
    admin = make_account(Role.ADMIN)
    wrong = login(client, admin.username, "not-the-password", addr="192.0.2.1")
    unknown = login(client, "nobody-here", "not-the-password", addr="192.0.2.2")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json and wrong.json["error_id"] == "invalid_credentials"


def test_tokens_are_stored_hashed(client):
    admin = make_account(Role.ADMIN)
    token = login(client, admin.username).json["token"]
    stored = [t.token_hash for t in tokens_of(admin.id)]
    assert stored and token not in stored and all(len(h) == 64 for h in stored)


def test_an_expired_token_is_refused(app, client):
    admin = make_account(Role.ADMIN)
    with config(app, TOKEN_TTL_SECONDS=60):
        r = login(client, admin.username)
    h = bearer(r.json["token"])
    assert client.get("/api/v1/me", headers=h).status_code == 200
    for token in tokens_of(admin.id):
        token.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_me_can_change_language_and_email_but_not_role(client):
    user = make_account(Role.USER)
    h = headers_for(user)
    r = client.patch("/api/v1/me", headers=h, json={"language": "de", "email": "u@example.test"})
    assert r.status_code == 200
    assert r.json["language"] == "de" and r.json["email"] == "u@example.test"
    r = client.patch("/api/v1/me", headers=h, json={"role": "admin"})
    assert r.status_code == 422 and "role" in r.json["details"]["fields"]


def test_changing_the_own_password_ends_every_session_and_hands_out_a_new_one(client):
    user = make_account(Role.USER)
    first = login(client, user.username).json["token"]
    second = login(client, user.username).json["token"]
    r = client.put("/api/v1/me/password", headers=bearer(first), json=CHANGE)
    assert r.status_code == 200, r.json
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(r.json["token"])).status_code == 200
    assert login(client, user.username, STRONG_PASSWORD).status_code == 401
    r = login(client, user.username, ANOTHER_STRONG_PASSWORD, addr="192.0.2.99")
    assert r.status_code == 201


def test_the_own_password_change_needs_the_current_password(client):
    user = make_account(Role.USER)
    r = client.put("/api/v1/me/password", headers=headers_for(user),
                   json={**CHANGE, "current_password": "guess-guess-guess"})
    assert r.status_code == 403 and r.json["error_id"] == "invalid_current_password"


def test_a_weak_new_password_is_refused_with_zxcvbn_feedback(client):
    user = make_account(Role.USER)
    h = headers_for(user)
    r = client.put("/api/v1/me/password", headers=h,
                   json={"current_password": STRONG_PASSWORD, "new_password": "password123"})
    assert r.status_code == 422 and r.json["error_id"] == "weak_password"
    details = r.json["details"]
    assert details["score"] < details["required_strength"]
    assert details["feedback"]["warning"] or details["feedback"]["suggestions"]
    assert client.get("/api/v1/me", headers=h).status_code == 200  # still signed in


def test_a_password_containing_the_username_scores_lower(client):
    user = make_account(Role.USER, username="marmalade.lantern")
    r = client.put("/api/v1/me/password", headers=headers_for(user),
                   json={"current_password": STRONG_PASSWORD, "new_password": "marmalade.lantern1"})
    assert r.status_code == 422 and r.json["error_id"] == "weak_password"


def test_a_tenant_may_demand_stronger_passwords(client):
    tenant = make_tenant(min_password_strength=4)
    user = make_account(Role.USER, tenant)
    r = client.put("/api/v1/me/password", headers=headers_for(user),
                   json={**CHANGE, "new_password": "Summer2024!x"})  # zxcvbn scores it 3
    assert r.status_code == 422 and r.json["details"]["required_strength"] == 4


def test_the_policy_names_the_levels_and_the_tenants_rules(client):
    tenant = make_tenant(min_password_strength=3, password_max_age_days=90)
    r = client.get("/api/v1/password-policy", headers=headers_for(make_account(Role.USER, tenant)))
    assert r.status_code == 200
    assert r.json["min_strength"] == 3 and r.json["max_age_days"] == 90
    assert [lvl["level"] for lvl in r.json["levels"]] == [0, 1, 2, 3, 4]


def test_an_expired_password_must_be_changed_before_anything_else(client):
    tenant = make_tenant(password_max_age_days=30)
    admin = make_account(Role.ADMIN, tenant)
    age_password(admin, 40)
    r = login(client, admin.username)
    assert r.status_code == 201 and r.json["password_change_required"] is True
    h = bearer(r.json["token"])
    r = client.get("/api/v1/tenants", headers=h)
    assert r.status_code == 403 and r.json["error_id"] == "password_change_required"
    assert client.get("/api/v1/me", headers=h).json["password_change_required"] is True
    assert client.get("/api/v1/password-policy", headers=h).status_code == 200
    r = client.put("/api/v1/me/password", headers=h, json=CHANGE)
    assert r.status_code == 200 and r.json["password_change_required"] is False
    assert client.get("/api/v1/tenants", headers=bearer(r.json["token"])).status_code == 200


def test_the_same_password_again_does_not_count_as_a_change(client):
    tenant = make_tenant(password_max_age_days=30)
    admin = make_account(Role.ADMIN, tenant)
    age_password(admin, 40)
    r = client.put("/api/v1/me/password", headers=headers_for(admin),
                   json={"current_password": STRONG_PASSWORD, "new_password": STRONG_PASSWORD})
    assert r.status_code == 422 and r.json["error_id"] == "password_unchanged"


def test_the_password_expiry_is_announced_seven_days_ahead(client):
    tenant = make_tenant(password_max_age_days=30)
    fresh, aging = make_account(Role.USER, tenant), make_account(Role.USER, tenant)
    age_password(fresh, 22)
    age_password(aging, 24)
    assert login(client, fresh.username).json["password_expiry_warning"] is False
    r = login(client, aging.username)
    assert r.json["password_expiry_warning"] is True and r.json["password_change_required"] is False
    me = client.get("/api/v1/me", headers=bearer(r.json["token"])).json
    assert me["password_expiry_warning"] is True and me["password_expires_at"]


def test_without_an_interval_passwords_never_expire(client):
    user = make_account(Role.USER)
    age_password(user, 4000)
    r = login(client, user.username)
    assert r.json["password_expires_at"] is None and r.json["password_change_required"] is False
