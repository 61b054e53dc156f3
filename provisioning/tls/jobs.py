"""The daily "tls-renewal" job: renew the phones' server certificate before it expires and make
nginx read the new one.

The certificate and nginx are per host (``<instance>/tls``, ``<instance>/run``); every start
also renews, so a host that restarts within the renewal window never serves an expired one.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from provisioning.jobs.registry import JobKind
from provisioning.tls import certificates, nginx

log = logging.getLogger(__name__)

DAILY = 24 * 3600


def renew_phone_certificate(payload: dict[str, Any]) -> None:
    instance = current_app.instance_path
    result = certificates.ensure_phone_certificate(instance, current_app.config)
    if result.expires_soon:
        log.warning("the operator certificate for the phones expires %s: replace it",
                    result.not_valid_after.date())
    if result.changed:
        reloaded = nginx.reload(certificates.run_dir(instance))
        log.info("phones' server certificate renewed, valid until %s; nginx %s",
                 result.not_valid_after.isoformat(),
                 "reloaded" if reloaded else "not running (it reads it at start)")


JOBS = [JobKind("tls-renewal", renew_phone_certificate, interval_seconds=DAILY)]
