"""The instance folder: secrets that must never be in the repository or the database.

Layout (mode 0700, files 0600):
    secrets/encryption-keys   Fernet keys, newest first (rotation keeps old ones decrypting)
    secrets/url-key           key the tenants' provisioning URL secrets are derived from
    provisioning.sqlite       the embedded database, unless DATABASE_URL says otherwise
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet


class InstanceError(RuntimeError):
    """The instance folder is missing or incomplete; the message says how to fix it."""


@dataclass(frozen=True)
class InstanceSecrets:
    encryption_keys: tuple[bytes, ...]
    url_key: bytes


def secrets_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / "secrets"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def create_secrets(instance_path: str | Path) -> bool:
    """Create whatever secret is missing; return True if anything was created."""
    root = Path(instance_path)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    sdir = secrets_dir(root)
    sdir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(sdir, 0o700)
    created = False
    keys = sdir / "encryption-keys"
    if not keys.exists():
        _write_private(keys, Fernet.generate_key() + b"\n")
        created = True
    url_key = sdir / "url-key"
    if not url_key.exists():
        _write_private(url_key, base64.urlsafe_b64encode(secrets.token_bytes(32)) + b"\n")
        created = True
    if not (ca_dir(root) / "ca.key").exists():
        from cert.ca import load_or_create_ca

        load_or_create_ca(ca_dir(root), "provisioning CA")
        created = True
    return created


def ca_dir(instance_path: str | Path) -> Path:
    """The service's own CA (cert/): phones are given its certificate, it signs the HTTPS one."""
    return Path(instance_path) / "ca"


def load_ca_pem(instance_path: str | Path) -> str:
    from cert.ca import CAError, load_ca

    try:
        return load_ca(ca_dir(instance_path)).cert_pem.decode()
    except CAError as exc:
        raise InstanceError(
            f"The instance folder {Path(instance_path).resolve()} has no usable CA ({exc}). "
            "Create it with `provisioning init-instance` (or restore a backup)."
        ) from exc


def load_secrets(instance_path: str | Path) -> InstanceSecrets:
    sdir = secrets_dir(instance_path)
    keys_file, url_file = sdir / "encryption-keys", sdir / "url-key"
    missing = [p.name for p in (keys_file, url_file) if not p.exists()]
    if missing:
        raise InstanceError(
            f"The instance folder {Path(instance_path).resolve()} lacks {', '.join(missing)}. "
            "Create the secrets with `provisioning init-instance` (or restore a backup with "
            "`provisioning restore`); the service does not start without them."
        )
    mode = os.stat(sdir).st_mode & 0o777
    if mode & 0o077:
        raise InstanceError(f"{sdir} is readable by others (mode {mode:o}); chmod 700 it")
    lines = keys_file.read_text().splitlines()
    keys = tuple(line.strip().encode() for line in lines if line.strip())
    if not keys:
        raise InstanceError(f"{keys_file} holds no key")
    return InstanceSecrets(encryption_keys=keys, url_key=url_file.read_text().strip().encode())


def write_encryption_keys(instance_path: str | Path, keys: list[bytes]) -> None:
    """Replace the key file atomically (rotation)."""
    target = secrets_dir(instance_path) / "encryption-keys"
    tmp = target.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    _write_private(tmp, b"".join(k + b"\n" for k in keys))
    os.replace(tmp, target)


def add_encryption_key(instance_path: str | Path) -> bytes:
    """Put a new key in front (it encrypts from now on); the old ones keep decrypting."""
    new = Fernet.generate_key()
    write_encryption_keys(instance_path, [new, *load_secrets(instance_path).encryption_keys])
    return new


# Folders of the instance a backup carries: the keys, and the CA (its key signs what phones trust).
BACKED_UP_DIRS = ("secrets", "ca")


def has_secrets(instance_path: str | Path) -> bool:
    root = Path(instance_path)
    return any((root / d).is_dir() and any((root / d).iterdir()) for d in BACKED_UP_DIRS)


def read_secret_files(instance_path: str | Path) -> dict[str, tuple[bytes, int]]:
    """Every file under the backed-up folders, by path relative to the instance folder, with
    its data and mode: what a backup must carry."""
    root = Path(instance_path)
    load_secrets(root)  # refuses an incomplete folder with its helpful message
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mode & 0o777)
        for folder in BACKED_UP_DIRS
        for path in sorted((root / folder).rglob("*")) if path.is_file()
    }


def write_secret_files(instance_path: str | Path,
                       files: dict[str, tuple[bytes, int]]) -> list[Path]:
    """Write secrets (from a backup) into an instance folder that has none; returns the paths.
    Folders are 0700; a file keeps its mode but never more than 0644."""
    root = Path(instance_path)
    if has_secrets(root):
        raise InstanceError(f"{root} already holds secrets; restore into an empty instance folder")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    base = root.resolve()
    written: list[Path] = []
    for name, (data, mode) in sorted(files.items()):
        target = (root / name).resolve()
        top = name.split("/", 1)[0]
        if top not in BACKED_UP_DIRS or (base / top) not in target.parents:
            raise InstanceError(f"refusing to write {name!r} outside the instance's secret folders")
        for parent in reversed(target.relative_to(base).parents[:-1]):
            (base / parent).mkdir(mode=0o700, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        written.append(target)
    load_secrets(root)  # the result must be a usable instance
    return written


def remove_secret_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
