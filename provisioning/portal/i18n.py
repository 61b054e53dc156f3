"""German and English for the portal: English text is the key, ``catalogue_de`` holds German.

A small catalogue rather than gettext files: the portal has a few hundred strings, nothing has
to be compiled, and a test checks that every string the templates and views use has its German.
The language is the account's, else one chosen on the sign-in page, else the browser's
(Accept-Language), else English.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request, session

from provisioning.errors import DomainError
from provisioning.portal.catalogue_de import ERRORS_DE, TEXT_DE

LANGUAGES = ("en", "de")
DEFAULT = "en"
SESSION_LANGUAGE = "lang"


def choose_language() -> str:
    account = g.get("account")
    wanted = [account.language if account is not None else None, session.get(SESSION_LANGUAGE)]
    for code in wanted:
        if code and code[:2].lower() in LANGUAGES:
            g.lang = code[:2].lower()
            return g.lang
    g.lang = request.accept_languages.best_match(LANGUAGES, default=DEFAULT)
    return g.lang


def current_language() -> str:
    return g.get("lang", DEFAULT) if has_request_context() else DEFAULT


def gettext(text: str, **values: Any) -> str:
    """The text in the request's language; ``{name}`` placeholders are filled after
    translation (Jinja escapes the result like any other value)."""
    if current_language() == "de":
        text = TEXT_DE.get(text, text)
    return text.format(**values) if values else text


def translated(language: str, text: str, **values: Any) -> str:
    """The text in a given language, outside a request's (a mail to an account)."""
    if language == "de":
        text = TEXT_DE.get(text, text)
    return text.format(**values) if values else text


def error_message(exc: DomainError) -> str:
    """A service's error for people: German by its stable error_id where we have one, else the
    service's own (English) message."""
    if current_language() == "de":
        german = ERRORS_DE.get(exc.error_id)
        if german:
            try:
                return german.format(**(exc.details or {}))
            except (KeyError, IndexError, ValueError):
                return exc.message
    return exc.message


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=gettext, current_language=current_language)
