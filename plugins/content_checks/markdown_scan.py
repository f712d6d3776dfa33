"""A line-based scan of a Markdown body: code fences, links, images and headings.

The checks need line numbers, which rendered HTML no longer has, and they must be fast
on thousands of posts, so this reads the source directly instead of rendering it. Code
(fenced blocks and inline spans) is marked so links and HTML inside examples are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?P<ticks>`+)(?:(?!(?P=ticks)).)+?(?P=ticks)")
_INLINE_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]"
    r"\(\s*(?P<url><[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*(?P<url><[^>]*>|\S+)")
_REFERENCE_IMAGE = re.compile(r"!\[(?P<text>[^\]]*)\]\[[^\]]*\]")
_HTML_LINK = re.compile(r"<(?P<tag>a|img)\b(?P<attrs>[^>]*)>", re.IGNORECASE)
HTML_ATTRIBUTE = re.compile(
    r"(?P<name>[^\s=/>\"']+)(?:\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+)))?"
)
_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?!#)")


@dataclass(frozen=True, slots=True)
class Line:
    """One source line; `prose` has inline code blanked and is empty inside code blocks.

    `block_start` is the line number of the opening fence for lines inside a fenced block.
    """

    number: int
    raw: str
    prose: str
    block_start: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image target written in the body, with the line it is on."""

    line: int
    url: str
    image: bool
    alt: str | None = None  # images only; None when an <img> has no alt attribute


def scan_lines(text: str, first_line: int = 1) -> list[Line]:
    """Split `text` into lines from `first_line` on, marking fenced code blocks."""
    lines: list[Line] = []
    fence: str | None = None
    fence_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if number < first_line:
            continue
        opening = _FENCE.match(raw)
        if fence is None:
            if opening:
                fence, fence_line = opening["fence"], number
                lines.append(Line(number, raw, "", number))
            else:
                lines.append(Line(number, raw, _CODE_SPAN.sub("``", raw)))
            continue
        if (
            opening is not None
            and opening["fence"][0] == fence[0]
            and len(opening["fence"]) >= len(fence)
            and not raw[opening.end() :].strip()
        ):
            fence = None
        lines.append(Line(number, raw, "", fence_line))
    return lines


def html_attributes(text: str) -> dict[str, str]:
    """Parse `name="value"` pairs (any quoting, or none) into a lower-cased-name dict."""
    found: dict[str, str] = {}
    for match in HTML_ATTRIBUTE.finditer(text):
        value = match["dq"] if match["dq"] is not None else match["sq"]
        if value is None:
            value = match["bare"] or ""
        found.setdefault(match["name"].lower(), value)
    return found


def find_links(lines: list[Line]) -> list[Link]:
    """Return every Markdown and HTML link and image target outside code."""
    links: list[Link] = []
    for line in lines:
        prose = line.prose
        if not prose or ("[" not in prose and "<" not in prose):
            continue
        for match in _INLINE_LINK.finditer(prose):
            url = match["url"].strip("<>")
            image = bool(match["bang"])
            links.append(Link(line.number, url, image, match["text"] if image else None))
        for match in _REFERENCE_IMAGE.finditer(prose):
            links.append(Link(line.number, "", True, match["text"]))
        definition = _REFERENCE_DEFINITION.match(prose)
        if definition:
            links.append(Link(line.number, definition["url"].strip("<>"), False))
        for match in _HTML_LINK.finditer(prose):
            attributes = html_attributes(match["attrs"])
            if match["tag"].lower() == "img":
                links.append(
                    Link(line.number, attributes.get("src", ""), True, attributes.get("alt"))
                )
            elif "href" in attributes:
                links.append(Link(line.number, attributes["href"], False))
    return links


def find_headings(lines: list[Line]) -> list[tuple[int, int]]:
    """Return (line number, level) for every ATX heading (`## Title`) outside code."""
    headings = []
    for line in lines:
        match = _HEADING.match(line.prose)
        if match:
            headings.append((line.number, len(match["hashes"])))
    return headings
