"""The few SIP messages of multicast PnP, parsed and built as plain data (no sockets).

A phone sends ``SUBSCRIBE`` with ``Event: ua-profile`` to 224.0.1.75:5060 and its MAC in the
request URI, in its vendor's notation (vendor-formats.md section 4):

* snom: ``sip:MAC%3a000413A1B2C3@<domain>`` (URL-encoded colon, upper case);
* Yealink: ``sip:MAC805ec0a1b2c4@224.0.1.75`` (no separator, lower case).

The answer is a ``200 OK`` (Via/From/To/Call-ID/CSeq copied, a To-tag added, ``Expires: 0``)
and then a unicast ``NOTIFY`` whose body is the provisioning URL. Everything the phone sent is
untrusted: sizes are bounded, and only what is echoed back to the phone itself is copied.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from provisioning.common.mac import InvalidMac, normalize_mac

MAX_PACKET = 8192
MAX_HEADERS = 60
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "o": "event",
           "l": "content-length", "c": "content-type"}
_REQUEST_LINE = re.compile(r"^([A-Z]+) (\S+) SIP/2\.0$")
_URI_MAC = re.compile(r"^sips?:MAC(?:%3a|:)?([0-9a-f]{12})@", re.I)
_PARAM = re.compile(r';\s*([a-z-]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))', re.I)
_HOSTPORT = re.compile(r"^sips?:(?:[^@;>]*@)?\[?([0-9a-fA-F.:]+?)\]?(?::(\d+))?(?:[;>?]|$)")


class NotPnp(ValueError):
    """Not a PnP SUBSCRIBE this responder answers (or not SIP at all)."""


@dataclass(frozen=True)
class Subscribe:
    uri: str
    mac: str
    vendor: str | None  # as the phone said, lower case ("snom", "yealink", "oem")
    model: str | None  # the vendor's model name as our registry spells it ("D785", "T54W")
    firmware: str | None
    user_agent: str | None
    headers: tuple[tuple[str, str], ...]  # (lower-case name, value), in order

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    def first(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None


def _headers(lines: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in lines:
        if not line:
            break
        if line[0] in " \t" and out:  # a folded continuation line
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise NotPnp("malformed header")
        key = name.strip().lower()
        out.append((COMPACT.get(key, key), value.strip()))
        if len(out) > MAX_HEADERS:
            raise NotPnp("too many headers")
    return out


def event_params(event: str) -> tuple[str, dict[str, str]]:
    package, _, _rest = event.partition(";")
    params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
              for m in _PARAM.finditer(event)}
    return package.strip().lower(), params


def _model(vendor: str | None, raw: str | None) -> str | None:
    """The model as our vendor modules name it: snom says "snomD785", Yealink "SIP-T54W"."""
    if not raw or vendor not in ("snom", "yealink"):
        return None
    model = raw.strip()
    if vendor == "snom" and model.lower().startswith("snom"):
        model = model[4:]
    if vendor == "yealink":
        model = re.sub(r"^(SIP-?|SIP_)", "", model, flags=re.I)
    model = model.upper()
    return model if re.fullmatch(r"[A-Z0-9-]{1,32}", model) else None


def parse_subscribe(data: bytes) -> Subscribe:
    """A PnP SUBSCRIBE, or NotPnp."""
    if len(data) > MAX_PACKET:
        raise NotPnp("too large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotPnp("not UTF-8") from exc
    lines = text.replace("\r\n", "\n").split("\n")
    match = _REQUEST_LINE.match(lines[0].strip())
    if match is None or match.group(1) != "SUBSCRIBE":
        raise NotPnp("not a SUBSCRIBE")
    uri = match.group(2)
    headers = _headers(lines[1:])
    found = _URI_MAC.match(uri)
    if found is None:
        raise NotPnp("no MAC in the request URI")
    try:
        mac = normalize_mac(found.group(1))
    except InvalidMac as exc:
        raise NotPnp(str(exc)) from exc
    events = [value for key, value in headers if key == "event"]
    if not events:
        raise NotPnp("no Event header")
    package, params = event_params(events[0])
    if package != "ua-profile" or params.get("profile-type", "device").lower() != "device":
        raise NotPnp("not a ua-profile device subscription")
    for required in ("via", "from", "to", "call-id", "cseq"):
        if not any(key == required for key, _ in headers):
            raise NotPnp(f"no {required} header")
    vendor = (params.get("vendor") or "").strip().lower()[:32] or None
    user_agent = next((v for k, v in headers if k == "user-agent"), None)
    return Subscribe(uri=uri, mac=mac, vendor=vendor, model=_model(vendor, params.get("model")),
                     firmware=(params.get("version") or "")[:64] or None,
                     user_agent=user_agent[:300] if user_agent else None,
                     headers=tuple(headers))


def new_tag() -> str:
    return secrets.token_hex(6)


def _with_tag(value: str, tag: str) -> str:
    return value if re.search(r";\s*tag=", value, re.I) else f"{value};tag={tag}"


def _top_via(via: str, source: tuple[str, int]) -> str:
    """RFC 3581: say where the request really came from (and from which port, when asked)."""
    value = via
    if re.search(r";\s*rport(?=[;,\s]|$)", value):
        value = re.sub(r";\s*rport(?=[;,\s]|$)", f";rport={source[1]}", value, count=1)
    if not re.search(r";\s*received=", value, re.I):
        value += f";received={source[0]}"
    return value


def ok_response(request: Subscribe, source: tuple[str, int], tag: str) -> bytes:
    vias = request.values("via")
    lines = ["SIP/2.0 200 OK"]
    lines += [f"Via: {_top_via(v, source) if n == 0 else v}" for n, v in enumerate(vias)]
    lines += [
        f"From: {request.first('from')}",
        f"To: {_with_tag(request.first('to') or '', tag)}",
        f"Call-ID: {request.first('call-id')}",
        f"CSeq: {request.first('cseq')}",
        "Expires: 0",
        "Content-Length: 0",
        "", "",
    ]
    return "\r\n".join(lines).encode()


def contact_target(request: Subscribe, source: tuple[str, int]) -> tuple[str, int]:
    """Where the NOTIFY goes: the phone's Contact port, but always the address the request came
    from (a forged Contact must not turn the responder into a reflector towards a third host)."""
    contact = (request.first("contact") or "").strip()
    contact = contact[contact.find("<") + 1:] if "<" in contact else contact
    found = _HOSTPORT.match(contact)
    if found and found.group(1) == source[0] and found.group(2):
        port = int(found.group(2))
        if 0 < port < 65536:
            return source[0], port
    return source


def notify_request(request: Subscribe, source: tuple[str, int], local: tuple[str, int],
                   tag: str, branch: str, url: str) -> bytes:
    """The NOTIFY in the subscription's dialog: our From is the SUBSCRIBE's To (with our tag),
    our To its From; the body is the provisioning URL."""
    target = contact_target(request, source)
    body = url.encode()
    lines = [
        f"NOTIFY sip:{target[0]}:{target[1]} SIP/2.0",
        f"Via: SIP/2.0/UDP {local[0]}:{local[1]};branch=z9hG4bK{branch};rport",
        "Max-Forwards: 70",
        f"From: {_with_tag(request.first('to') or '', tag)}",
        f"To: {request.first('from')}",
        f"Call-ID: {request.first('call-id')}",
        "CSeq: 1 NOTIFY",
        f"Contact: <sip:{local[0]}:{local[1]}>",
        f"Event: {request.first('event')}",
        "Subscription-State: terminated;reason=timeout",
        "Content-Type: application/url",
        f"Content-Length: {len(body)}",
        "", "",
    ]
    return "\r\n".join(lines).encode() + body


_STATUS = re.compile(r"^SIP/2\.0 (\d{3}) ")
_BRANCH = re.compile(r";\s*branch=z9hG4bK([0-9a-zA-Z]+)")


def response_branch(data: bytes) -> tuple[int, str] | None:
    """(status, our branch) of a response to one of our NOTIFYs, else None."""
    try:
        text = data[:MAX_PACKET].decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - anything odd is simply not our response
        return None
    first, _, rest = text.partition("\n")
    status = _STATUS.match(first.strip() + " ")
    if status is None:
        return None
    for line in rest.replace("\r\n", "\n").split("\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() in ("via", "v"):
            branch = _BRANCH.search(value)
            return (int(status.group(1)), branch.group(1)) if branch else None
    return None
