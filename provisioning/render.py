"""The one renderer: plain data in, bytes out. HTTPS and TFTP both call ``render_file``.

No Flask, no database, no sockets. The caller (an HTTP route, the TFTP server) builds a
``DeviceConfig`` from its own data and asks for a file name the phone requested; the vendor named in
the config decides what that file is (see provisioning/vendors/). Same inputs, same bytes.

Escaping is by construction, not by template discipline: every ``{{ value }}`` passes through a
finalizer that folds line breaks and control characters into spaces (a .cfg value can never begin a
new key, an XML document never receives a character XML 1.0 forbids), and XML templates are
autoescaped on top of that.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from provisioning.common.mac import normalize_mac
from provisioning.vendors.base import CA_CERTIFICATE_FILENAME, FileRequest, FileSpec, NotServed
from provisioning.vendors.registry import registry

__all__ = [
    "CA_CERTIFICATE_FILENAME",
    "DeviceConfig",
    "Key",
    "Line",
    "NotServed",
    "describe_file",
    "render_file",
    "single_line",
]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "devices"
TRANSPORTS = ("udp", "tcp", "tls")
KEY_KINDS = ("blf", "speed_dial", "line")


@dataclass(frozen=True)
class Line:
    """One SIP account on the phone (line 1 is the first)."""

    user: str
    auth_user: str
    password: str
    domain: str
    registrar_host: str
    registrar_port: int = 5060
    transport: str = "udp"
    display_name: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}")
        if not 0 < int(self.registrar_port) < 65536:
            raise ValueError("registrar_port out of range")


@dataclass(frozen=True)
class Key:
    """A programmable key. ``position`` counts from 1; ``line`` is the account it acts for."""

    position: int
    kind: str
    target: str = ""
    label: str = ""
    line: int = 1
    pickup_code: str | None = None  # only where the bundled SIP core routes one

    def __post_init__(self) -> None:
        if self.kind not in KEY_KINDS:
            raise ValueError(f"kind must be one of {KEY_KINDS}")
        if self.position < 1 or self.line < 1:
            raise ValueError("position and line count from 1")


@dataclass(frozen=True)
class DeviceConfig:
    """Everything a phone may be told. ``lines=()`` is the credential-free variant.

    ``year`` fixes which year's daylight-saving dates are written, so a golden file does not change
    with the calendar; callers pass the current year.
    """

    vendor: str
    model: str | None
    mac: str | None
    provisioning_url: str
    year: int
    lines: tuple[Line, ...] = ()
    keys: tuple[Key, ...] = ()
    language: str = "en"
    timezone: str = "UTC"
    ntp_server: str | None = None
    phonebook_url: str | None = None
    firmware_url: str | None = None
    ca_certificate_pem: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "keys", tuple(sorted(self.keys, key=lambda k: k.position)))
        if self.mac is not None:
            object.__setattr__(self, "mac", normalize_mac(self.mac))
        if not self.provisioning_url.endswith("/"):
            raise ValueError("provisioning_url must end with '/'")
        if len({k.position for k in self.keys}) != len(self.keys):
            raise ValueError("two keys share a position")

    def without_credentials(self) -> DeviceConfig:
        return replace(self, lines=(), keys=())


# Line breaks (incl. U+0085, U+2028, U+2029), other C0/C1 controls, surrogates and the two
# non-characters XML 1.0 forbids. Tab is folded too: a value is one line of plain text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def single_line(value: object) -> str:
    """Any value as one line of text safe in a .cfg value and in XML; nothing is rejected."""
    if value is None:
        raise TypeError("None reached a template; guard it with {% if %}")
    text = unicodedata.normalize("NFC", str(value))
    return _UNSAFE.sub(" ", text)


def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=autoescape,  # noqa: S701 - on for XML; a .cfg is not markup (single_line guards)
        undefined=StrictUndefined,
        finalize=single_line,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _environments() -> dict[str, Environment]:
    """Built once per process: one environment per output syntax, same loader."""
    return {"xml": _environment(True), "cfg": _environment(False)}


def describe_file(vendor: str, filename: str) -> tuple[FileRequest, FileSpec] | None:
    """Which file of ``vendor`` a name is, and how it is served; None if not this vendor's."""
    impl = registry().get(vendor)
    request = impl.parse_path(filename)
    if request is None:
        return None
    return request, impl.files[request.kind]


def render_file(config: DeviceConfig, filename: str) -> bytes:
    """The bytes of ``filename`` for the phone described by ``config``.

    Raises NotServed when the name is recognised but has no content (404 for HTTP, a TFTP error
    packet), LookupError when the name is not one of the vendor's files, ValueError when the name
    carries a MAC or model other than the config's (a routing bug upstream).
    """
    if filename == CA_CERTIFICATE_FILENAME:
        if not config.ca_certificate_pem:
            raise NotServed(filename)
        return config.ca_certificate_pem.encode("ascii")
    described = describe_file(config.vendor, filename)
    if described is None:
        raise LookupError(f"{filename!r} is not a {config.vendor} file")
    request, spec = described
    if request.mac is not None and request.mac != config.mac:
        raise ValueError("file name is for another device")
    if request.model is not None and config.model and request.model.lower() != config.model.lower():
        raise ValueError("file name is for another model")
    if spec.template is None:
        raise NotServed(filename)
    if not spec.carries_credentials:
        config = config.without_credentials()
    context = registry().get(config.vendor).context(config, request)
    syntax = "cfg" if spec.template.endswith(".cfg.j2") else "xml"
    template = _environments()[syntax].get_template(spec.template)
    return template.render(context).encode("utf-8")
