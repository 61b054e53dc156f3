"""Every string the portal shows has its German, with the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from provisioning.portal.catalogue_de import TEXT_DE

PORTAL = Path(__file__).resolve().parents[2] / "provisioning" / "portal"
# _("...") in templates: a double- or single-quoted literal as first argument
TEMPLATE_CALL = re.compile(r"""(?<![\w.])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _python_strings() -> set[str]:
    found = set()
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            # _(text), gettext(text), translated(language, text)
            index = {"_": 0, "gettext": 0, "translated": 1}.get(name or "")
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def _template_strings() -> set[str]:
    found = set()
    for path in (PORTAL / "templates").rglob("*.html"):
        for match in TEMPLATE_CALL.finditer(path.read_text()):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_portal_string_has_a_german_translation():
    used = _python_strings() | _template_strings()
    assert len(used) > 200
    missing = sorted(used - TEXT_DE.keys())
    assert not missing, f"no German for: {missing}"


def test_translations_keep_their_placeholders():
    wrong = {en: de for en, de in TEXT_DE.items() if _fields(en) != _fields(de)}
    assert not wrong
