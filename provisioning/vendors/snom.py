"""snom desk phones (D1xx/D3xx/D7xx/D8xx and the older 3xx/7xx/8xx): everything the service knows.

Files a snom phone asks for when its setting server URL has no file name (SNOM-AP), and what each
returns here:

``snom<MODEL>.htm``          model container, ``<setting-files>`` listing ``snom<MODEL>.xml``.
``snom<MODEL>.xml``          model settings: server URL, locale, time zone, NTP, our CA. No account.
``snom<MODEL>-<MAC>.htm``    device container, listing ``<MAC>.xml``. No account.
``<MAC>.xml``                device settings: the above plus SIP identities and function keys.
                             The only file that carries credentials.
``snom<MODEL>-firmware.xml`` ``<firmware-settings>`` with the firmware URL; NotServed without one.

Source keys (see /work/shared/reference/vendor-formats.md §0): SNOM-AP, SNOM-CFG, SNOM-PS,
SNOM-FK, W-SNOM (wazo-provd-plugins plugins/wazo_snom/common/common.py), W-SNOM-T (its templates),
GURU3 (eventphone/guru3 snom templates), SNOM-CERT (snom's "<certificates> tag" page, mirrored at
teamwork.gigaset.com/gigawiki/plugins/viewsource/viewpagesrc.action?pageId=1517322424).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from provisioning.common.mac import InvalidMac, mac_upper, normalize_mac
from provisioning.timezones import zone_rules
from provisioning.vendors.base import (
    FileRequest,
    FileSpec,
    Identity,
    ModelInfo,
    NotServed,
    PhonebookEntry,
    PhonebookFormat,
    Vendor,
    xml_text_escaper,
)

_XML = "application/xml; charset=utf-8"  # GURU3 serves snom files as application/xml

FILES = MappingProxyType({
    "model_container": FileSpec("snom/container.htm.j2", _XML, False,
                                "snom<MODEL>.htm: lists snom<MODEL>.xml"),
    "model_settings": FileSpec("snom/settings.xml.j2", _XML, False,
                               "snom<MODEL>.xml: credential-free settings and our CA"),
    "device_container": FileSpec("snom/container.htm.j2", _XML, False,
                                 "snom<MODEL>-<MAC>.htm: lists <MAC>.xml"),
    "device_settings": FileSpec("snom/settings.xml.j2", _XML, True,
                                "<MAC>.xml: settings with SIP identities and function keys"),
    "firmware": FileSpec("snom/firmware.xml.j2", _XML, False,
                         "snom<MODEL>-firmware.xml: firmware URL (NotServed without one)"),
    # Rendered by phonebook_sync, not from a DeviceConfig (so no template and no credentials
    # here); phones.routes serves it under the credentials rule all the same.
    "phonebook": FileSpec(None, _XML, False,
                          "snom-phonebook-<MAC>.xml: SnomIPPhoneDirectory (dkey_directory url)"),
})
# The minibrowser directory the directory key opens (dkey_directory "url ..."): W-PHONED
# snom_results.jinja, SNOM-MB. One <DirectoryEntry> per number: the format has one <Telephone>.
PHONEBOOK = PhonebookFormat("phonebook", _XML, "SnomIPPhoneDirectory (SNOM-MB, W-PHONED)")
NUMBER_LABELS = MappingProxyType({"office": "office", "mobile": "mobile", "home": "home",
                                  "other": "other"})

_W = "W-SNOM v10_1_215_13/entry.py MODELS"
MODELS = MappingProxyType({m.name: m for m in (
    # Lines/keys per model were not found in the sources read (snom documents idx 1..12
    # "model-dependent"), so they stay None and the renderer does not clip.
    ModelInfo("D140", "D1xx", None, None, source=_W),
    ModelInfo("D150", "D1xx", None, None, source=_W),
    ModelInfo("D315", "D3xx", None, None, source="W-SNOM-T templates/D315.tpl"),
    ModelInfo("D335", "D3xx", None, None, source=_W),
    ModelInfo("D345", "D3xx", None, None, source="SNOM-AP example snomD345.htm"),
    ModelInfo("D385", "D3xx", None, None, source=_W),
    ModelInfo("715", "7xx", None, None, source=_W),
    ModelInfo("D713", "D7xx", None, None, source=_W),
    ModelInfo("D717", "D7xx", None, None, source=_W),
    ModelInfo("D735", "D7xx", None, None, source=_W),
    ModelInfo("D785", "D7xx", None, None, source=_W),
    ModelInfo("D810", "D8xx", None, None, source=_W),
    ModelInfo("D812", "D8xx", None, None, source=_W),
    ModelInfo("D815", "D8xx", None, None, source=_W),
    ModelInfo("D862", "D8xx", None, None, source=_W),
    ModelInfo("D865", "D8xx", None, None, source=_W),
    ModelInfo("D892", "D8xx", None, None, source=_W),
)})

# language / web_language values: names both W-SNOM (_LOCALE) and the reference (SNOM-PS/-CFG)
# agree on. French and Dutch are left out: Wazo writes "Francais"/"Dutch", snom's pages
# "Français"/"Nederlands"; without a device to try, neither is emitted.
LANGUAGES = MappingProxyType({"de": "Deutsch", "en": "English", "es": "Espanol", "it": "Italiano"})
# tone_scheme codes documented in the reference (W-SNOM, SNOM-CFG).
TONE_SCHEMES = frozenset({"GER", "USA", "FRA", "ESP", "ITA", "NLD"})

# IANA zone -> snom `timezone` value. Values are entries of snom's own list
# (https://service.snom.com/display/wiki/timezone, the page FusionPBX's docs point to; the same
# values appear in a public snom option list in the code index). A test checks that each entry's
# hours equal the zone's standard offset. Zones not listed get no `timezone` setting at all:
# snom has no plain UTC entry, and a neighbour's entry would carry a foreign DST rule.
TIMEZONES = MappingProxyType({
    "Europe/Berlin": "GER+1", "Europe/Vienna": "AUT+1", "Europe/Zurich": "CHE+1",
    "Europe/Paris": "FRA+1", "Europe/Rome": "ITA+1", "Europe/Madrid": "ESP+1",
    "Europe/Amsterdam": "NLD+1", "Europe/Brussels": "BEL+1", "Europe/Luxembourg": "LUX+1",
    "Europe/Copenhagen": "DNK+1", "Europe/Oslo": "NOR+1", "Europe/Stockholm": "SWE+1",
    "Europe/Warsaw": "POL+1", "Europe/Prague": "CZE+1", "Europe/Bratislava": "SVK+1",
    "Europe/Budapest": "HUN+1", "Europe/Zagreb": "HRV+1", "Europe/Tirane": "ALB+1",
    "Europe/Gibraltar": "GIB+1", "Europe/London": "GBR-0", "Europe/Dublin": "IRL-0",
    "Europe/Lisbon": "PRT-0", "Atlantic/Canary": "ESP-0", "Atlantic/Faroe": "FRO-0",
    "Atlantic/Azores": "PRT-1", "Europe/Helsinki": "FIN+2", "Europe/Tallinn": "EST+2",
    "Europe/Riga": "LVA+2", "Europe/Athens": "GRC+2", "Europe/Bucharest": "ROU+2",
    "Europe/Sofia": "BGR+2", "Europe/Kyiv": "UKR+2", "Europe/Chisinau": "MDA+2",
    "Asia/Nicosia": "CYP+2", "Asia/Jerusalem": "ISR+2", "Africa/Cairo": "EGY+2",
    "Europe/Moscow": "RUS+3", "Asia/Baghdad": "IRQ+3", "Asia/Tehran": "IRN+3.5",
    "Asia/Yerevan": "ARM+4", "Asia/Tbilisi": "GEO+4", "Asia/Baku": "AZE+4",
    "Asia/Karachi": "PAK+5", "Asia/Kolkata": "IND+5.5", "Asia/Bangkok": "THA+7",
    "Asia/Singapore": "SGP+8", "Australia/Perth": "AUS+8", "Asia/Tokyo": "JPN+9",
    "Pacific/Auckland": "NZL+12", "America/St_Johns": "CAN-3.5", "America/Halifax": "CAN-4",
    "America/Argentina/Buenos_Aires": "ARG-3", "America/New_York": "USA-5",
    "America/Toronto": "CAN-5", "America/Havana": "CUB-5", "America/Chicago": "USA-6",
    "America/Mexico_City": "MEX-6", "America/Denver": "USA-7", "America/Los_Angeles": "USA-8",
    "America/Vancouver": "CAN-8", "America/Anchorage": "USA-9", "Pacific/Honolulu": "USA-10",
})

ALLOWED_SETTINGS = MappingProxyType({
    # document structure
    "settings": "SNOM-CFG (root element)",
    "phone-settings": "SNOM-CFG, SNOM-PS",
    "functionKeys": "SNOM-CFG, SNOM-FK",
    "fkey": "SNOM-FK; W-SNOM _add_fkeys",
    "certificates": "SNOM-CFG (section list), SNOM-CERT",
    "certificate": "SNOM-CERT (<certificate type=\"base64\">)",
    "setting-files": "SNOM-AP, W-SNOM-T other/base.htm.tpl",
    "file": "SNOM-AP, W-SNOM-T other/base.htm.tpl",
    "firmware-settings": "SNOM-PS example, GURU3 firmware.xml",
    "firmware": "SNOM-PS example, GURU3 firmware.xml",
    # <phone-settings> parameters
    "setting_server": "SNOM-AP, SNOM-CFG example, W-SNOM-T base.tpl",
    "update_policy": "SNOM-CFG example, W-SNOM-T snom-general.xml",
    "firmware_status": "W-SNOM-T snom<MODEL>.xml, GURU3",
    "pnp_config": "W-SNOM-T snom-general.xml; SNOM-PNP",
    "language": "SNOM-CFG example, W-SNOM-T base.tpl",
    "web_language": "SNOM-CFG example, W-SNOM-T base.tpl",
    "tone_scheme": "SNOM-CFG example, W-SNOM-T base.tpl",
    "timezone": "SNOM-CFG example, W-SNOM _add_timezone",
    "ntp_server": "W-SNOM-T base.tpl, GURU3",
    "dkey_directory": "W-SNOM-T base.tpl (url <phonebook>)",
    "user_active": "SNOM-CFG example, W-SNOM-T base.tpl",
    "user_name": "SNOM-CFG example, W-SNOM-T base.tpl",
    "user_pname": "W-SNOM-T base.tpl",
    "user_pass": "SNOM-CFG D385 example, W-SNOM-T base.tpl",
    "user_host": "SNOM-CFG example, W-SNOM-T base.tpl",
    "user_outbound": "W-SNOM-T base.tpl (host:port;transport=...)",
    "user_realname": "SNOM-CFG example, W-SNOM-T base.tpl",
    "user_idle_text": "W-SNOM-T base.tpl",
})

# snom 8.7.5+ puts the MAC (12 upper hex) after firmware and a build token (W-SNOM comments).
_UA = re.compile(r"\bsnom(?P<model>[A-Za-z0-9]+)-SIP[ /](?P<fw>\d+(?:\.\d+)+)(?P<rest>[^)]*)")
_UA_MAC = re.compile(r"(?<![0-9A-Fa-f])(?P<mac>[0-9A-F]{12})(?![0-9A-Fa-f])")
_UA_OLD = re.compile(r"\bsnom\b")  # "Mozilla/4.0 (compatible; snom lid 3605)": snom, nothing more
_PATHS = (
    ("firmware", re.compile(r"^snom(?P<model>[A-Za-z0-9]+)-firmware\.xml$", re.I)),
    ("device_container", re.compile(r"^snom(?P<model>[A-Za-z0-9]+)-(?P<mac>[0-9A-F]{12})\.htm$",
                                    re.I)),
    ("model_container", re.compile(r"^snom(?P<model>[A-Za-z0-9]+)\.htm$", re.I)),
    ("model_settings", re.compile(r"^snom(?P<model>[A-Za-z0-9]+)\.xml$", re.I)),
    ("device_settings", re.compile(r"^(?P<mac>[0-9A-F]{12})\.xml$", re.I)),
    ("phonebook", re.compile(r"^snom-phonebook-(?P<mac>[0-9A-F]{12})\.xml$", re.I)),
)
# fkey arguments are "type arg|pickup": keep separators out of user-supplied targets.
_FKEY_ARG = re.compile(r"[^0-9A-Za-z*#+@._:-]")


def _mac(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_mac(raw)
    except InvalidMac:
        return None


def _canonical_model(raw: str) -> str:
    upper = raw.upper()
    return upper if upper in MODELS or upper.startswith("D") else raw


def pem_bodies(pem: str) -> list[str]:
    """The base64 body of each certificate in a PEM bundle, on one line (SNOM-CERT)."""
    bodies = re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)
    return [re.sub(r"[^A-Za-z0-9+/=]", "", body) for body in bodies]


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'  # double quotes, as snom writes it


class Snom(Vendor):
    name = "snom"
    files = FILES
    models = MODELS
    ALLOWED_SETTINGS = ALLOWED_SETTINGS
    phonebook = PHONEBOOK

    def phonebook_filename(self, model: str, mac: str) -> str | None:
        return f"snom-phonebook-{mac_upper(mac)}.xml"

    def render_phonebook(self, entries: Sequence[PhonebookEntry], title: str) -> bytes:
        # Built as text, every value through the escaper: lxml's tree costs twice as much at
        # 50,000 entries, and the tests parse every output with lxml.
        text = xml_text_escaper()
        out = [_DECLARATION, "<SnomIPPhoneDirectory>\n", f"  <Title>{text(title)}</Title>\n"]
        for entry in entries:
            name = text(entry.name)
            several = len(entry.numbers) > 1
            for kind, number in entry.numbers:
                label = f"{name} ({NUMBER_LABELS.get(kind, text(kind))})" if several else name
                out.append(f"  <DirectoryEntry>\n    <Name>{label}</Name>\n"
                           f"    <Telephone>{text(number)}</Telephone>\n  </DirectoryEntry>\n")
        out.append("</SnomIPPhoneDirectory>\n")
        return "".join(out).encode("utf-8")

    def identify_user_agent(self, user_agent: str) -> Identity | None:
        match = _UA.search(user_agent or "")
        if match:
            mac_match = _UA_MAC.search(match.group("rest"))
            return Identity(self.name, _canonical_model(match.group("model")), match.group("fw"),
                            _mac(mac_match.group("mac")) if mac_match else None)
        if _UA_OLD.search(user_agent or ""):
            return Identity(self.name)
        return None

    def parse_path(self, filename: str) -> FileRequest | None:
        for kind, pattern in _PATHS:
            match = pattern.match(filename or "")
            if match:
                groups = match.groupdict()
                mac = _mac(groups.get("mac"))
                if "mac" in groups and mac is None:
                    return None
                model = groups.get("model")
                return FileRequest(self.name, kind, mac, _canonical_model(model) if model else None)
        return None

    def device_filenames(self, model: str, mac: str) -> dict[str, str]:
        return {"model_container": f"snom{model}.htm", "model_settings": f"snom{model}.xml",
                "device_container": f"snom{model}-{mac_upper(mac)}.htm",
                "device_settings": f"{mac_upper(mac)}.xml", "firmware": f"snom{model}-firmware.xml"}

    def context(self, config: Any, request: FileRequest) -> dict[str, Any]:
        base = config.provisioning_url
        model = request.model or config.model
        if request.kind == "firmware" and not config.firmware_url:
            raise NotServed(request.kind)
        files = []
        if request.kind == "model_container":
            files = [f"{base}snom{model}.xml"]
        elif request.kind == "device_container":
            files = [f"{base}{mac_upper(request.mac or config.mac)}.xml"]
        zone_rules(config.timezone, config.year)  # an unknown zone raises UnknownTimeZone
        timezone = TIMEZONES.get(config.timezone)
        tone = timezone.rstrip("+-.0123456789") if timezone else None
        return {
            "files": files,
            "setting_server": base,
            "firmware_url": config.firmware_url,
            "firmware_status": f"{base}snom{model}-firmware.xml" if config.firmware_url and model
            else None,
            "language": LANGUAGES.get(config.language),
            "timezone": timezone,
            "tone_scheme": tone if tone in TONE_SCHEMES else None,
            "ntp_server": config.ntp_server,
            "phonebook_url": config.phonebook_url,
            "certificates": pem_bodies(config.ca_certificate_pem or ""),
            "lines": list(enumerate(config.lines, start=1)),
            "fkeys": [self._fkey(key) for key in self._keys_for(config, model)],
        }

    def _keys_for(self, config: Any, model: str | None) -> list[Any]:
        info = self.model(model)
        limit = info.max_keys if info else None
        return [k for k in config.keys if limit is None or k.position <= limit]

    @staticmethod
    def _fkey(key: Any) -> dict[str, Any]:
        target = _FKEY_ARG.sub("", key.target or "")
        if key.kind == "blf":
            pickup = _FKEY_ARG.sub("", key.pickup_code or "")
            value = f"blf {target}" + (f"|{pickup}" if pickup else "")
        elif key.kind == "speed_dial":
            value = f"speed {target}"
        else:
            value = "line"
        return {"idx": key.position - 1, "context": str(key.line),
                "label": key.label or key.target or "", "value": value}
