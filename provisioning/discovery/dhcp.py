"""Ready DHCP configuration for one tenant network and vendor: ISC dhcpd, Kea, dnsmasq.

What each vendor's phones read (vendor-formats.md section 5):

* snom sends option 60 ``snom<MODEL>``: option 66 carries the provisioning URL (the phone's
  ``update_server``), option 67 the model's file (``update_filename``: ``snom<MODEL>.htm``, the
  first file it asks for; one exact option-60 match per model of the vendor table);
* Yealink sends no useful option 60: it is matched by its MAC's OUI; option 66 and option 43
  both carry the URL (43 is its lowest-priority source, there for phones set to prefer it);
* other phones (Poly, AudioCodes, Panasonic) read option 160 before 66: ``other`` gives both.

Scope: ISC dhcpd's classes and dnsmasq's tags act server-wide, which fits the usual site with
one DHCP server per LAN; Kea's classes are "required" classes that only the subnet listing them
uses, so one central Kea can serve several tenants' networks. Names carry the network id
(``prov<id>-...``), so snippets of several networks never clash.

Pure text from plain data; the tests run each server's own configuration check on a file that
includes these snippets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from provisioning.vendors.registry import registry

SERVERS = ("isc", "kea", "dnsmasq")
VENDORS = ("snom", "yealink", "other")

# Organisationally unique identifiers registered to Yealink Network Technology (IEEE MA-L).
YEALINK_OUIS = ("001565", "805ec0", "805e0c", "249ad8", "44dbd2")
# The URL is written into configuration files between quotes: nothing that could end a string.
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.:\[\]/_~%+-]+$")


@dataclass(frozen=True)
class VendorValues:
    vendor: str
    options: dict[str, str]  # DHCP option code -> value, for every phone of the vendor
    vendor_class_prefix: str | None  # option 60 starts with this
    ouis: tuple[str, ...]  # or: the MAC starts with one of these
    per_model: dict[str, dict[str, str]]  # option 60 value -> options for that model


def values(url: str, vendor: str) -> VendorValues:
    """What a DHCP server should hand ``vendor``'s phones on a network with this URL."""
    if not _SAFE_URL.match(url):
        raise ValueError(f"not a URL that can go into a DHCP configuration: {url!r}")
    if vendor == "snom":
        models = sorted(registry()["snom"].models)
        return VendorValues("snom", {"66": url}, "snom", (),
                            {f"snom{m}": {"67": f"snom{m}.htm"} for m in models})
    if vendor == "yealink":
        return VendorValues("yealink", {"66": url, "43": url}, None, YEALINK_OUIS, {})
    if vendor == "other":
        return VendorValues("other", {"66": url, "160": url}, None, (), {})
    raise ValueError(f"unknown vendor {vendor!r}")


def all_values(url: str) -> dict[str, dict]:
    """The values of every vendor, as the API shows them."""
    out = {}
    for vendor in VENDORS:
        v = values(url, vendor)
        out[vendor] = {"options": v.options, "vendor_class_prefix": v.vendor_class_prefix,
                       "ouis": list(v.ouis),
                       "per_model": {k: v.per_model[k] for k in sorted(v.per_model)}}
    return out


# ---- ISC dhcpd ----------------------------------------------------------------------------

_ISC_OPTION = {"66": "tftp-server-name", "67": "bootfile-name",
               "43": "vendor-encapsulated-options"}


def _isc_options(options: dict[str, str], name: str, indent: str = "  ") -> list[str]:
    out = []
    for code, value in options.items():
        option = _ISC_OPTION.get(code) or f"{name}-option-{code}"
        out.append(f'{indent}option {option} "{value}";')
    return out


def isc(network_id: int, cidr: str, url: str, vendor: str) -> str:
    v = values(url, vendor)
    name = f"prov{network_id}-{vendor}"
    lines = [f"# provisioning: {vendor} phones of network {cidr} (generated; include it in "
             "dhcpd.conf)"]
    if vendor == "other":
        # Every client of the network: global here (a class of ours still wins for snom and
        # Yealink); the two option lines may move into the network's subnet { } instead.
        lines.append(f"option {name}-option-160 code 160 = text;")
        lines.extend(line.strip() for line in _isc_options(v.options, name))
        return "\n".join(lines) + "\n"
    if v.vendor_class_prefix:
        n = len(v.vendor_class_prefix)
        test = f'substring(option vendor-class-identifier, 0, {n}) = "{v.vendor_class_prefix}"'
    else:
        test = " or ".join(
            f"substring(hardware, 1, 3) = {':'.join(o[i:i + 2] for i in range(0, 6, 2))}"
            for o in v.ouis)
    lines += [f'class "{name}" {{', f"  match if {test};", *_isc_options(v.options, name), "}"]
    if v.per_model:
        lines.append(f'class "{name}-model" {{ match option vendor-class-identifier; }}')
        for model, options in sorted(v.per_model.items()):
            lines.append(f'subclass "{name}-model" "{model}" {{ '
                         + " ".join(o.strip() for o in _isc_options(options, name)) + " }")
    return "\n".join(lines) + "\n"


# ---- Kea --------------------------------------------------------------------------------

_KEA_OPTION = {"66": "tftp-server-name", "67": "boot-file-name"}
KEA_OPTION_160 = "provisioning-url"


