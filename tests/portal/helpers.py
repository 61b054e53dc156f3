"""Driving the portal like a browser does: pages carry a CSRF token that every form posts."""

from __future__ import annotations

import re

from tests.factories import STRONG_PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/portal/login") -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post(client, path: str, data: dict | None = None, token_from: str | None = None, **kw):
    """POST a form with the token a page of the portal hands out, as the browser would (the
    token is the session's: any page's will do for an action without a page of its own)."""
    if token_from is None:
        token_from = next(p for p in (path, "/portal/me", "/portal/login")
                          if client.get(p).status_code == 200)
    token = csrf_token(client, token_from)
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kw)


def sign_in(client, account, password: str = STRONG_PASSWORD, **kw):
    return post(client, "/portal/login", {"username": account.username, "password": password},
                **kw)


def text(response) -> str:
    return response.get_data(as_text=True)
