"""Contacts as vCard 3.0 (export) and 3.0 or 4.0 (import), parsed by ``vobject``.

Mapping: N (family; given) -> last/first name, ORG -> company, FN when there is neither,
EMAIL, NOTE, TEL by TYPE (cell -> mobile, home, work -> office, anything else -> other; a
vCard 4 ``tel:`` URI is read as its number), CATEGORIES -> groups, CLASS:PRIVATE or
CONFIDENTIAL -> private (CLASS:PUBLIC -> public), X-PHONEBOOK-FAVOURITE:1 -> favourite.
Folded lines are unfolded by the parser. An error names the line of the card's BEGIN:VCARD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import vobject

from phonebook_sync.entries import display_name
from provisioning.contacts.csvio import decode, line_error

_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.I)
_END = re.compile(r"^END:VCARD\s*$", re.I)
_KINDS = (("cell", "mobile"), ("mobile", "mobile"), ("home", "home"), ("work", "office"))
_EXPORT_TYPES = {"office": "WORK", "mobile": "CELL", "home": "HOME", "other": "VOICE"}


def _cards(text: str) -> Iterator[tuple[int, str]]:
    lines = text.splitlines()
    start, buf = None, []
    for n, line in enumerate(lines, start=1):
        if start is None:
            if _BEGIN.match(line):
                start, buf = n, [line]
            elif line.strip():
                raise line_error(n, None, "text outside BEGIN:VCARD ... END:VCARD")
            continue
        buf.append(line)
        if _END.match(line):
            yield start, "\r\n".join(buf) + "\r\n"
            start, buf = None, []
    if start is not None:
        raise line_error(start, None, "the card has no END:VCARD")


def _kind(params: dict[str, list[str]]) -> str:
    types = {t.lower() for value in params.get("TYPE", []) for t in value.split(",")}
    for vcard_type, kind in _KINDS:
        if vcard_type in types:
            return kind
    return "other"


def _text(card: Any, name: str) -> str:
    prop = card.contents.get(name)
    if not prop:
        return ""
    value = prop[0].value
    if isinstance(value, list):
        value = ";".join(v for v in value if v)
    return str(value).strip()


def read(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    text = decode(data)
    found = False
    for line, raw in _cards(text):
        found = True
        try:
            card = vobject.readOne(raw, validate=False)
        except Exception as exc:  # noqa: BLE001 - vobject raises several types for bad input
            offset = getattr(exc, "lineNumber", None)
            where = line + offset - 1 if isinstance(offset, int) else line
            raise line_error(where, None, f"not a vCard: {exc}") from exc
        yield line, _row(card, line)
    if not found:
        raise line_error(1, None, "no BEGIN:VCARD found")


def _row(card: Any, line: int) -> dict[str, Any]:
    row: dict[str, Any] = {"first_name": "", "last_name": "", "company": _text(card, "org")}
    name = card.contents.get("n")
    if name and isinstance(name[0].value, vobject.vcard.Name):
        row["first_name"] = _flat(name[0].value.given)
        row["last_name"] = _flat(name[0].value.family)
    if not (row["first_name"] or row["last_name"] or row["company"]):
        row["last_name"] = _text(card, "fn")
    row["email"] = _text(card, "email") or None
    row["notes"] = _text(card, "note") or None
    numbers = []
    for tel in card.contents.get("tel", []):
        value = str(tel.value).strip()
        if value.lower().startswith("tel:"):
            value = value[4:]
        numbers.append((_kind(tel.params), value))
    row["numbers"] = numbers
    row["groups"] = [g.strip() for prop in card.contents.get("categories", [])
                     for g in (prop.value if isinstance(prop.value, list) else [prop.value])
                     if g and g.strip()]
    klass = _text(card, "class").upper()
    if klass:
        if klass not in ("PUBLIC", "PRIVATE", "CONFIDENTIAL"):
            raise line_error(line, "CLASS", f"{klass!r} is not PUBLIC, PRIVATE or CONFIDENTIAL")
        row["private"] = klass != "PUBLIC"
    row["favourite"] = _text(card, "x-phonebook-favourite") in ("1", "true", "TRUE")
    return row


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(v for v in value if v).strip()
    return (value or "").strip()


def write(contacts: Iterable[Any], group_names: dict[int, str]) -> bytes:
    parts = []
    for c in contacts:
        card = vobject.vCard()
        card.add("n").value = vobject.vcard.Name(family=c.last_name or "", given=c.first_name or "")
        card.add("fn").value = display_name(c.first_name, c.last_name, c.company) or "-"
        if c.company:
            card.add("org").value = [c.company]
        if c.email:
            card.add("email").value = c.email
        if c.notes:
            card.add("note").value = c.notes
        for number in c.numbers:
            tel = card.add("tel")
            tel.value = number.number
            tel.type_param = _EXPORT_TYPES[number.kind.value]
        groups = sorted(group_names[m.group_id] for m in c.memberships)
        if groups:
            card.add("categories").value = groups
        card.add("class").value = "PRIVATE" if c.private else "PUBLIC"
        if c.favourite:
            card.add("x-phonebook-favourite").value = "1"
        parts.append(card.serialize())
    return "".join(parts).encode("utf-8")
