"""Which file names the TFTP server even considers: a strict allow-list, checked before tftpy
sees the request.

TFTP has no authentication and a scanner finds it first, so a name is either a plain file name
at the root (what snom and Yealink phones ask for: snom treats the first ``/`` specially, so
everything lives at the root) or ``firmware/<plain name>``; anything else (``../``, absolute
paths, backslashes, NUL, control characters, over-long names, other directories) is refused
with a TFTP error and one log line. One leading ``/`` on a plain name is the root itself
(some firmware sends ``/y000000000000.boot``) and is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NAME_LENGTH = 128
FIRMWARE_PREFIX = "firmware/"
FIRMWARE_EXTENSIONS = (".bin", ".rom")
# Letters, digits and . _ + - only, starting with a letter or digit: no dot files, no "..",
# no separators, nothing a shell or a path join could read as anything but a name.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True)
class Name:
    """A name that passed the checks: the root file name, and whether it is a firmware image."""

    name: str
    firmware: bool


class UnsafeName(ValueError):
    """Refused before any lookup; the message says why (for the log line, not the client)."""


def check_name(raw: str) -> Name:
    if len(raw) > MAX_NAME_LENGTH:
        raise UnsafeName("name too long")
    if "\x00" in raw:
        raise UnsafeName("NUL in name")
    if "\\" in raw:
        raise UnsafeName("backslash in name")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise UnsafeName("control character in name")
    name = raw[1:] if raw.startswith("/") and raw.count("/") == 1 else raw
    firmware = False
    if name.startswith(FIRMWARE_PREFIX):
        name, firmware = name[len(FIRMWARE_PREFIX):], True
    if "/" in name:
        raise UnsafeName("directory in name")
    if ".." in name or not _PLAIN.match(name):
        raise UnsafeName("not a plain file name")
    return Name(name, firmware or name.lower().endswith(FIRMWARE_EXTENSIONS))
