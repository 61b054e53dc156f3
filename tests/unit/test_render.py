"""What phones get: golden files per model, documented settings only, credential-free variants.

Golden files live in tests/unit/golden/<case>/<file name>. After a deliberate change to a template,
rewrite them with ``REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_render.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from provisioning.render import DeviceConfig, Key, Line, NotServed, render_file
from provisioning.vendors.registry import registry

GOLDEN = Path(__file__).parent / "golden"
CA_PEM = (GOLDEN / "ca.pem").read_text()
BASE_URL = "https://prov.example.net/t/acme/"

SECRETS = ("s3cret-1001", "s3cret-1099")  # looked for in the output on purpose
LINES = (
    Line(user="1001", auth_user="1001", password=SECRETS[0], domain="acme.pbx.example.net",
         registrar_host="sip.example.net", registrar_port=5061, transport="tls",
         display_name="Anna Müller", label="Anna"),
    Line(user="1099", auth_user="team-1099", password=SECRETS[1],
         domain="acme.pbx.example.net", registrar_host="sip.example.net", registrar_port=5060,
         transport="udp", display_name="Team Vertrieb", label="Team"),
)
KEYS = (
    Key(position=1, kind="line", label="Anna", line=1),
    Key(position=2, kind="line", label="Team", line=2),
    Key(position=3, kind="blf", target="1002", label="Bernd", line=1, pickup_code="*8"),
    Key(position=4, kind="blf", target="1003", label="Chloé", line=1, pickup_code=None),
    Key(position=5, kind="speed_dial", target="+493012345678", label="Zentrale", line=1),
    Key(position=6, kind="speed_dial", target="**100", label="Voicemail", line=2),
)
GERMAN = {"language": "de", "timezone": "Europe/Berlin", "ntp_server": "ntp.example.net"}
ENGLISH_UK = {"language": "en", "timezone": "Europe/London", "ntp_server": "pool.ntp.org"}
ENGLISH_US = {"language": "en", "timezone": "America/New_York", "ntp_server": None}

CASES = {
    "snom-D785": ("snom", "D785", "000413a11fa7", GERMAN, "https://fw.example.net/snomD785.bin"),
    "snom-D385": ("snom", "D385", "000413b22fb8", ENGLISH_UK, None),
    "snom-D865": ("snom", "D865", "00087b0c3d4e", GERMAN, None),
    "yealink-T46U": ("yealink", "T46U", "805ec0d57d72", GERMAN,
                     "https://fw.example.net/T46U-108.86.0.45.rom"),
    "yealink-T54W": ("yealink", "T54W", "249ad8a1b2c3", ENGLISH_UK, None),
    "yealink-T33G": ("yealink", "T33G", "44dbd2112233", ENGLISH_US, None),
}


def config_for(case: str, *, assigned: bool = True) -> DeviceConfig:
    vendor, model, mac, place, firmware = CASES[case]
    return DeviceConfig(vendor=vendor, model=model, mac=mac, provisioning_url=BASE_URL, year=2025,
                        lines=LINES if assigned else (), keys=KEYS if assigned else (),
                        firmware_url=firmware, ca_certificate_pem=CA_PEM, phonebook_url=None,
                        **place)


def served_files(config: DeviceConfig) -> list[str]:
    vendor = registry()[config.vendor]
    assert config.model and config.mac
    names = vendor.device_filenames(config.model, config.mac)
    return sorted(name for kind, name in names.items() if vendor.files[kind].template
                  and not (kind == "firmware" and not config.firmware_url))


def golden_outputs() -> list[tuple[str, str, DeviceConfig]]:
    rows = []
    for case in CASES:
        for assigned, suffix in ((True, ""), (False, "-unassigned")):
            config = config_for(case, assigned=assigned)
            rows += [(case + suffix, name, config) for name in served_files(config)]
    return rows


GOLDEN_ROWS = golden_outputs()


def setting_names(vendor: str, body: bytes) -> list[str]:
    """Every setting a rendered file emits: XML element names (snom), key names (Yealink)."""
    if vendor == "snom":
        root = etree.fromstring(body)
        return [el.tag for el in root.iter() if isinstance(el.tag, str)]
    lines = body.decode("utf-8").split("\n")
    assert lines[0] == "#!version:1.0.0.1"
    names = []
    for line in lines[1:]:
        if not line or line.startswith("#"):
            continue
        key, sep, _ = line.partition(" = ")
        assert sep, f"not a key = value line: {line!r}"
        names.append(re.sub(r"(?<=\.)\d+(?=\.|$)", "N", key))
    return names


@pytest.mark.parametrize(("case", "filename", "config"), GOLDEN_ROWS,
                         ids=[f"{c}/{f}" for c, f, _ in GOLDEN_ROWS])
def test_rendered_file_matches_its_golden_file(case, filename, config):
    body = render_file(config, filename)
    path = GOLDEN / case / filename
    if os.environ.get("REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert body == path.read_bytes()


@pytest.mark.parametrize(("case", "filename", "config"), GOLDEN_ROWS,
                         ids=[f"{c}/{f}" for c, f, _ in GOLDEN_ROWS])
def test_every_emitted_setting_is_documented_with_a_source(case, filename, config):
    allowed = registry()[config.vendor].ALLOWED_SETTINGS
    undocumented = set(setting_names(config.vendor, render_file(config, filename))) - set(allowed)
    assert not undocumented
    assert all(source.strip() for source in allowed.values())


def test_at_least_three_models_of_each_vendor_have_golden_files():
    for vendor, families in (("snom", {"D7", "D3", "D8"}), ("yealink", {"T4", "T5", "T3"})):
        models = {CASES[c][1] for c in CASES if CASES[c][0] == vendor}
        assert {m[:2] for m in models} == families


def test_snom_output_is_well_formed_xml_in_utf8():
    for _case, filename, config in GOLDEN_ROWS:
        if config.vendor == "snom":
            root = etree.fromstring(render_file(config, filename))
            assert root.tag in {"settings", "setting-files", "firmware-settings"}


def test_yealink_output_starts_with_the_version_line_and_has_one_key_per_line():
    config = config_for("yealink-T46U")
    text = render_file(config, "805ec0d57d72.cfg").decode()
    assert text.startswith("#!version:1.0.0.1\n")
    assert all(" = " in line for line in text.splitlines()[1:] if line)


def test_rendering_is_deterministic():
    for case in CASES:
        config = config_for(case)
        for name in served_files(config):
            assert render_file(config, name) == render_file(config_for(case), name)


def test_the_same_phone_renders_the_same_dst_rules_in_another_year():
    earlier, later = config_for("yealink-T46U"), config_for("yealink-T46U")
    later = replace(later, year=2026)
    assert render_file(earlier, "805ec0d57d72.cfg") == render_file(later, "805ec0d57d72.cfg")


def test_the_credential_file_carries_the_sip_accounts():
    snom = render_file(config_for("snom-D785"), "000413A11FA7.xml")
    assert b"<user_pass idx=\"1\" perm=\"R\">s3cret-1001</user_pass>" in snom
    assert b"<user_pname idx=\"2\" perm=\"R\">team-1099</user_pname>" in snom
    yealink = render_file(config_for("yealink-T54W"), "249ad8a1b2c3.cfg")
    assert b"account.2.password = s3cret-1099\n" in yealink
    assert b"account.1.sip_server.1.transport_type = 2\n" in yealink


@pytest.mark.parametrize("case", list(CASES))
def test_unassigned_device_gets_no_credentials_but_keeps_asking(case):
    config = config_for(case, assigned=False)
    for name in served_files(config):
        body = render_file(config, name)
        assert b"s3cret" not in body and b"user_pass" not in body and b"password" not in body
        if not name.endswith("-firmware.xml"):  # that one only names the firmware image
            assert BASE_URL.encode() in body


@pytest.mark.parametrize("case", list(CASES))
def test_credential_free_files_never_carry_credentials_even_for_an_assigned_phone(case):
    config = config_for(case)
    vendor = registry()[config.vendor]
    names = vendor.device_filenames(config.model, config.mac)
    for kind, name in names.items():
        if vendor.files[kind].template and not vendor.files[kind].carries_credentials:
            try:
                body = render_file(config, name)
            except NotServed:
                continue
            assert b"s3cret" not in body


def test_the_credential_free_first_file_carries_our_ca_certificate():
    body = CA_PEM.split("-----")[2].replace("\n", "")
    snom = etree.fromstring(render_file(config_for("snom-D385", assigned=False), "snomD385.xml"))
    assert [c.text for c in snom.iter("certificate")] == [body]
    assert snom.find("certificates/certificate").get("type") == "base64"
    yealink = render_file(config_for("yealink-T33G", assigned=False), "y000000000124.cfg")
    assert f"static.trusted_certificates.url = {BASE_URL}ca.crt\n".encode() in yealink
    assert render_file(config_for("yealink-T33G"), "ca.crt") == CA_PEM.encode()


def test_without_a_ca_certificate_no_trust_setting_is_written():
    config = replace(config_for("yealink-T33G"), ca_certificate_pem=None)
    assert b"trusted_certificates" not in render_file(config, "y000000000124.cfg")
    with pytest.raises(NotServed):
        render_file(config, "ca.crt")


def test_blf_pickup_code_is_written_only_where_one_is_routed():
    snom = render_file(config_for("snom-D865"), "00087B0C3D4E.xml").decode()
    assert ">blf 1002|*8</fkey>" in snom and ">blf 1003</fkey>" in snom
    yealink = render_file(config_for("yealink-T46U"), "805ec0d57d72.cfg").decode()
    assert "linekey.3.extension = *8" in yealink and "linekey.4.extension" not in yealink


def test_snom_firmware_file_is_not_served_without_a_firmware_url():
    with pytest.raises(NotServed):
        render_file(config_for("snom-D385"), "snomD385-firmware.xml")
    firmware = etree.fromstring(render_file(config_for("snom-D785"), "snomD785-firmware.xml"))
    assert firmware.findtext("firmware") == "https://fw.example.net/snomD785.bin"


def test_yealink_boot_files_are_recognised_but_not_served():
    for name in ("805ec0d57d72.boot", "y000000000000.boot"):
        with pytest.raises(NotServed):
            render_file(config_for("yealink-T46U"), name)


def test_a_file_named_for_another_phone_is_refused():
    with pytest.raises(ValueError, match="another device"):
        render_file(config_for("snom-D785"), "000413FFFFFE.xml")
    with pytest.raises(LookupError):
        render_file(config_for("snom-D785"), "805ec0d57d72.cfg")


def test_keys_beyond_the_model_are_left_out():
    config = config_for("yealink-T33G")
    many = KEYS + (Key(position=13, kind="speed_dial", target="1", label="13th"),)
    body = render_file(replace(config, keys=many), "44dbd2112233.cfg")
    assert b"linekey.13" not in body and b"linekey.6.type = 13" in body


def test_phonebook_url_is_written_when_set():
    config = replace(config_for("yealink-T54W"),
                     phonebook_url="https://prov.example.net/pb/1?q=#SEARCH")
    assert b"remote_phonebook.data.1.url = https://prov.example.net/pb/1?q=#SEARCH\n" in \
        render_file(config, "249ad8a1b2c3.cfg")
    snom = replace(config_for("snom-D385"), phonebook_url="https://prov.example.net/pb/1?a=1&b=2")
    root = etree.fromstring(render_file(snom, "000413B22FB8.xml"))
    assert root.findtext(".//dkey_directory") == "url https://prov.example.net/pb/1?a=1&b=2"
