"""The service's own CA, its HTTPS server certificate, and phones' factory-certificate checks.

Pure library code: no Flask, no database. The service calls it at start-up and from jobs; the
phone-facing request path calls ``verify_device_certificate`` with what the TLS proxy passed on.

    cert.ca        create_ca / load_ca / load_or_create_ca -> CA
    cert.server    issue_server_certificate, needs_renewal, ensure_server_certificate
    cert.operator  validate_operator_certificate (an operator's public-CA chain)
    cert.devices   DeviceTrust, verify_device_certificate -> DeviceCertificateResult
    cert.testing   fake snom/Yealink CAs and device certificates, for tests only

Wiring mutual TLS behind nginx (the application re-checks; nginx's verdict is not the decision):

    ssl_certificate         <dir>/server.crt;    # from ensure_server_certificate
    ssl_certificate_key     <dir>/server.key;
    ssl_verify_client       optional_no_ca;      # phones without a certificate still connect
    ssl_client_certificate  <vendor bundles>;    # only names the CAs offered in the handshake
    proxy_set_header        X-SSL-Client-Cert $ssl_client_escaped_cert;  # strip it from anyone else

then ``verify_device_certificate(request.headers.get("X-SSL-Client-Cert"), trust, mac)`` with a
``DeviceTrust.from_files(...)`` built once at start-up.
"""

from cert.ca import CA, CAError, create_ca, load_ca, load_or_create_ca
from cert.devices import (
    DeviceCertificateResult,
    DeviceTrust,
    parse_client_certificate,
    verify_device_certificate,
)
from cert.operator import OperatorCertificateError, validate_operator_certificate
from cert.server import (
    ServerCertificate,
    ensure_server_certificate,
    issue_server_certificate,
    needs_renewal,
)

__all__ = [
    "CA",
    "CAError",
    "DeviceCertificateResult",
    "DeviceTrust",
    "OperatorCertificateError",
    "ServerCertificate",
    "create_ca",
    "ensure_server_certificate",
    "issue_server_certificate",
    "load_ca",
    "load_or_create_ca",
    "needs_renewal",
    "parse_client_certificate",
    "validate_operator_certificate",
    "verify_device_certificate",
]