def _kea_options(options: dict[str, str], name: str) -> list[dict]:
    out: list[dict] = []
    for code, value in options.items():
        if code == "43":
            out.append({"name": "vendor-encapsulated-options", "data": value})
        elif code in _KEA_OPTION:
            out.append({"name": _KEA_OPTION[code], "data": value})
        else:
            out.append({"name": KEA_OPTION_160, "code": int(code), "data": value})
    return out


def kea_object(network_id: int, cidr: str, url: str, vendor: str) -> dict:
    """The Dhcp4 keys to merge into Kea's configuration: "client-classes", "option-def" (the
    same for every network: keep one), and under "subnet4" the network's
    "require-client-classes" to add to the subnet of that range. The classes are required
    classes (evaluated only for subnets that list them): one central Kea may serve several
    tenants' networks, each with its own URL."""
    v = values(url, vendor)
    name = f"prov{network_id}-{vendor}"
    out: dict = {"client-classes": []}
    if vendor == "other":
        out["option-def"] = [{"name": KEA_OPTION_160, "code": 160, "type": "string",
                              "space": "dhcp4"}]
        out["client-classes"].append({"name": name, "test": "member('ALL')",
                                      "only-if-required": True,
                                      "option-data": _kea_options(v.options, name)})
    else:
        if v.vendor_class_prefix:
            n = len(v.vendor_class_prefix)
            test = f"substring(option[60].hex, 0, {n}) == '{v.vendor_class_prefix}'"
        else:
            test = " or ".join(f"substring(pkt4.mac, 0, 3) == 0x{o}" for o in v.ouis)
        entry: dict = {"name": name, "test": test, "only-if-required": True,
                       "option-data": _kea_options(v.options, name)}
        if "43" in v.options:
            # Kea lets a class define option 43 itself: here a plain string, the URL.
            entry["option-def"] = [{"name": "vendor-encapsulated-options", "code": 43,
                                    "type": "string"}]
        out["client-classes"].append(entry)
        for model, options in sorted(v.per_model.items()):
            out["client-classes"].append({"name": f"{name}-{model}",
                                          "test": f"option[60].text == '{model}'",
                                          "only-if-required": True,
                                          "option-data": _kea_options(options, name)})
    out["subnet4"] = [{"subnet": cidr, "require-client-classes":
                       [c["name"] for c in out["client-classes"]]}]
    return out


def merge_kea(objects: list[dict]) -> dict:
    """Several snippets as one: classes appended, option definitions once, one subnet entry
    per range."""
    merged: dict[str, list] = {"client-classes": []}
    defs: dict[str, dict] = {}
    subnets: dict[str, dict] = {}
    for obj in objects:
        merged["client-classes"].extend(obj.get("client-classes", []))
        for definition in obj.get("option-def", []):
            defs.setdefault(definition["name"], definition)
        for entry in obj.get("subnet4", []):
            subnets.setdefault(entry["subnet"], {"subnet": entry["subnet"],
                                                 "require-client-classes": []})[
                "require-client-classes"].extend(entry["require-client-classes"])
    if defs:
        merged["option-def"] = list(defs.values())
    merged["subnet4"] = list(subnets.values())
    return merged


def kea(network_id: int, cidr: str, url: str, vendor: str) -> str:
    return json.dumps(kea_object(network_id, cidr, url, vendor), indent=2) + "\n"


# ---- dnsmasq ----------------------------------------------------------------------------


def dnsmasq(network_id: int, cidr: str, url: str, vendor: str) -> str:
    v = values(url, vendor)
    name = f"prov{network_id}-{vendor}"
    lines = [f"# provisioning: {vendor} phones of network {cidr} (generated; conf-file= it)"]
    if vendor == "other":
        lines += [f'dhcp-option-force={code},"{value}"' for code, value in v.options.items()]
        return "\n".join(lines) + "\n"
    if v.vendor_class_prefix:
        lines.append(f"dhcp-vendorclass=set:{name},{v.vendor_class_prefix}")
    for oui in v.ouis:
        lines.append(f"dhcp-mac=set:{name},"
                     + ":".join(oui[i:i + 2] for i in range(0, 6, 2)) + ":*:*:*")
    lines += [f'dhcp-option-force=tag:{name},{code},"{value}"'
              for code, value in v.options.items()]
    # dnsmasq matches option 60 as a substring: longer model names first do not help, so the
    # per-model file names are tagged by the exact vendor-class each model sends.
    for model, options in sorted(v.per_model.items()):
        tag = f"{name}-{model}"
        lines.append(f"dhcp-vendorclass=set:{tag},{model}")
        lines += [f'dhcp-option-force=tag:{tag},{code},"{value}"'
                  for code, value in options.items()]
    return "\n".join(lines) + "\n"


RENDERERS = {"isc": isc, "kea": kea, "dnsmasq": dnsmasq}


def snippet(server: str, network_id: int, cidr: str, url: str, vendor: str) -> str:
    if server not in RENDERERS:
        raise ValueError(f"unknown DHCP server {server!r}")
    return RENDERERS[server](network_id, cidr, url, vendor)


def combined(server: str, network_id: int, cidr: str, url: str,
             vendors: tuple[str, ...] = VENDORS) -> str:
    """The snippets of several vendors as one file (for Kea: one object, lists merged)."""
    if server == "kea":
        objects = [kea_object(network_id, cidr, url, vendor) for vendor in vendors]
        return json.dumps(merge_kea(objects), indent=2) + "\n"
    return "\n".join(snippet(server, network_id, cidr, url, v) for v in vendors)
