"""Kamailio, the SIP core shipped: configuration, its own database, JSON-RPC, the core object."""

from pbx.kamailio.core import KamailioCore
from pbx.kamailio.settings import KamailioSettings

__all__ = ["KamailioCore", "KamailioSettings"]
