"""Escaping by construction (threat T7): hostile names, labels and passwords cannot break a file.

Whatever a display name, label, password or key target holds (markup, quotes, line breaks of any
Unicode kind, control characters, emoji, right-to-left text) the snom XML still parses to the same
elements and the Yealink .cfg keeps exactly the same keys, one per line.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from provisioning.render import DeviceConfig, Key, Line, render_file, single_line

HOSTILE_SAMPLES = [
    "Bob\nstatic.security.user_password=admin:0000",
    "Bob\r\naccount.1.password = x",
    "</user_realname><user_pass idx=\"1\">x</user_pass>",
    "]]><!--", "${x}", "{{ 7*7 }}", "&amp; & < > \" '",
    "A\u2028linekey.9.type = 16", "B\u2029C\u0085D", "\x00\x01\x08\x0b\x0c\x1b\x7f\x9f",
    "مرحبا עברית \u202e\u202dRTL", "Ünïcödé 漢字 😀📞", "\ud800", "\ufffe\uffff",
    "#!version:1.0.0.1",
]
hostile = st.one_of(
    st.sampled_from(HOSTILE_SAMPLES),
    st.text(alphabet=st.characters(codec=None), max_size=40),
    st.lists(st.sampled_from(HOSTILE_SAMPLES + ["\n", "<", "&", "=", " = ", "x"]), max_size=6)
    .map("".join),
)


def config(vendor: str, model: str, mac: str, text: str) -> DeviceConfig:
    line = Line(user="1001", auth_user="1001", password=text or "x", domain="pbx.example.net",
                registrar_host="pbx.example.net", display_name=text, label=text or "x")
    keys = (Key(1, "blf", target=text, label=text, pickup_code="*8"),
            Key(2, "speed_dial", target=text, label=text), Key(3, "line", label=text))
    return DeviceConfig(vendor=vendor, model=model, mac=mac, year=2025, lines=(line,), keys=keys,
                        provisioning_url="https://prov.example.net/", language="de",
                        timezone="Europe/Berlin")


def snom_tree(text: str) -> etree._Element:
    return etree.fromstring(render_file(config("snom", "D785", "000413a11fa7", text),
                                        "000413A11FA7.xml"))


def yealink_keys(text: str) -> list[str]:
    body = render_file(config("yealink", "T46U", "805ec0d57d72", text), "805ec0d57d72.cfg")
    lines = body.decode("utf-8").split("\n")
    assert lines[0] == "#!version:1.0.0.1" and lines[-1] == ""
    return [line.partition(" = ")[0] for line in lines[1:-1]]


BENIGN_TAGS = [el.tag for el in snom_tree("x").iter()]
BENIGN_KEYS = yealink_keys("x")


@given(hostile)
def test_snom_xml_stays_well_formed_with_the_same_elements(text):
    tree = snom_tree(text)
    assert [el.tag for el in tree.iter()] == BENIGN_TAGS
    assert (tree.findtext(".//user_realname") or "") == single_line(text)
    assert tree.find(".//fkey[@idx='1']").get("label") == single_line(text)


@given(hostile)
def test_yealink_cfg_keeps_exactly_its_keys(text):
    assert yealink_keys(text) == BENIGN_KEYS


@given(hostile)
def test_a_value_never_contains_a_line_break_or_control_character(text):
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", single_line(text))


def test_each_known_attack_string_is_harmless_in_both_formats():
    for text in HOSTILE_SAMPLES:
        assert [el.tag for el in snom_tree(text).iter()] == BENIGN_TAGS, text
        assert yealink_keys(text) == BENIGN_KEYS, text
