"""PnP SIP messages: each vendor's SUBSCRIBE read right, odd packets refused, answers built to
the phone that asked and no one else."""

import pytest

from provisioning.discovery import sip
from provisioning.discovery.view import phone_url
from tests.integration.pnp_phone import snom_subscribe, yealink_subscribe

SRC = ("192.0.2.10", 5060)


def test_snoms_form_gives_the_mac_vendor_model_and_firmware():
    request = sip.parse_subscribe(snom_subscribe("000413a1b2c3", SRC[0]))
    assert (request.mac, request.vendor, request.model, request.firmware) == (
        "000413a1b2c3", "snom", "D785", "10.1.33.33")


def test_yealinks_form_gives_the_mac_and_the_model_without_its_sip_prefix():
    request = sip.parse_subscribe(yealink_subscribe("805EC0A1B2C4", SRC[0]))
    assert (request.mac, request.vendor, request.model) == ("805ec0a1b2c4", "yealink", "T54W")


def test_old_snom_firmware_saying_oem_is_answered_without_a_model():
    data = snom_subscribe("000413a1b2c3", SRC[0]).replace(b'vendor="snom"', b'vendor="OEM"')
    request = sip.parse_subscribe(data)
    assert request.vendor == "oem" and request.model is None


@pytest.mark.parametrize("mangle", [
    lambda d: d.replace(b"SUBSCRIBE sip:", b"OPTIONS sip:", 1),
    lambda d: d.replace(b"ua-profile", b"presence"),
    lambda d: d.replace(b"MAC%3a", b"USER", 1),
    lambda d: d.replace(b"000413A1B2C3@", b"FFFFFFFFFFFF@", 1),  # broadcast MAC
    lambda d: d.replace(b"Call-ID:", b"X-Call:"),
    lambda d: d + b"x" * 9000,
    lambda d: b"\xff\xfe" + d,
])
def test_anything_else_is_not_pnp(mangle):
    with pytest.raises(sip.NotPnp):
        sip.parse_subscribe(mangle(snom_subscribe("000413a1b2c3", SRC[0])))


def test_the_200_copies_the_dialog_headers_adds_a_to_tag_and_expires_0():
    request = sip.parse_subscribe(snom_subscribe("000413a1b2c3", SRC[0]))
    text = sip.ok_response(request, SRC, "ourtag").decode()
    assert text.startswith("SIP/2.0 200 OK\r\n")
    assert f"rport=5060;received={SRC[0]}" in text
    assert "To: <sip:MAC%3a000413A1B2C3@pnp.example>;tag=ourtag" in text
    assert f"Call-ID: {request.first('call-id')}" in text and "CSeq: 1 SUBSCRIBE" in text
    assert "Expires: 0" in text


def test_the_notify_carries_the_url_in_the_subscriptions_dialog():
    request = sip.parse_subscribe(snom_subscribe("000413a1b2c3", SRC[0]))
    data = sip.notify_request(request, SRC, ("192.0.2.1", 40000), "ourtag", "abc",
                              "https://prov.example/p/s/")
    head, body = data.decode().split("\r\n\r\n")
    assert body == "https://prov.example/p/s/"
    assert "From: <sip:MAC%3a000413A1B2C3@pnp.example>;tag=ourtag" in head
    assert "Subscription-State: terminated;reason=timeout" in head
    assert "Content-Type: application/url" in head and "Event: ua-profile;" in head
    assert sip.response_branch(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:40000;"
                               b"branch=z9hG4bKabc\r\n\r\n") == (200, "abc")


def test_a_forged_contact_never_sends_the_notify_to_another_host():
    data = snom_subscribe("000413a1b2c3", SRC[0]).replace(
        f"Contact: <sip:{SRC[0]}:5060>".encode(), b"Contact: <sip:198.51.100.9:5070>")
    request = sip.parse_subscribe(data)
    assert sip.contact_target(request, SRC) == SRC
    own = sip.parse_subscribe(snom_subscribe("000413a1b2c3", SRC[0], port=5062))
    assert sip.contact_target(own, (SRC[0], 1234)) == (SRC[0], 5062)


@pytest.mark.parametrize("url,ok", [
    ("https://prov.example.com/p/abc/", True),
    ("http://192.0.2.1:8080/p/abc/", True),
    ("https://prov.local/p/abc/", False),
    ("https://PROV.LOCAL./p/abc/", False),
    ("ftp://prov.example.com/", False),
    (None, False),
])
def test_phones_are_never_given_a_dot_local_url(url, ok):
    assert (phone_url(url) is not None) is ok
