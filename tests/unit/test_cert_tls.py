"""The certificates work in a real TLS handshake: OpenSSL via Python's ssl, in memory, no sockets.

A phone that trusts our CA accepts the server certificate by host name and by address, and the
server receives the phone's factory certificate, which then passes the device check.
"""

from __future__ import annotations

import datetime as dt
import ssl

import pytest

from cert import testing
from cert.ca import create_ca
from cert.devices import verify_device_certificate
from cert.server import ensure_server_certificate


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, server_hostname: str):
    """Run both ends of a handshake over memory buffers; return the server's SSLObject."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_end = server.wrap_bio(to_server, to_client, server_side=True)
    client_end = client.wrap_bio(to_client, to_server, server_hostname=server_hostname)
    done = {"server": False, "client": False}
    for _ in range(20):
        for name, end in (("client", client_end), ("server", server_end)):
            if not done[name]:
                try:
                    end.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        if all(done.values()):
            return server_end
    raise AssertionError("handshake did not finish")


@pytest.fixture
def tls_files(tmp_path):
    ca = create_ca(tmp_path / "ca", "Provisioning CA")
    now = dt.datetime.now(dt.UTC)
    server = ensure_server_certificate(
        ca, tmp_path / "tls", ["prov.example.net"], ["192.0.2.10"], now
    )
    return ca, server


def server_context(server, vendor_bundle: bytes) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server.cert_path, server.key_path)
    # like nginx's ssl_verify_client optional: phones without a certificate still connect
    context.verify_mode = ssl.CERT_OPTIONAL
    context.load_verify_locations(cadata=vendor_bundle.decode())
    return context


@pytest.mark.parametrize("server_hostname", ["prov.example.net", "192.0.2.10"])
def test_phone_trusting_our_ca_accepts_the_server_and_presents_its_certificate(
    tls_files, tmp_path, server_hostname
):
    ca, server = tls_files
    snom = testing.snom_ca()
    phone = testing.snom_device_certificate(snom, "000413a11fa7")
    cert_file, key_file = phone.write(tmp_path / "phone")

    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(ca.cert_path)
    client.load_cert_chain(cert_file, key_file)
    server_end = handshake(server_context(server, snom.pem), client, server_hostname)

    presented = ssl.DER_cert_to_PEM_cert(server_end.getpeercert(binary_form=True))
    result = verify_device_certificate(
        testing.nginx_escape(presented), [snom.certificate], "00:04:13:A1:1F:A7"
    )
    assert result.ok, result.reason


def test_phone_that_does_not_trust_our_ca_refuses_the_server(tls_files):
    _, server = tls_files
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cadata=testing.make_ca("Someone Else").pem.decode())
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_context(server, testing.snom_ca().pem), client, "prov.example.net")


def test_server_certificate_does_not_answer_for_other_names(tls_files):
    ca, server = tls_files
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(ca.cert_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_context(server, testing.snom_ca().pem), client, "evil.example.net")
