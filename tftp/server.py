"""The TFTP event loop: tftpy's protocol (packets, options, transfer states) under a loop of ours.

tftpy's own ``TftpServer.listen`` creates a session for every datagram on the main port before
anything can look at it, and uses ``select()``, which dies past 1,024 descriptors
(security-reliability.md A3/T5). So this loop receives the request itself and decides first:

* only RRQ: a WRQ is answered "access violation" at once (no context, no file, no directory);
* the name passes ``names.check_name`` or is refused ("access violation") with a log line;
* open transfers are capped in total and per client address: above a cap the client gets an
  error packet at once and no session, so a flood cannot exhaust descriptors or memory;
* then a tftpy ``TftpContextServer`` runs the transfer (blksize RFC 2348 and tsize RFC 2349 as
  tftpy negotiates them; tftpy drops windowsize RFC 7440, it has no implementation of it).

It waits with ``selectors`` (epoll on Linux: no descriptor limit), builds contexts with
``flock=False`` (tftpy's server never passes its flock flag on, and flock on a dynamic file is
tftpy issue #155, the crash at the end of every transfer), drops datagrams from anyone but the
session's peer (tftpy's ``cycle`` only logs them), ends sessions of vanished peers after
``timeout`` x ``retries``, and ``stop()`` works from any thread (a signal handler included).

Every line this module logs about a refusal reads ``tftp refused <why> from <address>``,
one line per refusal, for fail2ban.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from typing import IO, Any

from tftpy.TftpContexts import TftpContextServer
from tftpy.TftpPacketFactory import TftpPacketFactory
from tftpy.TftpPacketTypes import TftpPacketRRQ, TftpPacketWRQ
from tftpy.TftpShared import MAX_BLKSIZE, TftpException, TftpTimeout, TftpTimeoutExpectACK

from tftp.names import UnsafeName, check_name

log = logging.getLogger(__name__)

ERR_UNDEFINED, ERR_NOT_FOUND, ERR_ACCESS, ERR_ILLEGAL = 0, 1, 2, 4
MODES = ("octet", "netascii")
# Requests read from the main socket per wake-up, so that running transfers are not starved.
BURST = 256

# dyn_file_func: (name, client address, client port) -> a readable, seekable file or None.
Resolver = Callable[[str, str, int], IO[bytes] | None]


class Unavailable(Exception):
    """Raised by a resolver when it knows the file but cannot give it whole now: the client
    gets an error that is not "file not found", and tries again later."""


def error_packet(code: int, message: str) -> bytes:
    return struct.pack("!HH", 5, code) + message.encode("ascii", "replace")[:100] + b"\x00"


def refuse_upload(_path: str, _context: Any) -> None:
    """tftpy's upload hook: None means "access violation" (never reached: WRQ stops earlier)."""
    return None


