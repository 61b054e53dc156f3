"""The vendor contract: everything the service must know about one phone vendor, in one place.

A vendor is one module (snom.py, yealink.py) plus one template folder (templates/devices/<name>/),
registered once in registry.py. The rest of the service never branches on a vendor name: it asks
the vendor object.

What a vendor states:

* ``name``: the registry key, also the template folder name and ``Device.vendor``.
* ``identify_user_agent(ua)``: vendor, model, firmware and MAC from an HTTP User-Agent, or None
  when the string is not one of this vendor's shapes. A shape without a MAC gives ``mac=None``.
* ``parse_path(filename)``: which of this vendor's files a request names (a ``FileRequest`` with
  the file kind, the MAC and model found in the name), or None when the name is not this vendor's.
* ``files``: for each file kind, its template, content type, and whether it carries credentials.
  A file that does not carry credentials is rendered without SIP accounts and keys even when the
  device has them: "credential-free" is a property of the file, not of the caller's care.
* ``models``: the model table (data, each row with its source).
* ``context(config, request)``: the plain values its templates need (language names, time zone
  encodings, key rows) derived from the vendor-neutral ``render.DeviceConfig``.
* ``ALLOWED_SETTINGS``: every setting name (snom) or key (Yealink) its templates may emit, each
  with the source that documents it. A test checks every rendered file against it.
* ``phonebook``: the phonebook document its phones fetch (a ``PhonebookFormat``: the file kind
  ``parse_path`` returns for its name, content type), ``phonebook_filename(model, mac)`` and
  ``render_phonebook(entries, title)``, or None when the vendor has none. The model table's
  ``phonebook_entries``/``phonebook_name_length`` are the limits (None: not found in any source,
  then nothing is cut).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from provisioning.render import DeviceConfig


# Served by the HTTP layer from DeviceConfig.ca_certificate_pem; Yealink's trusted-certificate URL
# points here (snom gets the certificate inline instead).
CA_CERTIFICATE_FILENAME = "ca.crt"


@dataclass(frozen=True)
class Identity:
    """What a request says about the phone that sent it. Any field may be unknown (None)."""

    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    mac: str | None = None  # 12 lower-case hex digits (provisioning.common.mac.normalize_mac)


@dataclass(frozen=True)
class FileRequest:
    """A file name understood by a vendor: its kind and what the name itself reveals."""

    vendor: str
    kind: str
    mac: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class FileSpec:
    """How one kind of file is produced. ``template=None`` means "recognised, never served"."""

    template: str | None
    content_type: str
    carries_credentials: bool
    description: str


@dataclass(frozen=True)
class ModelInfo:
    """One row of a vendor's model table."""

    name: str
    family: str
    max_lines: int | None  # SIP accounts/identities; None = not found in any source read
    max_keys: int | None  # programmable keys on the phone itself; None = not sourced
    common_file_id: str | None = None  # Yealink y0000000000XX.cfg id (3 digits)
    source: str = ""
    # What the phone's phonebook holds; None = not found in any source read (nothing is cut).
    phonebook_entries: int | None = None
    phonebook_name_length: int | None = None
    phonebook_source: str = "not found in the sources read"


@dataclass(frozen=True)
class PhonebookFormat:
    """The phonebook document a vendor's phones fetch from the URL in their configuration."""

    kind: str  # the file kind parse_path gives its name
    content_type: str
    description: str


class PhonebookEntry(Protocol):
    """What a vendor renders of one phonebook entry (phonebook_sync.Entry)."""

    @property
    def name(self) -> str: ...

    @property
    def numbers(self) -> Sequence[tuple[str, str]]: ...  # (kind, number)


def xml_text_escaper() -> Callable[[str], str]:
    """(value -> XML character data) for the phonebook renderers, which build 50,000 entries
    as text: every value is folded to one line of characters XML 1.0 allows
    (``render.single_line``) and then escaped; printable ASCII takes the short path."""
    from provisioning.render import single_line  # render imports the vendor registry

    def text(value: str) -> str:
        if not (value.isascii() and value.isprintable()):
            value = single_line(value)
        if "&" in value or "<" in value or ">" in value:
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value

    return text


class NotServed(LookupError):
    """The file name is recognised but there is nothing to send (e.g. no firmware URL is set)."""


class Vendor(abc.ABC):
    name: ClassVar[str]
    files: ClassVar[Mapping[str, FileSpec]]
    models: ClassVar[Mapping[str, ModelInfo]]
    ALLOWED_SETTINGS: ClassVar[Mapping[str, str]]

    @abc.abstractmethod
    def identify_user_agent(self, user_agent: str) -> Identity | None: ...

    @abc.abstractmethod
    def parse_path(self, filename: str) -> FileRequest | None: ...

    @abc.abstractmethod
    def device_filenames(self, model: str, mac: str) -> dict[str, str]:
        """File kind -> the file name this device asks for (for links and cache purges)."""

    @abc.abstractmethod
    def context(self, config: DeviceConfig, request: FileRequest) -> dict[str, Any]:
        """Template variables for ``request``; ``config`` is already stripped when needed."""

    phonebook: ClassVar[PhonebookFormat | None] = None

    def phonebook_filename(self, model: str, mac: str) -> str | None:
        """The name of the device's phonebook under the tenant's URL; None without one."""
        return None

    def render_phonebook(self, entries: Sequence[PhonebookEntry], title: str) -> bytes:
        """The phonebook document; entries arrive cut and in their final order."""
        raise NotServed("phonebook")

    def model(self, name: str | None) -> ModelInfo | None:
        if not name:
            return None
        return self.models.get(name) or self.models.get(name.upper())
