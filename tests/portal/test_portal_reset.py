"""Password reset by mail, received by a real SMTP server on loopback: a link that works once
and for a while, and answers that never tell whether an account exists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.extensions import db
from provisioning.portal.models import PasswordReset
from tests.factories import make_account
from tests.factories_accounts import ANOTHER_STRONG_PASSWORD, tokens_of
from tests.portal.helpers import post, sign_in, text
from tests.portal.mailbox import smtp_config, smtp_server


@pytest.fixture
def mailbox(app, monkeypatch):
    with smtp_server() as (box, port):
        for key, value in smtp_config(port).items():
            monkeypatch.setitem(app.config, key, value)
        yield box


def _ask(client, name: str):
    r = post(client, "/portal/reset", {"name": name})
    r.close()  # the server closes the answer after sending it: then the mail goes out
    return r


def test_a_reset_link_arrives_by_mail_and_works_once(client, mailbox):
    account = make_account(Role.USER, email="anna@example.net")
    sign_in(client, account)
    assert len(tokens_of(account.id)) == 1
    post(client, "/portal/logout", token_from="/portal/me")
    r = _ask(client, "ANNA@example.net")
    assert r.status_code == 200 and 'id="reset-sent"' in text(r)
    [message] = mailbox.wait(1)
    assert message["To"] == "anna@example.net"
    link = mailbox.link(message)
    path = link[link.index("/portal/"):]
    stored = db.session.execute(select(PasswordReset)).scalar_one()
    assert link.rsplit("/", 1)[1] not in stored.token_hash, "only a hash is kept"
    r = post(client, path, {"new_password": ANOTHER_STRONG_PASSWORD,
                            "new_password_again": ANOTHER_STRONG_PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/portal/login")
    assert sign_in(client, account, password=ANOTHER_STRONG_PASSWORD).status_code == 302
    post(client, "/portal/logout", token_from="/portal/me")
    assert client.get(path).status_code == 404, "spent"


def test_the_answer_is_the_same_for_unknown_names_and_accounts_without_address(client, mailbox):
    make_account(Role.USER, username="no-address")
    known = make_account(Role.USER, email="ben@example.net")
    answers = [text(_ask(client, name)) for name in ("nobody-at-all", "no-address",
                                                      known.username)]
    strip = [a.replace(a[a.find('name="csrf_token"'):a.find('">', a.find('name="csrf_token"'))],
                       "") for a in answers]
    assert strip[0] == strip[1] == strip[2]
    assert len(mailbox.wait(1)) == 1, "only the account with an address got a mail"


def test_an_expired_link_does_not_work_and_a_weak_password_is_refused(client, mailbox):
    account = make_account(Role.ADMIN, email="cem@example.net")
    _ask(client, account.username)
    path = mailbox.link(mailbox.wait(1)[0])
    path = path[path.index("/portal/"):]
    r = post(client, path, {"new_password": "password", "new_password_again": "password"})
    assert r.status_code == 422 and "too weak" in text(r)
    row = db.session.execute(select(PasswordReset)).scalar_one()
    row.expires_at = row.created_at - dt.timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 404


def test_a_second_request_within_a_minute_sends_no_second_mail(client, mailbox):
    make_account(Role.USER, username="dora", email="dora@example.net")
    _ask(client, "dora")
    _ask(client, "dora")
    assert len(mailbox.wait(2, timeout=1.5)) == 1
