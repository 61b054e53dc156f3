"""Identification: real User-Agent strings, the file names phones ask for, and the ?mac= fallback.

Every User-Agent below is a published sample; none is made up. Sources:
  REF    /work/shared/reference/vendor-formats.md §2.3 (snom) and §3.3 (Yealink)
  W-SNOM wazo-platform/wazo-provd-plugins plugins/wazo_snom/common/common.py (_extract_from_ua)
  W-YL   wazo-platform/wazo-provd-plugins plugins/wazo_yealink/v87/common.py (_extract_from_ua)
  W-YL-T wazo-platform/wazo-provd-plugins plugins/wazo_yealink/v87/tests/test_common.py
"""

from __future__ import annotations

import pytest

from provisioning.vendors.base import Identity
from provisioning.vendors.identify import extract, identify_user_agent, parse_path

UA_TABLE = [
    # (user agent, vendor, model, firmware, mac, source)
    ("Mozilla/4.0 (compatible; snom lid 3605)", "snom", None, None, None, "REF, W-SNOM"),
    ("Mozilla/4.0 (compatible; snom320-SIP 6.5.20; snom320 jffs2 v3.36; snom320 linux 3.38)",
     "snom", "320", "6.5.20", None, "W-SNOM"),
    ("Mozilla/4.0 (compatible; snom320-SIP 7.3.30 1.1.3-u)", "snom", "320", "7.3.30", None,
     "REF, W-SNOM"),
    ("Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)", "snom", "320", "8.4.18", None,
     "W-SNOM"),
    ("Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)", "snom", "710",
     "8.7.3.19", None, "REF, W-SNOM"),
    ("Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)", "snom",
     "710", "8.7.5.35", "000413741767", "REF, W-SNOM"),
    ("Mozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)", "snom", "760", "8.7.3.19", None,
     "W-SNOM"),
    ("Mozilla/4.0 (compatible; snom820-SIP 8.4.35 1.1.4-IFX-26.11.09)", "snom", "820", "8.4.35",
     None, "W-SNOM"),
    ("Mozilla/4.0 (compatible; snom870-SIP 8.4.35 SPEAr300 SNOM 1.4)", "snom", "870", "8.4.35",
     None, "W-SNOM"),
    ("Mozilla/4.0 (compatible; snomPA1-SIP 8.4.35 1.1.3-s)", "snom", "PA1", "8.4.35", None,
     "W-SNOM"),
    ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 "
     "SXM:0 UXM:0)", "snom", "D785", "10.1.33.33", "000413922d24", "REF, W-SNOM"),
    ("Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37", "yealink", "T46G", "28.72.0.1",
     "0015654aa937", "REF"),
    ("Yealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44", "yealink", "VP-T49G", "51.80.0.10",
     "0015659b5a44", "REF"),
    ("Yealink SIP-T77U 185.87.0.10 44:db:d2:bd:b5:69", "yealink", "T77U", "185.87.0.10",
     "44dbd2bdb569", "REF, W-YL"),
    ("Yealink W90DM 130.87.0.10 80:5e:c0:d9:c7:44", "yealink", "W90DM", "130.87.0.10",
     "805ec0d9c744", "REF"),
    ("Yealink CP860 37.72.0.5 00:15:65:8a:37:86", "yealink", "CP860", "37.72.0.5",
     "0015658a3786", "REF"),
    ("yealink SIP-T28P 2.70.0.140 00:15:65:13:ae:0b", "yealink", "T28P", "2.70.0.140",
     "00156513ae0b", "REF"),
    ("Yealink SIP-T38G  38.70.0.125 00:15:65:2f:c3:5e", "yealink", "T38G", "38.70.0.125",
     "0015652fc35e", "REF"),
    ("W52P 25.30.0.2 00:15:65:44:b3:7c", "yealink", "W52P", "25.30.0.2", "00156544b37c", "REF"),
    ("Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0", "yealink", "T46G", "28.71.0.81", None, "REF"),
    ("Yealink SIP-T20P 9.72.0.30 00:15:65:5e:16:7c", "yealink", "T20P", "9.72.0.30",
     "0015655e167c", "W-YL, W-YL-T"),
    ("Yealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72", "yealink", "T31G", "124.85.257.55",
     "805ec0d57d72", "W-YL, W-YL-T"),
    ("Yealink SIP-T21P_E2 52.80.0.3 00:15:65:4c:4c:26", "yealink", "T21P_E2", "52.80.0.3",
     "0015654c4c26", "W-YL"),
    ("Yealink SIP-T34W 124.86.0.75 24:9a:d8:88:d0:f4", "yealink", "T34W", "124.86.0.75",
     "249ad888d0f4", "W-YL"),
]


