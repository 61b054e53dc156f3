"""Backup and restore: a restored instance answers the API as before and decrypts the same SIP
passwords, across database kinds; restore never overwrites anything."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile

import pytest

from provisioning.accounts.models import Role
from provisioning.backup import BackupError, restore_backup, write_backup
from provisioning.common.models import utcnow
from provisioning.crypto import secret_box
from provisioning.instance import create_secrets, has_secrets
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_ops import committed_app, fresh_database
from tests.factories_people import make_employee


def _seed() -> dict:
    tenant = make_tenant(name="Müller & Söhne", password_max_age_days=90)
    operator = make_account(Role.OPERATOR)
    make_account(Role.SUPERADMIN, tenant, email="chef@example.test")
    employee = make_employee(tenant, display_name="Anna Beispiel")
    return {"tenant_id": tenant.id, "employee_id": employee.id,
            "headers": headers_for(operator), "cut": utcnow().isoformat().replace("+", "%2B"),
            "sip_encrypted": employee.sip_account.password_encrypted}


def _answers(app, seed: dict) -> dict:
    """What the API says about the seeded data, with the ETags."""
    client, h = app.test_client(), seed["headers"]
    tenant, employee = seed["tenant_id"], seed["employee_id"]
    urls = [
        f"/api/v1/journal?until={seed['cut']}&per_page=500",
        "/api/v1/tenants",
        f"/api/v1/tenants/{tenant}",
        f"/api/v1/accounts?tenant_id={tenant}",
        "/api/v1/employees",
        f"/api/v1/employees/{employee}",
        f"/api/v1/employees/{employee}/sip-account",
        f"/api/v1/employees/{employee}/sip-account/password",
    ]
    out = {}
    for url in urls:
        r = client.get(url, headers=h)
        assert r.status_code == 200, (url, r.json)
        out[url] = (r.json, r.headers.get("ETag"))
    return out


@pytest.mark.parametrize(("source", "target"), [
    ("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "sqlite"),
])
def test_a_restored_backup_serves_the_same_answers_and_sip_passwords(tmp_path, source, target):
    archive = tmp_path / "backup.tar.gz"
    with fresh_database(source, tmp_path) as url, committed_app(tmp_path / "a", url) as app, \
            app.app_context():
        seed = _seed()
        before = _answers(app, seed)
        sip_clear = secret_box().decrypt(seed["sip_encrypted"])
        manifest = write_backup(archive)
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    assert manifest["alembic_revision"] and {t["name"] for t in manifest["tables"]} >= {
        "tenants", "accounts", "employees", "sip_accounts", "journal"}

    restored = tmp_path / "restored-instance"
    with fresh_database(target, tmp_path) as url:
        restore_backup(archive, restored, {"ENV": "production", "SQLALCHEMY_DATABASE_URI": url,
                                           "LOG_LEVEL": "WARNING"})
        with committed_app(tmp_path / "b", url, ENV="production",
                           INSTANCE_PATH=str(restored)) as app:
            after = _answers(app, seed)
            assert after == before
            assert len(after[f"/api/v1/journal?until={seed['cut']}&per_page=500"][0]["items"]) >= 5
            revealed = after[f"/api/v1/employees/{seed['employee_id']}/sip-account/password"]
            with app.app_context():
                assert secret_box().decrypt(seed["sip_encrypted"]) == sip_clear
            assert revealed[0]["password"] == sip_clear
            # ids continue after the restored ones (PostgreSQL's sequences were moved on)
            r = app.test_client().post("/api/v1/tenants", headers=seed["headers"], json={
                "name": "New", "customer_number": "NEW-1", "sip_domain": "new.sip.test"})
            assert r.status_code == 201, r.json
            journal = app.test_client().get("/api/v1/journal?action=restore",
                                            headers=seed["headers"]).json["items"]
            assert len(journal) == 1, "the restore itself is journaled"


@pytest.fixture
def backup_file(tmp_path):
    archive = tmp_path / "b.tar.gz"
    with committed_app(tmp_path / "src", f"sqlite:///{tmp_path / 'src.sqlite'}") as app, \
            app.app_context():
        make_tenant()
        write_backup(archive)
    return archive


def test_restore_refuses_an_instance_folder_that_has_secrets(tmp_path, backup_file):
    instance = tmp_path / "used"
    create_secrets(instance)
    keys = (instance / "secrets" / "encryption-keys").read_bytes()
    with pytest.raises(BackupError, match="already holds secrets"):
        restore_backup(backup_file, instance,
                       {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.sqlite'}"})
    assert (instance / "secrets" / "encryption-keys").read_bytes() == keys


def test_restore_refuses_a_database_that_is_not_empty_and_leaves_no_secrets(tmp_path, backup_file):
    url = f"sqlite:///{tmp_path / 'used.sqlite'}"
    with committed_app(tmp_path / "other", url):
        pass
    instance = tmp_path / "fresh"
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(backup_file, instance, {"SQLALCHEMY_DATABASE_URI": url})
    assert not has_secrets(instance), "a refused restore can be tried again"


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        data = json.dumps({"format": "something-else"}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="not a backup"):
        restore_backup(bogus, tmp_path / "i", {})
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(BackupError, match="cannot read"):
        restore_backup(tmp_path / "plain.txt", tmp_path / "i", {})


def test_backup_never_overwrites_a_file(tmp_path, backup_file):
    with committed_app(tmp_path / "src2", f"sqlite:///{tmp_path / 'src2.sqlite'}") as app, \
            app.app_context(), pytest.raises(BackupError, match="already exists"):
        write_backup(backup_file)
