"""A model's phonebook limits (data in the vendor's model table) and the cut that applies them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from phonebook_sync.entries import Entry, sort_key


@dataclass(frozen=True)
class Limits:
    entries: int | None  # None: unknown, nothing is cut
    name_length: int | None
    source: str

    @property
    def key(self) -> str:
        return f"{self.entries or '-'}:{self.name_length or '-'}"


UNKNOWN = Limits(None, None, "model not in the vendor's table")


def limits_for(vendor, model: str | None) -> Limits:
    """From the vendor's model table (``ModelInfo.phonebook_*``)."""
    info = vendor.model(model) if vendor is not None else None
    if info is None:
        return UNKNOWN
    return Limits(info.phonebook_entries, info.phonebook_name_length, info.phonebook_source)


@dataclass(frozen=True)
class Cut:
    entries: list[Entry]
    total: int

    @property
    def kept(self) -> int:
        return len(self.entries)

    @property
    def truncated(self) -> bool:
        return self.kept < self.total


def cut(entries: Iterable[Entry], limits: Limits) -> Cut:
    """Sorted favourites first, then alphabetically; cut to the model's entry count; names
    shortened to its name length. The rendered order is this order."""
    ordered = sorted(entries, key=sort_key)
    total = len(ordered)
    if limits.entries is not None:
        ordered = ordered[:limits.entries]
    if limits.name_length is not None:
        n = limits.name_length
        ordered = [replace(e, name=e.name[:n]) if len(e.name) > n else e for e in ordered]
    return Cut(ordered, total)
