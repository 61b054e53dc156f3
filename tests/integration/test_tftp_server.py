"""The TFTP loop over real UDP on loopback, with a stand-in resolver: names, WRQ, options, caps,
many clients, vanished clients, stopping. (The real files: test_tftp_service.py.)"""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
import time

import pytest

from tests.integration.tftp_clients import (
    OP_WRQ,
    atftp_get,
    hpa_get,
    many,
    request_packet,
    rrq,
    serving,
    tftpy_get,
)
from tftp.server import Server

pytestmark = pytest.mark.slow

SMALL = bytes(range(256)) * 7 + b"end"  # 1,795 bytes: four 512-byte blocks
BIG = os.urandom(200_000)


class Files:
    """Serves two names; remembers every name it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, name: str, addr: str, port: int):
        with self.lock:
            self.asked.append(name)
        if name == "snomD785.htm":
            return io.BytesIO(SMALL)  # a BytesIO: tftpy 0.8.7 issue #155 must not bite
        if name == "big.cfg":
            return io.BytesIO(BIG)
        return None


def make(files: Files | None = None, **kw) -> Server:
    kw.setdefault("timeout", 1.0)
    kw.setdefault("retries", 2)
    return Server(files or Files(), host="127.0.0.1", port=0, **kw)


def test_a_file_arrives_whole_with_every_client(tmp_path):
    with serving(make()) as server:
        assert rrq(server.port, "snomD785.htm").data == SMALL
        assert tftpy_get(server.port, "snomD785.htm", tmp_path / "a") == SMALL
        done = hpa_get(server.port, "snomD785.htm", tmp_path / "b")
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "b").read_bytes() == SMALL
        done = atftp_get(server.port, "snomD785.htm", tmp_path / "c")
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "c").read_bytes() == SMALL


def test_many_dynamic_transfers_in_a_row_do_not_end_the_server():
    # tftpy 0.8.7 died at the end of the first transfer of a BytesIO (its issue #155).
    with serving(make()) as server:
        for _ in range(30):
            assert rrq(server.port, "snomD785.htm").data == SMALL
        deadline = time.monotonic() + 2  # the last ACK is the server's to read
        while server.sessions and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not server.sessions


def test_blocksize_and_transfer_size_are_negotiated(tmp_path):
    with serving(make()) as server:
        got = rrq(server.port, "big.cfg", options={"blksize": 1428, "tsize": 0})
        assert got.data == BIG
        assert got.options == {"blksize": "1428", "tsize": str(len(BIG))}
        # windowsize (RFC 7440) is not implemented by tftpy: it is left out of the answer
        got = rrq(server.port, "big.cfg", options={"blksize": 8192, "windowsize": 8})
        assert got.data == BIG and "windowsize" not in got.options
        assert tftpy_get(server.port, "big.cfg", tmp_path / "t", options={"blksize": 1024}) == BIG
        done = atftp_get(server.port, "big.cfg", tmp_path / "a", blksize=1468)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "a").read_bytes() == BIG


HOSTILE = [
    "../canary", "../../tftp-private/canary", "/etc/passwd", "//etc/passwd",
    "..\\..\\tftp-private\\canary", "firmware/../tftp-private/canary", "firmware/../../etc/passwd",
    "sub/snomD785.htm", "./snomD785.htm", ".hidden", "snomD785.htm/..", "%2e%2e/canary",
    "..%2fcanary", "a" * 129, "snom\x01D785.htm", "snomD785.htm\x7f",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_unsafe_names_are_refused_before_any_lookup(name, tmp_path, caplog):
    private = tmp_path / "tftp-private"
    private.mkdir()
    (private / "canary").write_bytes(b"CANARY")
    files = Files()
    with caplog.at_level(logging.WARNING, logger="tftp.server"), serving(make(files)) as server:
        for candidate in (name, str(private / "canary") if name == "/etc/passwd" else name):
            got = rrq(server.port, candidate, src="127.0.0.9")
            assert got.error == 2 and got.data is None
    assert files.asked == []
    assert "tftp refused unsafe name" in caplog.text and "from 127.0.0.9" in caplog.text
    assert (private / "canary").read_bytes() == b"CANARY"


def test_a_nul_inside_the_name_is_no_way_around_the_checks(caplog):
    files = Files()
    with caplog.at_level(logging.WARNING, logger="tftp.server"), serving(make(files)) as server:
        for packet in (b"\x00\x01snomD785.htm\x00../../etc/passwd\x00octet\x00",
                       b"\x00\x01../x\x00\x00octet\x00",
                       b"\x00\x01snomD785.htm\x00octet\x00../../etc/passwd\x00"):
            assert rrq(server.port, "", packet=packet).error in (2, 4)
    assert files.asked == []
    assert caplog.text.count("tftp refused") == 3


def test_write_requests_are_refused_and_create_nothing(tmp_path, caplog):
    files = Files()
    with caplog.at_level(logging.WARNING, logger="tftp.server"), serving(make(files)) as server:
        root = server._root.name
        for name in ("snomD785.htm", "new/dir/file.cfg", "../evil"):
            assert rrq(server.port, name, opcode=OP_WRQ).error == 2
        assert os.listdir(root) == []
        assert rrq(server.port, "snomD785.htm").data == SMALL  # still serving, unchanged
    assert files.asked == ["snomD785.htm"]
    assert "tftp refused write request from 127.0.0.1" in caplog.text


def test_two_hundred_concurrent_downloads_from_ten_addresses_all_complete():
    with serving(make(max_sessions=800, max_sessions_per_addr=20)) as server:
        calls = [lambda i=i: rrq(server.port, "big.cfg", src=f"127.0.0.{10 + i % 10}",
                                 options={"blksize": 1428}, deadline=60)
                 for i in range(200)]
        started = time.monotonic()
        results = many(calls, timeout=90)
        elapsed = time.monotonic() - started
    assert [r.error for r in results if not r.ok] == []
    assert all(r.data == BIG for r in results)
    assert elapsed < 60


def _hold(port: int, src: str, count: int) -> list[socket.socket]:
    """Open transfers that never acknowledge anything (a slow or vanished phone)."""
    socks = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((src, 0))
        sock.sendto(request_packet("big.cfg"), ("127.0.0.1", port))
        socks.append(sock)
    return socks


def test_above_the_per_address_cap_that_address_is_refused_and_others_are_served(caplog):
    server = make(max_sessions_per_addr=3, timeout=5.0)
    with caplog.at_level(logging.WARNING, logger="tftp.server"), serving(server):
        held = _hold(server.port, "127.0.0.20", 3)
        try:
            deadline = time.monotonic() + 5
            while server.per_addr.get("127.0.0.20", 0) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            refused = rrq(server.port, "snomD785.htm", src="127.0.0.20", timeout=2)
            assert refused.error == 0 and "Too many" in refused.message
            assert rrq(server.port, "snomD785.htm", src="127.0.0.21").data == SMALL
        finally:
            for sock in held:
                sock.close()
    assert "tftp refused session cap from 127.0.0.20" in caplog.text


def test_a_vanished_client_does_not_keep_its_session():
    server = make(timeout=0.3, retries=2)
    with serving(server):
        held = _hold(server.port, "127.0.0.30", 5)
        try:
            deadline = time.monotonic() + 1
            while len(server.sessions) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(server.sessions) == 5
            deadline = time.monotonic() + 5
            while server.sessions and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.sessions == {} and not server.per_addr
        finally:
            for sock in held:
                sock.close()


def test_the_total_cap_answers_busy_at_once_and_the_server_recovers():
    server = make(max_sessions=10, max_sessions_per_addr=10, timeout=0.5, retries=1)
    with serving(server):
        held = _hold(server.port, "127.0.0.40", 10)
        try:
            deadline = time.monotonic() + 2
            while len(server.sessions) < 10 and time.monotonic() < deadline:
                time.sleep(0.02)
            busy = rrq(server.port, "snomD785.htm", src="127.0.0.41", timeout=2)
            assert busy.error == 0 and "busy" in busy.message
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + 5
        while server.sessions and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rrq(server.port, "snomD785.htm", src="127.0.0.41").data == SMALL


def test_stop_from_another_thread_ends_the_loop_promptly():
    server = make(timeout=5.0)
    with serving(server):
        held = _hold(server.port, "127.0.0.50", 2)
        started = time.monotonic()
    assert time.monotonic() - started < 3
    for sock in held:
        sock.close()
