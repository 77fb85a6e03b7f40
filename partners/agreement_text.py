"""Agreement text to HTML, safely: every character is escaped, only our own tags are added.

The format is deliberately small (no links, no raw HTML): blank lines separate paragraphs,
``# `` / ``## `` start headings, ``- `` or ``* `` list items, ``1. `` numbered items, ``**bold**``.
The same function feeds the portal page and the PDF, so both show exactly the hashed text.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^\s*[-*]\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def _block(lines: list[str]) -> str:
    first = lines[0].lstrip()
    if len(lines) == 1 and first.startswith("## "):
        return f"<h3>{_inline(first[3:].strip())}</h3>"
    if len(lines) == 1 and first.startswith("# "):
        return f"<h2>{_inline(first[2:].strip())}</h2>"
    if all(_BULLET.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_BULLET.sub('', line))}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if all(_NUMBERED.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_NUMBERED.sub('', line))}</li>" for line in lines)
        return f"<ol>{items}</ol>"
    return "<p>" + "<br>".join(_inline(line.strip()) for line in lines) + "</p>"


def render_agreement_body(text: str) -> SafeString:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            if current:
                blocks.append(current)
                current = []
            continue
        # A heading is a block of its own even without blank lines around it.
        if stripped.startswith("#") and current:
            blocks.append(current)
            current = []
        current.append(line)
        if stripped.startswith("#"):
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return mark_safe("\n".join(_block(block) for block in blocks))  # noqa: S308 - every fragment escaped above
