"""A phone asking multicast PnP as snom and Yealink firmware do, from inside a namespace."""

from __future__ import annotations

import re
import secrets
import select
import socket
import time
from dataclasses import dataclass, field

from tests.integration.netlab import inside

GROUP = "224.0.1.75"


def snom_subscribe(mac: str, addr: str, port: int = 5060, model: str = "snomD785") -> bytes:
    upper = mac.upper()
    call = secrets.token_hex(6)
    return (
        f"SUBSCRIBE sip:MAC%3a{upper}@pnp.example SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {addr}:{port};branch=z9hG4bK{call};rport\r\n"
        f"From: <sip:MAC%3a{upper}@pnp.example>;tag={call[:6]}\r\n"
        f"To: <sip:MAC%3a{upper}@pnp.example>\r\n"
        f"Call-ID: {call}@{addr}\r\n"
        "CSeq: 1 SUBSCRIBE\r\n"
        f"Contact: <sip:{addr}:{port}>\r\n"
        f'Event: ua-profile;profile-type="device";vendor="snom";model="{model}";'
        'version="10.1.33.33"\r\n'
        "Expires: 0\r\nAccept: application/url\r\nMax-Forwards: 70\r\n"
        f"User-Agent: {model}/10.1.33.33\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def yealink_subscribe(mac: str, addr: str, port: int = 5060,
                      model: str = "SIP-T54W") -> bytes:
    call = secrets.token_hex(6)
    return (
        f"SUBSCRIBE sip:MAC{mac.lower()}@{GROUP} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {addr}:{port};branch=z9hG4bK{call}\r\n"
        f"From: <sip:MAC{mac.lower()}@{GROUP}>;tag={call[:6]}\r\n"
        f"To: <sip:MAC{mac.lower()}@{GROUP}>\r\n"
        f"Call-ID: {call}@{addr}\r\n"
        "CSeq: 1 SUBSCRIBE\r\n"
        f"Contact: <sip:MAC{mac.lower()}@{addr}:{port}>\r\n"
        f'Event: ua-profile;profile-type="device";vendor="Yealink";model="{model}";'
        'version="96.86.0.70"\r\n'
        "Expires: 0\r\nAccept: application/url\r\nContent-Length: 0\r\n\r\n"
    ).encode()


@dataclass
class Exchange:
    responses: list[tuple[str, bytes]] = field(default_factory=list)  # (from address, data)
    notifies: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return any(data.startswith(b"SIP/2.0 200 ") for _, data in self.responses)

    @property
    def url(self) -> str | None:
        if not self.notifies:
            return None
        return self.notifies[0][1].split(b"\r\n\r\n", 1)[1].decode()

    def header(self, name: str) -> str | None:
        if not self.notifies:
            return None
        found = re.search(rf"^{name}:\s*(.*?)\r$", self.notifies[0][1].decode(), re.M | re.I)
        return found.group(1) if found else None


class Phone:
    """A UDP socket on ``addr``:5060 in namespace ``ns``."""

    def __init__(self, ns: str, addr: str, port: int = 5060, group_port: int = 5060) -> None:
        self.addr, self.port, self.group_port = addr, port, group_port
        with inside(ns):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((addr, port))
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                                 socket.inet_aton(addr))
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)

    def close(self) -> None:
        self.sock.close()

    def send(self, payload: bytes) -> None:
        self.sock.sendto(payload, (GROUP, self.group_port))

    def ask(self, payload: bytes, wait: float = 2.0, settle: float = 0.0) -> Exchange:
        """Send one SUBSCRIBE; collect answers until a NOTIFY came (plus ``settle`` seconds, to
        see whether anyone else answers too) or ``wait`` passed. Each NOTIFY is answered 200."""
        self.drain()
        self.send(payload)
        return self.collect(wait, settle)

    def collect(self, wait: float, settle: float = 0.0) -> Exchange:
        seen = Exchange()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            data, source = self.sock.recvfrom(65535)
            if data.startswith(b"NOTIFY "):
                seen.notifies.append((source[0], data))
                self.sock.sendto(_ok_to(data), source)
                deadline = min(deadline, time.monotonic() + settle)
            elif data.startswith(b"SIP/2.0 "):
                seen.responses.append((source[0], data))
        return seen

    def drain(self) -> None:
        while select.select([self.sock], [], [], 0)[0]:
            self.sock.recvfrom(65535)


def _ok_to(notify: bytes) -> bytes:
    head = notify.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")[1:]
    keep = [line for line in head
            if line.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    return ("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n").encode()
