"""Sanitize the HTML of every post and page against an allow-list (nh3).

Runs on `content_object_init`, before any template, feed or index sees the content, so a
`<script>`, an `on*=` attribute or a `javascript:` URL written in a post never reaches a
reader. Templates mark only this sanitized HTML (content and summary) as safe.

Settings:
    SANITIZE_ALLOWED_TAGS: tags that survive.
    SANITIZE_ALLOWED_ATTRIBUTES: {tag: [attribute, ...]}; "*" applies to every tag.
    SANITIZE_URL_SCHEMES: URL schemes allowed in href/src (relative URLs always are).
    SANITIZE_STYLE_PROPERTIES: CSS properties kept in table-cell style attributes.

Template variables: none (content and summary are changed in place before rendering).
"""

from __future__ import annotations

from typing import Any

from pelican import signals

from plugins.sanitize.policy import SanitizePolicy, sanitize_html


def sanitize_content(instance: Any) -> None:
    """Replace the body and the summary metadata of `instance` with sanitized HTML."""
    policy = SanitizePolicy.from_settings(instance.settings)
    if getattr(instance, "_content", None):
        instance._content = sanitize_html(instance._content, policy)
    summary = instance.metadata.get("summary")
    if isinstance(summary, str):
        clean = sanitize_html(summary, policy)
        instance.metadata["summary"] = clean
        instance._summary = clean


def register() -> None:
    """Connect the sanitizer to every content object as it is created."""
    signals.content_object_init.connect(sanitize_content)
