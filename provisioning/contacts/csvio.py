"""Contacts as CSV: one header row naming the columns, UTF-8 (a BOM is fine), ';' or ','.

Rules a user can rely on:

* Columns are named in the header, in any order, case and blanks ignored ("First name" is
  ``first_name``); an unknown or repeated column is refused (line 1, that column).
* Numbers go in the columns of their kind (``office``, ``mobile``, ``home``, ``other``); several
  of one kind are separated by ``|``. Groups: ``groups``, names separated by ``|``.
* ``favourite`` and ``private``: true/false, yes/no, 1/0, or empty (false).
* The file must be UTF-8. A file in Latin-1 or Windows-1252 (Excel's "CSV" on Windows) is
  refused with the line of the first byte that is not UTF-8 — guessing would store wrong letters
  without anyone noticing. Save as "CSV UTF-8" and import again.
* On export, a text cell that a spreadsheet would run as a formula (it starts with = + - @) gets
  a leading apostrophe, which import removes again.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from provisioning.errors import ValidationFailed

NUMBER_COLUMNS = ("office", "mobile", "home", "other")
TEXT_COLUMNS = ("first_name", "last_name", "company", "email", "notes")
COLUMNS = (*TEXT_COLUMNS, "favourite", "private", *NUMBER_COLUMNS, "groups")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_TRUE, _FALSE = {"true", "yes", "1", "x", "ja", "y"}, {"false", "no", "0", "", "nein", "n"}


def line_error(line: int, field: str | None, message: str) -> ValidationFailed:
    where = f"line {line}" + (f", field {field}" if field else "")
    return ValidationFailed(f"{where}: {message}; nothing was imported", error_id="import_failed",
                            details={"line": line, "field": field, "error": message})


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationFailed(
            f"line {line}: the file is not UTF-8 (it looks like Latin-1 or Windows-1252); "
            "save it as UTF-8 (\"CSV UTF-8\") and import again; nothing was imported",
            error_id="not_utf8", details={"line": line, "field": None,
                                          "error": "not UTF-8"}) from exc


def _column(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def _bool(value: str, line: int, field: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise line_error(line, field, f"{value!r} is neither true nor false")


def _unquote(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in _FORMULA else value


def read(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw row) per contact: text fields, booleans, numbers by kind (unchecked
    numbers: the caller validates them), group names."""
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise line_error(1, None, str(exc)) from exc
    if not header:
        raise line_error(1, None, "the header row is missing")
    columns = [_column(h) for h in header]
    for name, raw in zip(columns, header, strict=True):
        if name not in COLUMNS:
            raise line_error(1, raw.strip(), f"unknown column; known: {', '.join(COLUMNS)}")
        if columns.count(name) > 1:
            raise line_error(1, raw.strip(), "the column appears twice")
    if not {"first_name", "last_name", "company"} & set(columns):
        raise line_error(1, None, "a first_name, last_name or company column is needed")
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise line_error(start, None, str(exc)) from exc
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not contacts
        if len(row) != len(columns):
            raise line_error(line, None, f"{len(row)} cells where the header has "
                                         f"{len(columns)}")
        yield line, _row(dict(zip(columns, row, strict=True)), line)


def _row(cells: dict[str, str], line: int) -> dict[str, Any]:
    out: dict[str, Any] = {k: _unquote(cells[k]) for k in TEXT_COLUMNS if k in cells}
    for optional in ("email", "notes"):
        if optional in out and not out[optional].strip():
            out[optional] = None  # an empty cell is no e-mail address
    for flag in ("favourite", "private"):
        if flag in cells:
            out[flag] = _bool(cells[flag], line, flag)
    out["numbers"] = [(kind, part.strip()) for kind in NUMBER_COLUMNS
                      for part in cells.get(kind, "").split("|") if part.strip()]
    out["groups"] = [_unquote(g.strip()) for g in cells.get("groups", "").split("|") if g.strip()]
    return out


def _cell(value: str | None) -> str:
    value = value or ""
    return "'" + value if value.startswith(_FORMULA) else value


def write(contacts: Iterable[Any], group_names: dict[int, str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in contacts:
        numbers = {kind: "|".join(n.number for n in c.numbers if n.kind.value == kind)
                   for kind in NUMBER_COLUMNS}
        groups = "|".join(sorted(_cell(group_names[m.group_id]) for m in c.memberships))
        writer.writerow([_cell(c.first_name), _cell(c.last_name), _cell(c.company),
                         _cell(c.email), _cell(c.notes), str(bool(c.favourite)).lower(),
                         str(bool(c.private)).lower(), *numbers.values(), groups])
    return out.getvalue().encode("utf-8")
