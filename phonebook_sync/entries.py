"""One line of a phonebook as the vendors render it."""

from __future__ import annotations

from dataclasses import dataclass


def display_name(first: str, last: str, company: str) -> str:
    """'Last, First' as phone directories sort them; a company alone when no person is named."""
    first, last, company = (first or "").strip(), (last or "").strip(), (company or "").strip()
    if first and last:
        return f"{last}, {first}"
    return last or first or company


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    numbers: tuple[tuple[str, str], ...]  # (kind, number), in the contact's order
    favourite: bool = False


def sort_key(entry: Entry) -> tuple:
    """Favourites first, then alphabetical (case-insensitive), then exact name and numbers, so
    that the order is total and the rendering stable."""
    return (not entry.favourite, entry.name.casefold(), entry.name, entry.numbers)
