"""Which TFTP request names are even looked up: plain root names and firmware/<name> only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tftp.names import MAX_NAME_LENGTH, Name, UnsafeName, check_name


@pytest.mark.parametrize("raw,expected", [
    ("snomD785.htm", Name("snomD785.htm", False)),
    ("snomD785-000413A1B2C3.htm", Name("snomD785-000413A1B2C3.htm", False)),
    ("805ec0a1b2c4.cfg", Name("805ec0a1b2c4.cfg", False)),
    ("/y000000000000.boot", Name("y000000000000.boot", False)),  # the root, spelt absolute
    ("firmware/T54W-96.86.0.70.rom", Name("T54W-96.86.0.70.rom", True)),
    ("snomD785-10.1.33.33-SIP-r.bin", Name("snomD785-10.1.33.33-SIP-r.bin", True)),
])
def test_phone_file_names_pass(raw, expected):
    assert check_name(raw) == expected


@pytest.mark.parametrize("raw", [
    "../x", "a/../b", "/etc/passwd", "//x", "\\x", "..\\x", "x\x00y", "x\ny", "x\x7f",
    "sub/x.cfg", "firmware/../x", "firmware/sub/x.bin", "/firmware/x.bin", ".hidden", "..",
    "x..y", "%2e%2e%2fx", "", "a" * (MAX_NAME_LENGTH + 1), "snom D785.htm", "é.cfg",
])
def test_anything_else_is_refused(raw):
    with pytest.raises(UnsafeName):
        check_name(raw)


@given(st.text(max_size=200))
def test_a_name_that_passes_never_leaves_the_root(raw):
    try:
        name = check_name(raw)
    except UnsafeName:
        return
    assert "/" not in name.name and "\\" not in name.name and ".." not in name.name
    assert not name.name.startswith(".") and len(name.name) <= MAX_NAME_LENGTH