def test_the_user_agent_table_has_at_least_twenty_sourced_rows():
    assert len(UA_TABLE) >= 20
    assert all(row[-1] for row in UA_TABLE)


@pytest.mark.parametrize(("ua", "vendor", "model", "firmware", "mac", "source"), UA_TABLE,
                         ids=[row[0][:48] for row in UA_TABLE])
def test_user_agent_yields_vendor_model_firmware_and_mac(ua, vendor, model, firmware, mac, source):
    assert identify_user_agent(ua) == Identity(vendor, model, firmware, mac)


@pytest.mark.parametrize("ua", [
    "",
    "Fanvil X4U 2.10.2.6887 0c383e07e16c",  # reference §6.2: another vendor
    "Grandstream Model HW GXP2170 V1.2A SW 1.0.9.69 DevId 000b82123456",  # reference §6.1
    "curl/8.5.0",
])
def test_other_user_agents_are_not_ours(ua):
    assert identify_user_agent(ua) is None


@pytest.mark.parametrize(("filename", "vendor", "kind", "mac", "model"), [
    ("snomD345.htm", "snom", "model_container", None, "D345"),
    ("snomD345-000413A11FA7.htm", "snom", "device_container", "000413a11fa7", "D345"),
    ("snomd345-000413a11fa7.htm", "snom", "device_container", "000413a11fa7", "D345"),
    ("snomD785.xml", "snom", "model_settings", None, "D785"),
    ("000413A11FA7.xml", "snom", "device_settings", "000413a11fa7", None),
    ("snomD785-firmware.xml", "snom", "firmware", None, "D785"),
    ("00156574b150.cfg", "yealink", "device", "00156574b150", None),
    ("00156574b150.boot", "yealink", "device_boot", "00156574b150", None),
    ("y000000000000.boot", "yealink", "common_boot", None, None),
    ("y000000000108.cfg", "yealink", "common", None, None),
    ("/some/dir/y000000000028.cfg", "yealink", "common", None, None),
])
def test_file_names_phones_ask_for_are_recognised(filename, vendor, kind, mac, model):
    request = parse_path(filename)
    assert (request.vendor, request.kind, request.mac, request.model) == (vendor, kind, mac, model)


@pytest.mark.parametrize("filename", [
    "y0000000000123.cfg",  # 13 digits: Wazo's old mistake, not a Yealink name
    "000000000000.cfg",  # reserved MAC
    "010000000001.cfg",  # multicast MAC
    "00156574b150-local.cfg",
    "snom.htm",
    "../etc/passwd",
    "",
])
def test_other_file_names_are_not_recognised(filename):
    assert parse_path(filename) is None


def test_user_agent_comes_first_then_path_then_query():
    ua = "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24)"
    found = extract(ua, "snomD785-000413A11FA7.htm", {"mac": "00:04:13:00:00:01"})
    assert found == Identity("snom", "D785", "10.1.33.33", "000413922d24")


def test_a_user_agent_without_mac_falls_back_to_the_path():
    found = extract("Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)",
                    "snom710-000413741767.htm")
    assert found == Identity("snom", "710", "8.7.3.19", "000413741767")
    found = extract("Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0", "001565aabbcc.cfg")
    assert found == Identity("yealink", "T46G", "28.71.0.81", "001565aabbcc")


def test_then_to_the_query_argument():
    found = extract("Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)", "settings.xml",
                    {"mac": "00-04-13-12-34-56"})
    assert found == Identity("snom", "320", "8.4.18", "000413123456")


def test_without_a_user_agent_the_path_names_the_vendor():
    assert extract(None, "805ec0d57d72.cfg") == Identity("yealink", None, None, "805ec0d57d72")
    assert extract("", "snomD385.htm") == Identity("snom", "D385", None, None)


def test_a_path_of_the_other_vendor_does_not_change_the_user_agents_vendor():
    found = extract("Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37", "snomD785-000413A11FA7.htm")
    assert found == Identity("yealink", "T46G", "28.72.0.1", "0015654aa937")


def test_nothing_usable_gives_none_and_a_garbled_mac_is_ignored():
    assert extract("curl/8.5.0", "/index.html", {"mac": "not-a-mac"}) is None
