"""Which registered contact is which phone.

Several phones may register on one account (a desk phone, a softphone, a second desk phone);
re-sync and "is the assigned phone registered" need the contact of one device. Phones tell their
MAC: snom and Yealink put it in the SIP User-Agent (``snomD785/10.1.184.15 000413123456``,
``Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:56``) and in ``+sip.instance``
(``<urn:uuid:00000000-0000-1000-8000-000413123456>``). Without a MAC, the address the device
last fetched its configuration from is a weaker hint (phones behind one NAT share it), used
only when it singles out one contact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pbx.core import Contact

# 12 hex digits, optionally in pairs separated by ':' or '-', not inside a longer hex run.
_MAC = re.compile(r"(?<![0-9A-Fa-f])((?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{12})"
                  r"(?![0-9A-Fa-f])")


def macs_in(text: str | None) -> set[str]:
    if not text:
        return set()
    return {re.sub(r"[:-]", "", m).lower() for m in _MAC.findall(text)}


def host_of(uri: str) -> str:
    """The IP in 'sip:u@192.0.2.1:5060;transport=udp', 'udp:192.0.2.1:5060', 'sip:[::1]:5060'."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri  # drop the scheme or protocol
    rest = re.split(r"[;>?]", rest.split("@", 1)[-1])[0]
    if rest.startswith("["):
        return rest[1:rest.find("]")]
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest


def contact_host(contact: Contact) -> str | None:
    """The IP the phone is reachable at: the source of its registration, else its Contact."""
    for uri in (contact.source, contact.address):
        if uri:
            return host_of(uri)
    return None


@dataclass(frozen=True)
class Match:
    contact: Contact
    is_device: bool | None  # True: it is the device; False: another phone; None: cannot tell
    matched_by: str | None  # "mac" or "address"


def match_device(contacts: Sequence[Contact], mac: str, last_address: str | None = None
                 ) -> list[Match]:
    """Each contact of the device's account, said to be the device or not."""
    mac = mac.lower()
    out: list[Match] = []
    undecided: list[int] = []
    for contact in contacts:
        seen = macs_in(contact.user_agent) | macs_in(contact.instance)
        if mac in seen:
            out.append(Match(contact, True, "mac"))
        elif seen:
            out.append(Match(contact, False, "mac"))  # a phone that names another MAC
        else:
            out.append(Match(contact, None, None))
            undecided.append(len(out) - 1)
    if last_address and not any(m.is_device for m in out):
        by_address = [i for i in undecided if contact_host(out[i].contact) == last_address]
        if len(by_address) == 1:
            i = by_address[0]
            out[i] = Match(out[i].contact, True, "address")
    return out
