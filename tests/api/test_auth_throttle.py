from provisioning.accounts.models import Role
from tests.factories import make_account
from tests.factories_accounts import (
    config,
    end_lock,
    failure_row,
    journal,
    login,
    rewind_last_failure,
)

WRONG = "wrong-password-123"


def _fail(client, username, times, addr):
    for _ in range(times):
        assert login(client, username, WRONG, addr=addr).status_code == 401


def test_after_three_failures_the_next_attempt_must_wait(client):
    admin = make_account(Role.ADMIN)
    _fail(client, admin.username, 3, addr="198.51.100.1")
    r = login(client, admin.username, addr="198.51.100.1")  # even the right password
    assert r.status_code == 429 and r.json["error_id"] == "login_throttled"
    assert r.headers["Retry-After"] == "1"
    rewind_last_failure(f"user:{admin.username}", 1)
    rewind_last_failure("addr:198.51.100.1", 1)
    assert login(client, admin.username, addr="198.51.100.1").status_code == 201


def test_the_wait_doubles_with_each_failure(client):
    admin = make_account(Role.ADMIN)
    key = f"user:{admin.username}"
    for n in range(3):
        _fail(client, admin.username, 1, addr=f"198.51.100.{n + 10}")
    for expected in (2, 4):
        rewind_last_failure(key, 2**(expected // 2 - 1))
        _fail(client, admin.username, 1, addr=f"198.51.100.{expected}")
        r = login(client, admin.username, addr="198.51.100.99")
        assert r.status_code == 429 and r.headers["Retry-After"] == str(expected)


def test_a_success_resets_the_account_count(client):
    admin = make_account(Role.ADMIN)
    _fail(client, admin.username, 2, addr="198.51.100.2")
    assert failure_row(f"user:{admin.username}").failures == 2
    assert login(client, admin.username, addr="198.51.100.2").status_code == 201
    assert failure_row(f"user:{admin.username}") is None
    assert failure_row("addr:198.51.100.2").failures == 2


def test_failures_are_counted_in_the_database_so_every_worker_shares_them(client):
    make_account(Role.ADMIN, username="shared.count")
    _fail(client, "Shared.Count", 2, addr="198.51.100.3")
    assert failure_row("user:shared.count").failures == 2
    assert failure_row("addr:198.51.100.3").failures == 2


def _lock(app, client, username, addr_prefix):
    """Enough failures to lock the account key, each after its wait (the clock is rewound)."""
    lock_after = app.config["LOGIN_LOCK_AFTER"]
    answers = []
    for n in range(lock_after):
        if n:
            rewind_last_failure(f"user:{username.lower()}", 10_000)
        answers.append(login(client, username, WRONG, addr=f"{addr_prefix}{n + 1}"))
    return answers


def test_too_many_failures_lock_the_account_key_and_the_lock_is_journaled(app, client):
    admin = make_account(Role.ADMIN)
    answers = _lock(app, client, admin.username, "203.0.113.")
    assert [a.status_code for a in answers[:-1]] == [401] * (len(answers) - 1)
    assert answers[-1].status_code == 429 and answers[-1].json["error_id"] == "login_locked"
    assert int(answers[-1].headers["Retry-After"]) == app.config["LOGIN_LOCK_SECONDS"]
    r = login(client, admin.username, addr="203.0.113.200")  # right password, fresh address
    assert r.status_code == 429 and r.json["error_id"] == "login_locked"
    assert 0 < int(r.headers["Retry-After"]) <= app.config["LOGIN_LOCK_SECONDS"]
    locks = journal("login_locked")
    assert len(locks) == 1
    assert locks[0].object_id == admin.id and locks[0].tenant_id == admin.tenant_id
    assert locks[0].changes["key"] == f"user:{admin.username}"


def test_the_lock_ends_after_the_lock_time(app, client):
    admin = make_account(Role.ADMIN)
    _lock(app, client, admin.username, "203.0.113.")
    end_lock(f"user:{admin.username}")
    assert login(client, admin.username, addr="203.0.113.201").status_code == 201


def test_an_unknown_username_is_throttled_and_locked_exactly_like_a_known_one(app, client):
    admin = make_account(Role.ADMIN)
    known = _lock(app, client, admin.username, "10.1.0.")
    unknown = _lock(app, client, "no.such.user", "10.2.0.")
    assert [(a.status_code, a.json, a.headers.get("Retry-After")) for a in known] == \
        [(a.status_code, a.json, a.headers.get("Retry-After")) for a in unknown]
    later_known = login(client, admin.username, addr="203.0.113.250")
    later_unknown = login(client, "no.such.user", addr="203.0.113.251")
    assert later_known.status_code == later_unknown.status_code == 429
    assert later_known.json == later_unknown.json


def test_one_address_trying_many_names_is_slowed_too(client):
    for n in range(3):
        assert login(client, f"someone{n}", WRONG, addr="198.51.100.77").status_code == 401
    r = login(client, "someone-else", WRONG, addr="198.51.100.77")
    assert r.status_code == 429 and r.json["error_id"] == "login_throttled"
    assert "Retry-After" in r.headers


def test_the_thresholds_are_configuration(app, client):
    admin = make_account(Role.ADMIN)
    with config(app, LOGIN_SLOWDOWN_AFTER=1, LOGIN_LOCK_AFTER=2, LOGIN_LOCK_SECONDS=60):
        _fail(client, admin.username, 1, addr="198.51.100.50")
        assert login(client, admin.username, addr="198.51.100.51").status_code == 429
        rewind_last_failure(f"user:{admin.username}", 5)
        r = login(client, admin.username, WRONG, addr="198.51.100.52")
        assert r.status_code == 429 and r.json["error_id"] == "login_locked"
        assert r.headers["Retry-After"] == "60"
