"""`provisioning tftp` as its own process on a committed database (SQLite and PostgreSQL): the
phones' files arrive over TFTP exactly as HTTPS serves them, credentials only where allowed,
and the database is never needed to serve."""

from __future__ import annotations

import resource
import socket
import time

import pytest
from sqlalchemy import select

from provisioning.extensions import db
from provisioning.phones.models import DeviceFetch, DeviceStatus
from tests.factories_ops import committed_app, fresh_database
from tests.integration.tftp_clients import (
    atftp_get,
    hpa_get,
    many,
    request_packet,
    rrq,
    tftpy_get,
)
from tests.integration.tftp_world import (
    NOWHERE,
    OFF,
    ON,
    OTHER,
    SNOM_UA,
    YEALINK_UA,
    TftpProcess,
    build_world,
    https_file,
)

pytestmark = pytest.mark.slow

SNOM_UA_NO_MAC = "Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)"
YEALINK_UA_NO_MAC = "Yealink SIP-T54W 96.86.0.70"

SNOM_FILES = ["snomD785.htm", "snomD785-000413A1B2C3.htm", "000413A1B2C3.xml"]
YEALINK_FILES = ["805ec0a1b2c4.cfg", "y000000000108.cfg"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"tftp-{request.param}")
    firmware = tmp / "firmware"
    firmware.mkdir()
    (firmware / "snomD785-10.1.bin").write_bytes(b"FIRMWARE" * 1000)
    private = tmp / "tftp-private"
    private.mkdir()
    (private / "canary").write_bytes(b"CANARY")
    (firmware / "evil.bin").symlink_to(private / "canary")
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url) as app:
        data = build_world(app)
        with TftpProcess(tmp / "instance", url, TFTP_FIRMWARE_DIR=f'"{firmware}"') as server:
            server.start(probe="805ec0a1b2c4.cfg")
            yield {**data, "app": app, "server": server, "url": url, "tmp": tmp,
                   "private": private}


def phone_ua(vendor: str, mac: str | None) -> str:
    if mac is None:  # older firmware sends no MAC
        return SNOM_UA_NO_MAC if vendor == "snom" else YEALINK_UA_NO_MAC
    return SNOM_UA.format(mac=mac.upper()) if vendor == "snom" else YEALINK_UA.format(
        mac=":".join(mac[i:i + 2] for i in range(0, 12, 2)))


@pytest.mark.parametrize("key,names", [("snom", SNOM_FILES), ("yealink", YEALINK_FILES)])
def test_each_vendors_files_arrive_byte_identical_to_https(world, key, names, tmp_path):
    phone, port = world["phones"][key], world["server"].port
    for name in names:
        # A name without a MAC tells TFTP no device (there is no User-Agent): it is the
        # tenant's generic file, as HTTPS serves it to a phone whose User-Agent has no MAC.
        mac = phone.mac if phone.mac in name.lower() else None
        https = https_file(world["app"], world["secret"], name, ON, phone_ua(phone.vendor, mac))
        assert https, name
        assert rrq(port, name, src=ON).data == https, name
        assert tftpy_get(port, name, tmp_path / f"tftpy-{name}", src=ON) == https, name
        done = hpa_get(port, name, tmp_path / f"hpa-{name}")  # from 127.0.0.1: same network
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"hpa-{name}").read_bytes() == https, name
    settings = rrq(port, names[-1] if key == "snom" else names[0], src=ON).data
    assert phone.password.encode() in settings  # the credentials network gets the account


def test_blocksize_negotiation_works_on_real_files(world, tmp_path):
    port = world["server"].port
    whole = rrq(port, "000413A1B2C3.xml", src=ON).data
    got = rrq(port, "000413A1B2C3.xml", src=ON, options={"blksize": 1428, "tsize": 0})
    assert got.data == whole and got.options == {"blksize": "1428", "tsize": str(len(whole))}
    done = atftp_get(port, "000413A1B2C3.xml", tmp_path / "a", blksize=1024)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a").read_bytes() == whole


def test_with_tftp_credentials_off_the_phone_gets_the_public_file_as_plain_http_does(world):
    phone = world["phones"]["snom"]
    got = rrq(world["server"].port, "000413A1B2C3.xml", src=OFF).data
    assert got and phone.password.encode() not in got
    assert world["secret"].encode() in got  # it points the phone back at HTTPS
    plain = https_file(world["app"], world["secret"], "000413A1B2C3.xml", OFF,
                       phone_ua("snom", phone.mac), scheme="http")
    assert got == plain


def test_outside_the_tenants_networks_no_password_and_no_tenant_secret(world):
    port = world["server"].port
    for name in ("000413A1B2C3.xml", "805ec0a1b2c4.cfg"):
        assert rrq(port, name, src=NOWHERE).error == 1
        other = rrq(port, name, src=OTHER).data  # another tenant's LAN: its generic file
        assert other and world["secret"].encode() not in other
        for phone in world["phones"].values():
            assert phone.password.encode() not in other


