"""Rules for the body of one post or page: headings, alt text, raw HTML the sanitizer strips."""

from __future__ import annotations

import html
import re
from pathlib import PurePosixPath

from plugins._shared.problems import Problem, Severity
from plugins.content_checks.markdown_scan import Line, Link, find_headings, html_attributes
from plugins.sanitize.policy import SanitizePolicy, sanitize_html

_HTML_TAG = re.compile(
    r"<(?P<name>[A-Za-z][A-Za-z0-9-]*)"
    r"(?P<attrs>(?:\s+[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*/?>"
)
# An HTML parser drops table parts outside a table, so they are sanitized inside one.
_TABLE_CONTEXT = {
    "td": "<table><tr>", "th": "<table><tr>", "tr": "<table>", "tbody": "<table>",
    "thead": "<table>", "tfoot": "<table>", "caption": "<table>", "colgroup": "<table>",
    "col": "<table><colgroup>",
}  # fmt: skip
# Attributes Markdown itself consumes (the md_in_html extension), never seen by readers.
_MARKDOWN_ATTRIBUTES = frozenset({"markdown"})


def check_headings(path: PurePosixPath, lines: list[Line]) -> list[Problem]:
    """Flag `#` headings (the title is the page's only h1) and levels that skip."""
    problems: list[Problem] = []
    previous = 1  # the post title
    for number, level in find_headings(lines):
        if level == 1:
            problems.append(
                Problem(
                    path, number,
                    "a level-1 heading (#) in the body; the title is the page's only "
                    "level-1 heading, so start sections with ##",
                    "heading-h1", Severity.WARNING,
                )
            )  # fmt: skip
        elif level > previous + 1:
            problems.append(
                Problem(
                    path, number,
                    f"the heading jumps from level {previous} to {level}; use "
                    f"{'#' * (previous + 1)} here so screen readers can follow the outline",
                    "heading-skip", Severity.WARNING,
                )
            )  # fmt: skip
        previous = level
    return problems


def check_alt_text(path: PurePosixPath, links: list[Link]) -> list[Problem]:
    """Flag images with no alt text or an empty one."""
    return [
        Problem(
            path,
            link.line,
            "an image without alt text; describe what it shows, e.g. "
            "![Diagram of the primary and two replicas](...)",
            "image-alt",
            Severity.WARNING,
        )
        for link in links
        if link.image and not (link.alt or "").strip()
    ]


def _comparable(attribute: str, value: str) -> str:
    value = html.unescape(value)
    # The sanitizer rewrites kept CSS compactly ("text-align:right").
    return re.sub(r"\s+", "", value).rstrip(";") if attribute == "style" else value


def stripped_parts(tag: re.Match[str], policy: SanitizePolicy) -> list[str]:
    """Describe what the sanitizer removes from one opening tag (empty when it keeps it all)."""
    name = tag["name"].lower()
    context = _TABLE_CONTEXT.get(name, "")
    cleaned = next(
        (
            match
            for match in _HTML_TAG.finditer(sanitize_html(context + tag[0], policy))
            if match["name"].lower() == name
        ),
        None,
    )
    if cleaned is None:
        return [f"the <{name}> tag"]
    written = html_attributes(tag["attrs"])
    kept = html_attributes(cleaned["attrs"])
    removed = []
    for attribute, value in written.items():
        if attribute in _MARKDOWN_ATTRIBUTES:
            continue
        if attribute not in kept:
            removed.append(f'the {attribute}="..." attribute of <{name}>')
        elif _comparable(attribute, kept[attribute]) != _comparable(attribute, value):
            removed.append(f"part of the {attribute} attribute of <{name}>")
    return removed


def check_raw_html(path: PurePosixPath, lines: list[Line], policy: SanitizePolicy) -> list[Problem]:
    """Flag raw HTML in the body that the sanitizer (plugins.sanitize) would remove."""
    problems: list[Problem] = []
    for line in lines:
        if "<" not in line.prose:
            continue
        for match in _HTML_TAG.finditer(line.prose):
            for part in stripped_parts(match, policy):
                problems.append(
                    Problem(
                        path, line.number,
                        f"{part} is removed when the site is built, so readers will not see "
                        "it; use Markdown instead (links, images, tables, code blocks)",
                        "raw-html", Severity.WARNING,
                    )
                )  # fmt: skip
    return problems