class Server:
    """One listening socket and its transfers; ``serve_forever`` in one thread, ``stop`` from
    any."""

    def __init__(self, resolve: Resolver, *, host: str = "127.0.0.1", port: int = 6969,
                 timeout: float = 2.0, retries: int = 3, max_sessions: int = 800,
                 max_sessions_per_addr: int = 20,
                 on_done: Callable[[Any, bool], None] | None = None) -> None:
        self.resolve = resolve
        self.host, self.port = host, port
        self.timeout, self.retries = timeout, retries
        self.max_sessions, self.max_per_addr = max_sessions, max_sessions_per_addr
        self.on_done = on_done
        self.sessions: dict[tuple[str, int], TftpContextServer] = {}
        self.per_addr: Counter[str] = Counter()
        self.factory = TftpPacketFactory()
        # tftpy looks for a real file under its root before asking dyn_file_func: give it an
        # empty directory of its own, so nothing on disk can ever shadow or leak.
        self._root = tempfile.TemporaryDirectory(prefix="tftp-root-")
        os.chmod(self._root.name, 0o500)
        self.sock: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = False

    # ---- life cycle ------------------------------------------------------------------------

    def bind(self) -> tuple[str, int]:
        """Open the listening socket (port 0: any free port); returns the address."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # A boot storm arrives at once: room for a burst of requests (the kernel caps it at
        # net.core.rmem_max); what does not fit is dropped, and phones retry.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((self.host, self.port))
        sock.setblocking(False)
        self.sock = sock
        self.port = sock.getsockname()[1]
        return self.host, self.port

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def serve_forever(self) -> None:
        if self.sock is None:
            self.bind()
        assert self.sock is not None
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.sock, selectors.EVENT_READ, "listen")
        self.selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        log.info("tftp listening on %s:%d", self.host, self.port)
        next_check = time.monotonic()
        try:
            while not self._stopping:
                for key, _ in self.selector.select(timeout=min(0.5, self.timeout / 2)):
                    if key.data == "listen":
                        self._accept_burst()
                    elif key.data == "wake":
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(64)
                    else:
                        self._cycle(key.data)
                if time.monotonic() >= next_check:
                    self._check_timeouts()
                    next_check = time.monotonic() + 0.2
        finally:
            for peer in list(self.sessions):
                self._finish(peer, ok=False)
            self.selector.close()
            self.sock.close()
            self._wake_r.close()
            self._wake_w.close()
            self._root.cleanup()
            log.info("tftp stopped")

    # ---- requests on the main port ---------------------------------------------------------

    def _accept_burst(self) -> None:
        assert self.sock is not None
        for _ in range(BURST):
            try:
                buffer, peer = self.sock.recvfrom(MAX_BLKSIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. ICMP port unreachable reported on a later recv
                log.debug("tftp main socket: %s", exc)
                continue
            try:
                self._request(buffer, peer)
            except Exception:  # one bad request must never end the server
                log.exception("tftp request from %s failed", peer[0])

    def _send(self, peer: tuple[str, int], packet: bytes) -> None:
        assert self.sock is not None
        with contextlib.suppress(OSError):
            self.sock.sendto(packet, peer)

    def _refuse(self, peer: tuple[str, int], code: int, message: str, why: str,
                name: str = "") -> None:
        log.warning("tftp refused %s from %s port %d: %r", why, peer[0], peer[1], name[:160])
        self._send(peer, error_packet(code, message))

    def _request(self, buffer: bytes, peer: tuple[str, int]) -> None:
        if peer in self.sessions:
            return  # a retransmitted request of a running transfer: it is being answered
        try:
            packet = self.factory.parse(buffer)
        except Exception:  # malformed: tftpy raises TftpException, struct and Unicode errors
            self._refuse(peer, ERR_ILLEGAL, "Malformed request", "malformed request",
                         buffer[:64].decode("latin-1"))
            return
        if isinstance(packet, TftpPacketWRQ):
            self._refuse(peer, ERR_ACCESS, "Read-only server", "write request", packet.filename)
            return
        if not isinstance(packet, TftpPacketRRQ):
            return  # stray ACK/DATA/ERROR on the main port: nothing to answer
        if packet.mode not in MODES:
            self._refuse(peer, ERR_ILLEGAL, "Unsupported mode", "unsupported mode",
                         packet.mode)
            return
        try:
            check_name(packet.filename)
        except UnsafeName as exc:
            self._refuse(peer, ERR_ACCESS, "Access violation", f"unsafe name ({exc})",
                         packet.filename)
            return
        if len(self.sessions) >= self.max_sessions:
            self._refuse(peer, ERR_UNDEFINED, "Server busy, retry later", "busy server",
                         packet.filename)
            return
        if self.per_addr[peer[0]] >= self.max_per_addr:
            self._refuse(peer, ERR_UNDEFINED, "Too many transfers from your address",
                         "session cap", packet.filename)
            return
        self._start(buffer, peer)

    def _start(self, buffer: bytes, peer: tuple[str, int]) -> None:
        context = TftpContextServer(peer[0], peer[1], self.timeout, self._root.name,
                                    self._dyn_file, refuse_upload, retries=self.retries,
                                    flock=False)
        if self.host not in ("", "0.0.0.0"):  # noqa: S104 - comparing, not binding
            # Answer from the address the request came to, not whatever the route picks.
            context.sock.bind((self.host, 0))
        try:
            context.start(buffer)
        except TftpTimeoutExpectACK:
            context.timeout_expectACK = True
        except TftpException as exc:
            log.info("tftp %s from %s: %s", context.file_to_transfer, peer[0], exc)
            self._end(context, ok=False)
            return
        except Unavailable:
            self._send(peer, error_packet(ERR_UNDEFINED, "Temporarily unavailable, retry"))
            self._end(context, ok=False)
            return
        except Exception:
            log.exception("tftp %s from %s failed", context.file_to_transfer, peer[0])
            self._send(peer, error_packet(ERR_UNDEFINED, "Server error"))
            self._end(context, ok=False)
            return
        if context.state is None:
            self._end(context, ok=True)
            return
        context.sock.setblocking(False)
        self.sessions[peer] = context
        self.per_addr[peer[0]] += 1
        self.selector.register(context.sock, selectors.EVENT_READ, peer)

    def _dyn_file(self, name: str, raddress: str, rport: int) -> IO[bytes] | None:
        found = self.resolve(name, raddress, rport)
        if found is None:
            log.info("tftp not found %r from %s", name[:160], raddress)
        return found

    # ---- running transfers -----------------------------------------------------------------

    def _cycle(self, peer: tuple[str, int]) -> None:
        context = self.sessions.get(peer)
        if context is None:
            return
        try:
            buffer, source = context.sock.recvfrom(MAX_BLKSIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # the peer's port is gone (ICMP unreachable): the transfer is over
            self._finish(peer, ok=False)
            return
        if source != peer:
            # RFC 1350: a packet from another transfer ID is answered and otherwise ignored.
            with contextlib.suppress(OSError):
                context.sock.sendto(error_packet(5, "Unknown transfer ID"), source)
            return
        context.last_update = time.time()
        context.timeout_expectACK = False
        try:
            context.state = context.state.handle(context.factory.parse(buffer), *source)
            context.retry_count = 0
        except TftpTimeoutExpectACK:
            context.timeout_expectACK = True
            return
        except TftpException as exc:
            log.info("tftp transfer to %s ended: %s", peer[0], exc)
            self._finish(peer, ok=False)
            return
        except Exception:
            log.exception("tftp transfer to %s failed", peer[0])
            self._finish(peer, ok=False)
            return
        if context.state is None:
            self._finish(peer, ok=True)

    def _check_timeouts(self) -> None:
        now = time.time()
        for peer, context in list(self.sessions.items()):
            try:
                context.checkTimeout(now)
            except TftpTimeout:
                context.retry_count += 1
                if context.retry_count >= context.retries:
                    log.info("tftp transfer to %s timed out", peer[0])
                    self._finish(peer, ok=False)
                else:
                    context.last_update = now
                    with contextlib.suppress(OSError):
                        context.state.resendLast()

    def _finish(self, peer: tuple[str, int], ok: bool) -> None:
        context = self.sessions.pop(peer, None)
        if context is None:
            return
        self.per_addr[peer[0]] -= 1
        if self.per_addr[peer[0]] <= 0:
            del self.per_addr[peer[0]]
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(context.sock)
        self._end(context, ok)

    def _end(self, context: TftpContextServer, ok: bool) -> None:
        served = context.fileobj
        with contextlib.suppress(Exception):
            context.end()
        if self.on_done is not None and served is not None:
            try:
                self.on_done(served, ok)
            except Exception:
                log.exception("tftp: recording a transfer failed")
