"""Encryption of secrets the service must hand out in clear (SIP passwords), with key rotation.

MultiFernet encrypts with the first key and decrypts with any, so a new key can be put in front,
rows re-encrypted at leisure (``rotate``), and the old key dropped afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

_ALPHABET = string.ascii_letters + string.digits


class SecretBox:
    """Encrypts with the newest key, decrypts with any. ``reload`` (optional) re-reads the key
    file: after `provisioning rotate-key` a running process meets tokens made with a key it did
    not start with, and picks the new key file up instead of failing."""

    def __init__(self, keys: tuple[bytes, ...], url_key: bytes,
                 reload: Callable[[], tuple[bytes, ...]] | None = None) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self._url_key = url_key
        self._reload = reload

    def encrypt(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            if self._reload is None:
                raise RuntimeError(
                    "a stored secret cannot be decrypted with the instance keys") from None
            self._fernet = MultiFernet([Fernet(k) for k in self._reload()])
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError(
                "a stored secret cannot be decrypted with the instance keys") from exc

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()

    def url_secret(self, tenant_id: int, generation: int) -> str:
        """The tenant's provisioning URL segment; derived, so it is never stored."""
        mac = hmac.new(self._url_key, f"tenant:{tenant_id}:{generation}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]


def secret_box() -> SecretBox:
    return current_app.extensions["provisioning.secrets"]


def generate_password(length: int = 24) -> str:
    """Letters and digits only: phones' web forms and .cfg parsers choke on some punctuation."""
    while True:
        # A letter first: a value that starts like a number ("0x...", "1e...") is read as one
        # by some parsers (sipp takes "0x..." for hex and answers with a wrong digest).
        value = secrets.choice(string.ascii_letters) + "".join(
            secrets.choice(_ALPHABET) for _ in range(length - 1))
        if any(c.islower() for c in value) and any(c.isupper() for c in value) and any(
            c.isdigit() for c in value
        ):
            return value


def encrypted_columns(metadata: Any) -> list[tuple[Any, Any]]:
    """Every column holding a SecretBox token: by convention its name ends in ``_encrypted``."""
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if column.name.endswith("_encrypted")]


def reencrypt_all(connection: Any, metadata: Any, box: SecretBox) -> int:
    """Re-encrypt every stored token with the box's first key; returns how many values.

    Plain SQL rather than the ORM: the plaintext does not change, so neither the rows' version
    (their ETag) nor the change journal should."""
    from sqlalchemy import select, update

    count = 0
    for table, column in encrypted_columns(metadata):
        pk = list(table.primary_key.columns)
        rows = connection.execute(select(*pk, column).where(column.is_not(None))).all()
        for row in rows:
            token = row[-1]
            where = [c == row[i] for i, c in enumerate(pk)]
            connection.execute(update(table).where(*where).values({column.name: box.rotate(token)}))
            count += 1
    return count
