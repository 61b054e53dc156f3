"""The phones' path: ``GET|HEAD /p/<tenant secret>/<file name>``, the service's hot path.

A request is answered from memory and the render store alone, never a query of the service's
database for a known device:

1. refuse an address a scan got blocked (per-worker memory; see ``defence``);
2. the tenant from the URL secret (``directory``: the store's tenant records, cached);
3. the file name: a plain name of at most 200 characters ([A-Za-z0-9._-], no "..");
   ``ca.crt`` is our CA's certificate;
4. identification (``vendors.identify.extract``: User-Agent, then name, then ``?mac=``) and the
   file the name designates; the MAC in the name wins over one in the User-Agent;
5. a device of this tenant: its stored file in the variant ``serving.decide`` allows; anyone
   else (unknown MAC, another tenant's device, no MAC): the generic credential-free file
   (``unknown``), and an unknown MAC is counted against scans and listed as unrecognised;
6. ETag / If-None-Match (304 from the stored ETag, before decrypting anything); credentials are
   ``Cache-Control: no-store``, the rest ``no-cache``; the device's phonebook (``phonebook_sync``,
   shared with devices of the same selection in the store) only under the credentials rule;
7. the fetch is recorded in memory (``fetches``), one INFO line logged (never the secret).

A known device's file that the store cannot give whole is a 503 with Retry-After, never a 404
and never a partial file (a Yealink in overwrite mode resets every missing key).
"""

from __future__ import annotations

import logging
import re
import sqlite3

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.http import unquote_etag

from provisioning.crypto import secret_box
from provisioning.phones import proxy, serving, unknown
from provisioning.phones.configs import etag_for
from provisioning.phones.defence import Refusal, ScanDefence
from provisioning.phones.directory import StoreUnavailable, TenantDirectory
from provisioning.phones.fetches import FetchRecorder
from provisioning.vendors.base import CA_CERTIFICATE_FILENAME
from provisioning.vendors.identify import extract, parse_path
from provisioning.vendors.registry import registry

log = logging.getLogger("provisioning.phones")

bp = Blueprint("phones", __name__)

