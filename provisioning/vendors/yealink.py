"""Yealink desk phones (T3x/T4x/T5x, CP, W DECT): everything the service knows.

Files a Yealink phone (V81+) asks for (YL-BOOT, YL-MAC), and what each returns here:

``<mac>.boot``          recognised (it names the MAC) but NotServed: the phone then falls back to
``y000000000000.boot``  recognised, NotServed   /  the legacy pair below (YL-BOOT).
``y0000000000XX.cfg``   common file: server URL, locale, time zone, NTP, our CA. No account.
``<mac>.cfg``           device file: the common settings plus SIP accounts and line keys. The only
                        file that carries credentials.

Boot files are not served because their ``include:config`` syntax and ``overwrite_mode`` (which
resets every omitted key to factory default) could not be tried on a device; the legacy pair is
enough and verified.

Source keys (see /work/shared/reference/vendor-formats.md §0): YL-BOOT, YL-MAC, YL-CERT,
YL-NOTIFY, W-YL (wazo-provd-plugins plugins/wazo_yealink/v87/{common.py,templates/base.tpl}),
W-YL-T (v87/tests/test_common.py), W-YL-HIST (common-file ids).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from provisioning.common.mac import InvalidMac, normalize_mac
from provisioning.timezones import ZoneRules, zone_rules
from provisioning.vendors.base import (
    CA_CERTIFICATE_FILENAME,
    FileRequest,
    FileSpec,
    Identity,
    ModelInfo,
    PhonebookEntry,
    PhonebookFormat,
    Vendor,
    xml_text_escaper,
)

_CFG = "text/plain; charset=utf-8"
_XML = "application/xml; charset=utf-8"

FILES = MappingProxyType({
    "device_boot": FileSpec(None, _CFG, False, "<mac>.boot: not served, legacy pair instead"),
    "common_boot": FileSpec(None, _CFG, False, "y000000000000.boot: not served"),
    "common": FileSpec("yealink/common.cfg.j2", _CFG, False,
                       "y0000000000XX.cfg: credential-free settings and our CA"),
    "device": FileSpec("yealink/device.cfg.j2", _CFG, True,
                       "<mac>.cfg: settings with SIP accounts and line keys"),
    # Rendered by phonebook_sync, not from a DeviceConfig (so no template and no credentials
    # here); phones.routes serves it under the credentials rule all the same.
    "phonebook": FileSpec(None, _XML, False,
                          "<mac>-phonebook.xml: YealinkIPPhoneDirectory (remote phonebook 1)"),
})
# The flat remote phonebook (vendor-formats.md 3.5): several <Telephone> per entry.
PHONEBOOK = PhonebookFormat("phonebook", _XML,
                            "YealinkIPPhoneDirectory via remote_phonebook.data.1.url (W-YL)")


def _m(name: str, family: str, lines: int | None, keys: int | None, cid: str | None) -> ModelInfo:
    src = "W-YL v87 common.py _NB_SIP_ACCOUNTS/_NB_LINEKEY; ids W-YL-HIST" if lines else "W-YL-HIST"
    return ModelInfo(name, family, lines, keys, cid, src)


MODELS = MappingProxyType({m.name: m for m in (
    _m("T30", "T3x", 1, 0, "124"), _m("T30P", "T3x", 1, 0, "124"), _m("T31", "T3x", 2, 2, "124"),
    _m("T31G", "T3x", 2, 2, "124"), _m("T31P", "T3x", 2, 2, "124"),
    _m("T33G", "T3x", 4, 12, "124"), _m("T33P", "T3x", 4, 12, "124"),
    _m("T41S", "T4x", 6, 15, "066"), _m("T42S", "T4x", 12, 15, "066"),
    _m("T46S", "T4x", 16, 27, "066"), _m("T48S", "T4x", 16, 29, "066"),
    _m("T41U", "T4x", 6, 15, "108"), _m("T42U", "T4x", 12, 15, "108"),
    _m("T43U", "T4x", 12, 15, "108"), _m("T44U", "T4x", 12, 24, "108"),
    _m("T46U", "T4x", 16, 27, "108"), _m("T48U", "T4x", 16, 29, "108"),
    _m("T54S", "T5x", 16, 27, "070"), _m("T53", "T5x", 12, 21, "096"),
    _m("T53W", "T5x", 12, 21, "096"), _m("T54W", "T5x", 16, 27, "096"),
    _m("T57W", "T5x", 16, 29, "096"), _m("T58W", "T5x", 16, 27, "150"),
    _m("T27G", "T2x", 6, 21, "069"),
    # Older models: common-file id only (W-YL-HIST); lines/keys not in the sources read.
    _m("T46G", "T4x", None, None, "028"), _m("T42G", "T4x", None, None, "029"),
    _m("T48G", "T4x", None, None, "035"), _m("T41P", "T4x", None, None, "036"),
    _m("T28P", "T2x", None, None, "000"), _m("T20P", "T2x", None, None, "007"),
    _m("T38G", "T3x", None, None, "038"), _m("CP860", "CP", None, None, "037"),
    _m("VP-T49G", "VP", None, None, "051"), _m("W52P", "W", None, None, "025"),
    _m("W90DM", "W", None, None, "130"),
)})

# lang.gui / lang.wui values and voice.tone.country names as W-YL's _LOCALE writes them.
LANGUAGES = MappingProxyType({"de": "German", "en": "English", "es": "Spanish", "fr": "French",
                              "it": "Italian"})
_TONE_COUNTRY_ZONES = {
    "Germany": ("Europe/Berlin", "Europe/Busingen"),
    "United States": ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
                      "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"),
    "France": ("Europe/Paris",), "Spain": ("Europe/Madrid", "Atlantic/Canary"),
    "Italy": ("Europe/Rome",),
}
TONE_COUNTRIES = MappingProxyType({z: c for c, zones in _TONE_COUNTRY_ZONES.items() for z in zones})

PHONEBOOK_NAMES = MappingProxyType({"de": "Telefonbuch", "en": "Phonebook"})  # shown on the phone
KEY_TYPES = MappingProxyType({"speed_dial": 13, "line": 15, "blf": 16})  # W-YL, PROVNET

_W = "W-YL v87 templates/base.tpl"
_OP = "Yealink firmware key table (sipAccount%d.cfg, outboundProxy1); FS PBX Yealink template"
ALLOWED_SETTINGS = MappingProxyType({
    "static.auto_provision.server.url": _W,
    "static.auto_provision.pnp_enable": f"{_W}; reference §4 (disable PnP after adoption)",
    "static.firmware.url": _W,
    "static.trusted_certificates.url": f"{_W}; YL-CERT",
    "static.security.trust_certificates": f"{_W}; YL-CERT",
    "sip.notify_reboot_enable": f"{_W}; YL-NOTIFY (0 = re-sync without reboot)",
    "sip.trust_ctrl": f"{_W}; YL-TRUST",
    "lang.gui": _W, "lang.wui": _W, "voice.tone.country": _W,
    "local_time.ntp_server1": _W,
    "local_time.time_zone": "W-YL common.py _format_tz_info",
    "local_time.summer_time": "W-YL common.py _format_tz_info",
    "local_time.dst_time_type": "W-YL common.py _format_tz_info",
    "local_time.start_time": "W-YL common.py _format_tz_info",
    "local_time.end_time": "W-YL common.py _format_tz_info",
    "local_time.offset_time": "W-YL common.py _format_tz_info",
    "remote_phonebook.data.N.url": f"{_W} (N = 1..5)",
    "remote_phonebook.data.N.name": f"{_W} (N = 1..5)",
    "account.N.enable": _W, "account.N.label": _W, "account.N.display_name": _W,
    "account.N.auth_name": _W, "account.N.user_name": _W, "account.N.password": _W,
    "account.N.sip_server.N.address": _W, "account.N.sip_server.N.port": _W,
    "account.N.sip_server.N.transport_type": f"{_W} (0 UDP, 1 TCP, 2 TLS)",
    # The registrar when it is not the SIP domain's own address (the bundled core on loopback,
    # an SBC): Yealink's firmware key table (account.%d.outbound_proxy_enable, section
    # outboundProxy1) and FS PBX's Yealink template (nemerald-voip/fspbx) both use these.
    "account.N.outbound_proxy_enable": _OP,
    "account.N.outbound_proxy.N.address": _OP,
    "account.N.outbound_proxy.N.port": _OP,
    "linekey.N.type": "W-YL common.py BaseYealinkFunckeyGenerator",
    "linekey.N.line": "W-YL common.py BaseYealinkFunckeyGenerator",
    "linekey.N.value": "W-YL common.py BaseYealinkFunckeyGenerator",
    "linekey.N.label": "W-YL common.py BaseYealinkFunckeyGenerator",
    "linekey.N.extension": "W-YL common.py _format_funckey_blf (pickup code)",
})
TRANSPORT_TYPES = MappingProxyType({"udp": 0, "tcp": 1, "tls": 2})

_UA = re.compile(
    r"^(?:(?P<vendor>[Yy]ealink)[ -]+)?(?:SIP[ -]+)?"
    r"(?P<model>(?:VP-)?[A-Z]{1,3}\d{2,3}[A-Z]{0,2}(?:_E2)?)\s+"
    r"(?P<fw>\d+(?:\.\d+){3,})(?:\s+(?P<rest>\S+))?\s*$")
_UA_MAC = re.compile(r"^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$")
_DECT_WITHOUT_VENDOR = re.compile(r"^W\d{2}[A-Z]{1,2}$")  # "W52P 25.30.0.2 00:15:65:…" (W-YL)
_PATHS = (
    ("common", re.compile(r"^y0{9}(?P<cid>\d{3})\.cfg$")),
    ("common_boot", re.compile(r"^y0{12}\.boot$")),
    ("device", re.compile(r"^(?P<mac>[0-9a-fA-F]{12})\.cfg$")),
    ("device_boot", re.compile(r"^(?P<mac>[0-9a-fA-F]{12})\.boot$")),
    ("phonebook", re.compile(r"^(?P<mac>[0-9a-f]{12})-phonebook\.xml$")),
)


def _mac(raw: str | None) -> str | None:
    try:
        return normalize_mac(raw) if raw else None
    except InvalidMac:
        return None


def format_time_zone(rules: ZoneRules) -> dict[str, Any]:
    """local_time.* values the way W-YL writes them (offset clamped to -11..+12 as Wazo does)."""
    hours, minutes = divmod(abs(rules.standard_offset_minutes), 60)
    sign = "-" if rules.standard_offset_minutes < 0 else "+"
    if minutes:
        offset = f"{sign}{hours}:{minutes:02d}"  # half-hour zones, e.g. +5:30
    else:
        offset = f"{max(-11, min(12, int(f'{sign}{hours}'))):+d}"
    values: dict[str, Any] = {"time_zone": offset, "summer_time": 1 if rules.has_dst else 0}
    if rules.dst_start and rules.dst_end:
        values.update(dst_time_type=1, offset_time=rules.dst_saving_minutes,
                      start_time=_dst(rules.dst_start), end_time=_dst(rules.dst_end))
    return values


def _dst(change: Any) -> str:
    return f"{change.month}/{change.week}/{change.weekday}/{change.hour}"


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'  # as vendor-formats.md 3.5


class Yealink(Vendor):
    name = "yealink"
    files = FILES
    models = MODELS
    ALLOWED_SETTINGS = ALLOWED_SETTINGS
    phonebook = PHONEBOOK

    def phonebook_filename(self, model: str, mac: str) -> str | None:
        return f"{mac}-phonebook.xml"

    def render_phonebook(self, entries: Sequence[PhonebookEntry], title: str) -> bytes:
        # Built as text, every value through the escaper (see snom); the title is the name
        # remote_phonebook.data.1.name gives it, so the document carries none.
        text = xml_text_escaper()
        out = [_DECLARATION, "<YealinkIPPhoneDirectory>\n"]
        for entry in entries:
            out.append(f"  <DirectoryEntry>\n    <Name>{text(entry.name)}</Name>\n")
            out.extend(f"    <Telephone>{text(number)}</Telephone>\n"
                       for _kind, number in entry.numbers)
            out.append("  </DirectoryEntry>\n")
        out.append("</YealinkIPPhoneDirectory>\n")
        return "".join(out).encode("utf-8")

    def identify_user_agent(self, user_agent: str) -> Identity | None:
        match = _UA.match((user_agent or "").strip())
        if not match:
            return None
        model = match.group("model")
        rest = match.group("rest") or ""
        mac = _mac(rest) if _UA_MAC.match(rest) else None
        if not match.group("vendor") and not (_DECT_WITHOUT_VENDOR.match(model) and mac):
            return None
        return Identity(self.name, model, match.group("fw"), mac)

    def parse_path(self, filename: str) -> FileRequest | None:
        for kind, pattern in _PATHS:
            match = pattern.match(filename or "")
            if match:
                groups = match.groupdict()
                mac = _mac(groups.get("mac"))
                if "mac" in groups and mac is None:
                    return None
                return FileRequest(self.name, kind, mac, None)
        return None

    def common_filename(self, model: str) -> str | None:
        info = self.model(model)
        return f"y000000000{info.common_file_id}.cfg" if info and info.common_file_id else None

    def device_filenames(self, model: str, mac: str) -> dict[str, str]:
        names = {"device_boot": f"{mac}.boot", "common_boot": "y000000000000.boot",
                 "device": f"{mac}.cfg"}
        common = self.common_filename(model)
        if common:
            names["common"] = common
        return names

    def context(self, config: Any, request: FileRequest) -> dict[str, Any]:
        info = self.model(config.model)
        return {
            "server_url": config.provisioning_url,
            "firmware_url": config.firmware_url,
            "ca_url": f"{config.provisioning_url}{CA_CERTIFICATE_FILENAME}"
            if config.ca_certificate_pem else None,
            "language": LANGUAGES.get(config.language),
            "tone_country": TONE_COUNTRIES.get(config.timezone),
            "ntp_server": config.ntp_server,
            "tz": format_time_zone(zone_rules(config.timezone, config.year)),
            "phonebook_url": config.phonebook_url,
            "phonebook_name": PHONEBOOK_NAMES.get(config.language, "Phonebook"),
            "accounts": [self._account(n, line) for n, line in enumerate(config.lines, start=1)],
            "linekeys": [self._key(key, config) for key in config.keys
                         if info is None or info.max_keys is None or key.position <= info.max_keys],
        }

    @staticmethod
    def _account(number: int, line: Any) -> dict[str, Any]:
        return {"n": number, "label": line.label or line.user, "display_name": line.display_name,
                "auth_name": line.auth_user, "user_name": line.user, "password": line.password,
                # The domain, not the registrar host: Yealink takes its SIP domain from this key.
                # Where the registrar is elsewhere, the outbound proxy carries its address.
                "address": line.domain, "port": line.registrar_port,
                "transport_type": TRANSPORT_TYPES[line.transport],
                "proxy": line.registrar_host if line.registrar_host != line.domain else None}

    @staticmethod
    def _key(key: Any, config: Any) -> dict[str, Any]:
        value = key.target
        if key.kind == "line" and key.line <= len(config.lines):
            value = config.lines[key.line - 1].user
        return {"n": key.position, "type": KEY_TYPES[key.kind], "line": key.line,
                "value": value or "", "label": key.label or value or "",
                "extension": key.pickup_code if key.kind == "blf" else None}
