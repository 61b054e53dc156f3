"""The vendors the service knows, built once and frozen (like netbox's registry).

Adding a vendor means writing its module and listing it in ``_VENDOR_CLASSES``; nothing else in the
service names a vendor. Registering a name twice fails at start-up rather than shadowing silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType

from provisioning.vendors.base import Vendor
from provisioning.vendors.snom import Snom
from provisioning.vendors.yealink import Yealink

_VENDOR_CLASSES: tuple[type[Vendor], ...] = (Snom, Yealink)


class DuplicateVendor(ValueError):
    pass


class VendorRegistry(Mapping[str, Vendor]):
    """A read-only mapping name -> vendor; iteration order is registration order."""

    def __init__(self, vendors: Iterable[Vendor]) -> None:
        table: dict[str, Vendor] = {}
        for vendor in vendors:
            if vendor.name in table:
                raise DuplicateVendor(f"vendor {vendor.name!r} registered twice")
            table[vendor.name] = vendor
        self._table = MappingProxyType(table)

    def __getitem__(self, name: str) -> Vendor:
        return self._table[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def get(self, name: str, default: Vendor | None = None) -> Vendor:  # type: ignore[override]
        try:
            return self._table[name]
        except KeyError:
            if default is not None:
                return default
            raise LookupError(f"unknown vendor {name!r}") from None


@lru_cache(maxsize=1)
def registry() -> VendorRegistry:
    return VendorRegistry(cls() for cls in _VENDOR_CLASSES)