MAX_NAME = 200
MAX_QUERY = 256
MAX_USER_AGENT = 300
RETRY_AFTER_UNAVAILABLE = "30"
_SECRET = re.compile(r"^[0-9a-f]{32}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CA_CONTENT_TYPE = "application/x-x509-ca-cert"


@bp.record_once
def _setup(state) -> None:
    app: Flask = state.app
    app.extensions["provisioning.phone_tenants"] = TenantDirectory(
        float(app.config["PHONE_TENANT_CACHE_SECONDS"]))
    app.extensions["provisioning.fetch_recorder"] = FetchRecorder(app)
    app.extensions["provisioning.scan_defence"] = ScanDefence()


def recorder() -> FetchRecorder:
    """The worker's fetch recorder (TFTP records through it too, with protocol="tftp")."""
    return current_app.extensions["provisioning.fetch_recorder"]


def _plain(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, headers=headers or {}, content_type="text/plain")


def _not_found() -> Response:
    return _plain(404, b"not found\n")


def _unavailable() -> Response:
    return _plain(503, b"unavailable\n", {"Retry-After": RETRY_AFTER_UNAVAILABLE})


def _refused(refusal: Refusal) -> Response:
    body = b"slow down\n" if refusal.status == 429 else b"refused\n"
    return _plain(refusal.status, body, {"Retry-After": str(refusal.retry_after)})


def _headers(etag: str, credentials: bool) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": "no-store" if credentials else "no-cache"}


def _unchanged(etag: str) -> bool:
    return request.if_none_match.contains_weak(unquote_etag(etag)[0])


def _file(body: bytes, etag: str, content_type: str, credentials: bool) -> Response:
    """200, or 304 when the phone already has these bytes (If-None-Match)."""
    if _unchanged(etag):
        return Response(status=304, headers=_headers(etag, credentials))
    return Response(body, status=200, headers=_headers(etag, credentials),
                    content_type=content_type)


def _log(tenant: dict | None, mac: str | None, name: str, status: int, variant: str) -> None:
    """What the phone fetched, added to the request's one access-log line (``logs``): a
    second line per request would double the logging cost on the hot path."""
    g.phone_fetch = {"tenant": tenant["tenant_id"] if tenant else "-", "mac": mac or "-",
                     "file": name, "variant": variant}


# merge_slashes off: werkzeug would answer "//" with a redirect built from the Host header.
@bp.get("/p/<secret>/<path:filename>", merge_slashes=False)
def phone_file(secret: str, filename: str) -> Response:
    view = proxy.client_view()
    defence: ScanDefence = current_app.extensions["provisioning.scan_defence"]
    refusal = defence.blocked(view.addr)
    if refusal is not None:
        return _refused(refusal)
    if not _SECRET.match(secret):
        return _not_found()
    store = current_app.extensions["provisioning.render_store"]
    directory: TenantDirectory = current_app.extensions["provisioning.phone_tenants"]
    try:
        tenant = directory.tenant_for(
            store, secret, max_age=float(current_app.config["PHONE_TENANT_CACHE_SECONDS"]))
    except StoreUnavailable:
        return _unavailable()
    if tenant is None:
        return _not_found()
    if (len(filename) > MAX_NAME or len(request.query_string) > MAX_QUERY
            or not _NAME.match(filename) or ".." in filename):
        _log(tenant, None, "(malformed)", 400, "-")
        return _plain(400, b"bad request\n")
    if filename == CA_CERTIFICATE_FILENAME:
        pem = current_app.extensions["provisioning.ca_pem"].encode("ascii")
        response = _file(pem, etag_for(pem), CA_CONTENT_TYPE, False)
        _log(tenant, None, filename, response.status_code, "ca")
        return response
    try:
        return _serve(store, tenant, filename, view, defence)
    except (sqlite3.Error, OSError) as exc:
        log.error("render store unreadable: %s", exc)
        _log(tenant, None, filename, 503, "-")
        return _unavailable()


def _serve(store, tenant: dict, filename: str, view: proxy.ClientView,
           defence: ScanDefence) -> Response:
    user_agent = (request.headers.get("User-Agent") or "")[:MAX_USER_AGENT]
    identity = extract(user_agent, filename, request.args)
    wanted = parse_path(filename, identity.vendor if identity else None)
    if identity is None or wanted is None:
        _log(tenant, None, filename, 404, "-")
        return _not_found()
    mac = wanted.mac or identity.mac
    device = store.device(mac) if mac else None
    if mac and not serving.owned(device, tenant):
        device = None  # another tenant's device is unknown here, in every respect
        refusal = defence.unknown_mac(view.addr, mac)
        if refusal is not None:
            _log(tenant, mac, filename, refusal.status, "-")
            return _refused(refusal)
    if device is not None:
        response, variant = _known(store, device, tenant, wanted, identity, user_agent, view,
                                   filename)
    else:
        response, variant = _generic(tenant, wanted, identity, mac, filename)
        if mac:
            recorder().record(tenant["tenant_id"], protocol=view.transport, addr=view.addr,
                              user_agent=user_agent, firmware=identity.firmware, mac=mac,
                              vendor=identity.vendor, model=wanted.model or identity.model)
    _log(tenant, mac, filename, response.status_code, variant)
    return response


def _generic(tenant: dict, wanted, identity, mac: str | None,
             filename: str) -> tuple[Response, str]:
    try:
        public = unknown.public_file(wanted.vendor, wanted.model or identity.model, mac, filename,
                                     tenant, current_app.extensions.get("provisioning.ca_pem"))
    except LookupError:  # NotServed too: a name the vendor recognises but never sends
        return _not_found(), "-"
    return _file(public.body, public.etag, public.content_type, False), "generic"


def _phonebook(store, device, tenant: dict, vendor,
               view: proxy.ClientView) -> tuple[Response, str]:
    """The device's phonebook, under the same rule as its credentials (it may hold private
    contacts): only where ``serving.decide`` gives the full variant; otherwise 404. A 304 is
    answered from the stored ETag without reading the body."""
    cert_mac = None
    if serving.requires_mtls(device, tenant) and view.transport == "https":
        cert_mac = proxy.verified_cert_mac(view, device.mac)
    decision = serving.decide(device, tenant, view.addr, view.transport, cert_mac)
    if not decision.credentials:
        return _not_found(), decision.variant
    name = vendor.phonebook_filename(device.model, device.mac)
    book = store.phonebook(tenant["tenant_id"], device.mac, name, with_body=False)
    if book is None:
        return _not_found(), "phonebook"
    headers = {"ETag": book.etag, "Cache-Control": "private, no-cache"}
    if _unchanged(book.etag):
        return Response(status=304, headers=headers), "phonebook"
    book = store.phonebook(tenant["tenant_id"], device.mac, name)
    if book is None or book.body is None:  # replaced in between: the phone asks again
        return _unavailable(), "phonebook"
    return Response(book.body, status=200, headers=headers,
                    content_type=book.content_type), "phonebook"


def _known(store, device, tenant: dict, wanted, identity, user_agent: str,
           view: proxy.ClientView, filename: str) -> tuple[Response, str]:
    vendor = registry()[device.vendor]
    spec = vendor.files.get(wanted.kind) if wanted.vendor == device.vendor else None
    canonical = vendor.device_filenames(device.model, device.mac).get(wanted.kind)
    seen = {"protocol": view.transport, "addr": view.addr, "user_agent": user_agent,
            "firmware": identity.firmware, "device_id": device.device_id}
    if vendor.phonebook is not None and wanted.vendor == device.vendor \
            and wanted.kind == vendor.phonebook.kind:
        recorder().record(tenant["tenant_id"], **seen)
        return _phonebook(store, device, tenant, vendor, view)
    if spec is None or spec.template is None:
        recorder().record(tenant["tenant_id"], **seen)
        return _not_found(), "-"
    if canonical is None:  # e.g. a common file of another model: the generic one will do
        recorder().record(tenant["tenant_id"], **seen)
        return _generic(tenant, wanted, identity, device.mac, filename)
    variant = serving.PUBLIC
    if spec.carries_credentials:
        cert_mac = None
        if serving.requires_mtls(device, tenant) and view.transport == "https":
            cert_mac = proxy.verified_cert_mac(view, device.mac)
        decision = serving.decide(device, tenant, view.addr, view.transport, cert_mac)
        variant = decision.variant
    stored = store.file(tenant["tenant_id"], device.mac, canonical, variant)
    if stored is None:
        recorder().record(tenant["tenant_id"], **seen)
        if spec.carries_credentials:
            log.error("render store lacks %s (%s) of device %s", canonical, variant, device.mac)
            return _unavailable(), variant
        return _generic(tenant, wanted, identity, device.mac, filename)  # NotServed: 404
    credentials = variant == serving.FULL
    if _unchanged(stored.etag):  # from the stored ETag: nothing decrypted, nothing rendered
        response = Response(status=304, headers=_headers(stored.etag, credentials))
    else:
        body = stored.body
        if stored.encrypted:
            try:
                body = secret_box().decrypt(stored.body.decode()).encode()
            except RuntimeError:
                log.error("stored file of device %s cannot be decrypted", device.mac)
                recorder().record(tenant["tenant_id"], **seen)
                return _unavailable(), variant
        response = _file(body, stored.etag, stored.content_type, credentials)
    # The phone now runs this version when it got the file that carries its settings, in the
    # variant meant for it (an unassigned device's public file is all it is meant to have).
    completes = spec.carries_credentials and (credentials or not device.assigned)
    recorder().record(tenant["tenant_id"], **seen, filename=canonical,
                      status=response.status_code, version=stored.version,
                      credentials=credentials, completes_version=completes)
    return response, variant

