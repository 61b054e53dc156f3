"""The service's own CA, its HTTPS server certificate, and phones' factory-certificate checks.

Pure library code: no Flask, no database. The service calls it at start-up and from jobs; the
phone-facing request path calls ``verify_device_certificate`` with what the TLS proxy passed on.

    cert.ca        create_ca / load_ca / load_or_create_ca -> CA
    cert.server    issue_server_certificate, needs_renewal, ensure_server_certificate
    cert.operator  validate_operator_certificate (an operator's public-CA chain)
    cert.devices   DeviceTrust, verify_device_certificate -> DeviceCertificateResult
    cert.testing   fake snom/Yealink CAs and device certificates, for tests only
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
