"""The instance folder, its secrets and the encryption key's rotation."""

from __future__ import annotations

import os
import stat

import pytest

from provisioning import create_app
from provisioning.crypto import SecretBox
from provisioning.instance import (
    InstanceError,
    add_encryption_key,
    create_secrets,
    load_secrets,
    read_secret_files,
    write_secret_files,
)


def test_production_start_without_secrets_refuses_and_names_the_command(tmp_path):
    with pytest.raises(InstanceError, match=r"provisioning init-instance"):
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path / "empty"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert not (tmp_path / "empty" / "secrets").exists(), "production must not create secrets"


def test_first_start_creates_private_secrets_once(tmp_path):
    instance = tmp_path / "instance"
    assert create_secrets(instance) is True
    assert create_secrets(instance) is False
    for path in (instance, instance / "secrets"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    for name in ("encryption-keys", "url-key"):
        assert stat.S_IMODE(os.stat(instance / "secrets" / name).st_mode) == 0o600


def test_secrets_readable_by_others_are_refused(tmp_path):
    create_secrets(tmp_path)
    os.chmod(tmp_path / "secrets", 0o755)  # noqa: S103 - the mistake under test
    with pytest.raises(InstanceError, match="chmod 700"):
        load_secrets(tmp_path)


def test_old_keys_keep_decrypting_after_a_new_key_is_added(tmp_path):
    create_secrets(tmp_path)
    before = load_secrets(tmp_path)
    token = SecretBox(before.encryption_keys, before.url_key).encrypt("sip-secret")
    add_encryption_key(tmp_path)
    after = load_secrets(tmp_path)
    assert len(after.encryption_keys) == 2 and after.encryption_keys[1:] == before.encryption_keys
    box = SecretBox(after.encryption_keys, after.url_key)
    assert box.decrypt(token) == "sip-secret"
    rotated = box.rotate(token)
    assert SecretBox(after.encryption_keys[:1], after.url_key).decrypt(rotated) == "sip-secret"


def test_secret_files_are_carried_with_their_modes_and_never_overwritten(tmp_path):
    source = tmp_path / "a"
    create_secrets(source)  # the keys and the service's own CA
    files = read_secret_files(source)
    assert {"secrets/encryption-keys", "secrets/url-key", "ca/ca.crt", "ca/ca.key"} <= set(files)
    target = tmp_path / "b"
    write_secret_files(target, files)
    assert load_secrets(target) == load_secrets(source)
    assert stat.S_IMODE(os.stat(target / "ca" / "ca.crt").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(target / "ca" / "ca.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(target / "secrets" / "url-key").st_mode) == 0o600
    with pytest.raises(InstanceError, match="already holds secrets"):
        write_secret_files(target, files)


def test_a_backup_cannot_write_outside_the_secret_folders(tmp_path):
    with pytest.raises(InstanceError, match="refusing"):
        write_secret_files(tmp_path / "c", {"secrets/../../evil": (b"x", 0o600)})
    assert not (tmp_path / "evil").exists()