def test_a_device_that_requires_mutual_tls_gets_no_password_over_tftp(world):
    phone = world["phones"]["mtls"]
    got = rrq(world["server"].port, "000413A1B2C5.xml", src=ON).data
    assert got and phone.password.encode() not in got


def test_traversal_and_writes_are_refused_and_firmware_comes_from_its_directory(world):
    port, canary = world["server"].port, str(world["private"] / "canary")
    assert rrq(port, "firmware/snomD785-10.1.bin", src=ON).data == b"FIRMWARE" * 1000
    for name in ("firmware/evil.bin", "evil.bin", "../tftp-private/canary", canary,
                 "firmware/../tftp-private/canary", "..\\tftp-private\\canary"):
        got = rrq(port, name, src=ON)
        assert got.data is None and got.error in (1, 2), name
    assert rrq(port, "000413A1B2C3.xml", src=ON, opcode=2).error == 2
    assert (world["private"] / "canary").read_bytes() == b"CANARY"
    log = world["server"].log.read_text()
    assert "tftp refused write request from 127.0.0.7" in log
    assert "tftp refused firmware outside its directory from 127.0.0.7" in log


def test_a_fetch_is_recorded_like_an_https_fetch(world):
    phone = world["phones"]["yealink"]
    assert rrq(world["server"].port, "805ec0a1b2c4.cfg", src=ON).ok
    app, deadline = world["app"], time.monotonic() + 15
    with app.app_context():
        while time.monotonic() < deadline:
            status = db.session.get(DeviceStatus, phone.id)
            fetches = db.session.execute(select(DeviceFetch).where(
                DeviceFetch.device_id == phone.id, DeviceFetch.protocol == "tftp")).scalars().all()
            if status is not None and status.fetched_version and fetches:
                break
            db.session.remove()
            time.sleep(0.2)
        assert status.fetched_version == status.rendered_version
        assert status.last_seen_addr == ON
        assert any(f.filename == "805ec0a1b2c4.cfg" and f.credentials for f in fetches)
        db.session.remove()


def test_a_device_created_through_the_api_later_is_served_without_any_https_fetch(world):
    app = world["app"]
    with app.app_context():
        answer = app.test_client().post("/api/v1/devices", headers=world["headers"], json={
            "mac": "805ec0a1b2d9", "vendor": "yealink", "model": "T46U"})
        assert answer.status_code == 201, answer.get_json()
        db.session.remove()
    deadline, got = time.monotonic() + 10, None
    while time.monotonic() < deadline:
        got = rrq(world["server"].port, "805ec0a1b2d9.cfg", src=ON).data
        if got and b"805ec0a1b2d9" in got.lower() or got and world["secret"].encode() in got:
            break
        time.sleep(0.2)
    store = app.extensions["provisioning.render_store"]
    stored = store.file(world["tenant_id"], "805ec0a1b2d9", "805ec0a1b2d9.cfg", "public")
    assert stored is not None and got == stored.body


def test_two_hundred_phones_at_once_from_ten_addresses_all_get_their_file(world):
    port = world["server"].port
    expected = {name: rrq(port, name, src=ON).data
                for name in ("000413A1B2C3.xml", "805ec0a1b2c4.cfg")}
    names = list(expected)
    started = time.monotonic()
    results = many([lambda i=i: rrq(port, names[i % 2], src=f"127.0.0.{10 + i % 10}",
                                    deadline=60) for i in range(200)], timeout=90)
    assert [r.error for r in results if not r.ok] == []
    assert all(r.data == expected[names[i % 2]] for i, r in enumerate(results))
    assert time.monotonic() - started < 60


def test_after_a_flood_of_1500_requests_the_same_process_still_serves(world):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    server, socks = world["server"], []
    pid = server.proc.pid
    try:
        for i in range(1500):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((f"127.0.0.{100 + i % 100}", 0))
            sock.sendto(request_packet("000413A1B2C3.xml"), ("127.0.0.1", server.port))
            socks.append(sock)
        time.sleep(0.5)
        assert server.proc.poll() is None
    finally:
        for sock in socks:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    deadline = time.monotonic() + 20  # the flood's sessions time out (TFTP_TIMEOUT x retries)
    while time.monotonic() < deadline:
        if rrq(server.port, "805ec0a1b2c4.cfg", src="127.0.0.3", timeout=1, deadline=5).ok:
            break
        time.sleep(0.5)
    assert rrq(server.port, "805ec0a1b2c4.cfg", src="127.0.0.3").ok
    assert server.proc.poll() is None and server.proc.pid == pid


def test_with_the_database_unreachable_tftp_serves_from_the_render_store(world):
    dead = "postgresql+psycopg://postgres@127.0.0.1:1/gone"
    with TftpProcess(world["tmp"] / "instance", dead) as server:
        server.start(probe="805ec0a1b2c4.cfg")
        got = rrq(server.port, "000413A1B2C3.xml", src=ON).data
        assert got == https_file(world["app"], world["secret"], "000413A1B2C3.xml", ON,
                                 phone_ua("snom", "000413a1b2c3"))
        assert server.stop() == 0  # SIGTERM: a clean stop, even with fetches not recordable
