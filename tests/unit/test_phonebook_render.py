"""The vendors' phonebook documents: golden files, well-formed XML whatever the names, and the
model cut (favourites first, then alphabetical).

Golden files live in tests/unit/golden/phonebook-<vendor>/. After a deliberate change, rewrite
them with ``REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_phonebook_render.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from phonebook_sync import Entry, Limits, cut, limits_for
from phonebook_sync.entries import display_name
from provisioning.render import single_line
from provisioning.vendors.registry import registry

GOLDEN = Path(__file__).parent / "golden"
ENTRIES = [
    Entry("Müller, Anna", (("office", "+49301234567"), ("mobile", "+4917012345678")),
          favourite=True),
    Entry("Pizza <Roma> & \"Sons\"", (("office", "0301234"),)),
    Entry("שלום, דוד", (("home", "+97221234567"),)),
    Entry("Support 😀", (("other", "*21#"),)),
]


@pytest.mark.parametrize("vendor", ["snom", "yealink"])
def test_the_phonebook_matches_its_golden_file(vendor):
    body = registry()[vendor].render_phonebook(cut(ENTRIES, limits_for(None, None)).entries,
                                               "Sales & Support")
    path = GOLDEN / f"phonebook-{vendor}" / "directory.xml"
    if os.environ.get("REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert body == path.read_bytes()


def test_snom_lists_one_directory_entry_per_number_named_by_its_kind():
    root = etree.fromstring(registry()["snom"].render_phonebook(ENTRIES[:1], "Phonebook"))
    assert [(e.findtext("Name"), e.findtext("Telephone")) for e in root.iter("DirectoryEntry")] \
        == [("Müller, Anna (office)", "+49301234567"), ("Müller, Anna (mobile)",
                                                          "+4917012345678")]


def test_yealink_lists_every_number_under_one_entry():
    root = etree.fromstring(registry()["yealink"].render_phonebook(ENTRIES[:1], "Phonebook"))
    (entry,) = root.iter("DirectoryEntry")
    assert [t.text for t in entry.iter("Telephone")] == ["+49301234567", "+4917012345678"]


# Any text a name could hold: XML metacharacters, controls (C0, C1, DEL), line separators,
# surrogates excluded by hypothesis' text(), non-characters, emoji, right-to-left marks.
HOSTILE = st.text(st.one_of(
    st.sampled_from(list("<>&\"'\x00\x01\x08\x0b\x0c\x1f\x7f\x85\x9f\u2028\u2029\ufffe\uffff"
                         "\u202e\u200f\u061c😀]]>")),
    st.characters()), max_size=40)


@given(names=st.lists(HOSTILE, min_size=1, max_size=6), title=HOSTILE,
       number=st.text("+0123456789*#", min_size=1, max_size=20))
@pytest.mark.parametrize("vendor", ["snom", "yealink"])
def test_every_rendered_phonebook_is_well_formed_whatever_the_names(vendor, names, title, number):
    entries = [Entry(name, (("office", number), ("mobile", number))) for name in names]
    body = registry()[vendor].render_phonebook(entries, title)
    root = etree.fromstring(body)  # raises on anything not well-formed
    rendered = [e.text or "" for e in root.iter("Name")]
    expected = [single_line(n) for n in names]
    if vendor == "snom":
        expected = [f"{n} ({kind})" for n in expected for kind in ("office", "mobile")]
    assert rendered == expected


def test_the_cut_keeps_favourites_first_then_alphabetical():
    entries = [Entry(name, (("office", "1"),), favourite=fav) for name, fav in (
        ("zeta", False), ("Alpha", False), ("mike", True), ("beta", False), ("Echo", True))]
    result = cut(entries, Limits(entries=3, name_length=None, source="test"))
    assert [e.name for e in result.entries] == ["Echo", "mike", "Alpha"]
    assert (result.total, result.kept, result.truncated) == (5, 3, True)


def test_an_unknown_limit_cuts_nothing_and_a_name_limit_shortens_names():
    entries = [Entry("A" * 50, (("office", "1"),)), Entry("B", (("office", "2"),))]
    assert cut(entries, Limits(None, None, "unknown")).kept == 2
    short = cut(entries, Limits(None, 10, "test"))
    assert [e.name for e in short.entries] == ["A" * 10, "B"]


def test_every_model_states_its_phonebook_limits_or_that_none_was_found():
    for vendor in registry().values():
        for info in vendor.models.values():
            assert info.phonebook_source.strip()
            if info.phonebook_entries is None:
                continue
            assert info.phonebook_entries > 0


def test_names_read_last_comma_first_or_the_company():
    assert display_name("Anna", "Müller", "ACME") == "Müller, Anna"
    assert display_name("", "Müller", "ACME") == "Müller"
    assert display_name("", "", "ACME") == "ACME"
