"""The bundled SIP core: what the service needs from a SIP server, and the one that ships.

    pbx.core      SipCore (the interface), Subscriber, Contact, NotifyResult, CoreUnavailable
    pbx.contacts  which registered contact is which phone (MAC in User-Agent / sip.instance)
    pbx.kamailio  KamailioCore: configuration template, its own database, JSON-RPC client
    pbx.process   the supervisor's ProcessSpec for Kamailio in the foreground

Kamailio is the core shipped (Debian 12 has no Asterisk). A second core would implement
``SipCore`` and bring its own process spec; the service only talks to the interface.
No Flask here: the service passes plain settings in.
"""

from pbx.core import (
    Contact,
    CoreUnavailable,
    NotifyResult,
    SipCore,
    Subscriber,
    ha1,
    ha1b,
)

__all__ = [
    "Contact",
    "CoreUnavailable",
    "NotifyResult",
    "SipCore",
    "Subscriber",
    "ha1",
    "ha1b",
]
