"""Sanitize the HTML of every post and page against an allow-list (nh3).

Runs on `content_object_init`, before any template, feed or index sees the content, so a
`<script>`, an `on*=` attribute or a `javascript:` URL written in a post never reaches a
reader. Templates mark only this sanitized HTML (content and summary) as safe.

Sanitizing is pure, so results are remembered between builds (plugins._shared.diskmemo,
CACHE_PATH/sanitize.pickle, keyed by the HTML, the policy and this plugin's code): an
unchanged post is not cleaned again. The memo lives in the build context under
`sanitize_memo` and is saved once all posts and pages are read.

Settings:
    SANITIZE_ALLOWED_TAGS: tags that survive.
    SANITIZE_ALLOWED_ATTRIBUTES: {tag: [attribute, ...]}; "*" applies to every tag.
    SANITIZE_URL_SCHEMES: URL schemes allowed in href/src (relative URLs always are).
    SANITIZE_STYLE_PROPERTIES: CSS properties kept in table-cell style attributes.
    CACHE_CONTENT, CACHE_PATH (Pelican's): the memo is used only when content caching is on.

Template variables: none (content and summary are changed in place before rendering).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pelican import signals

from plugins._shared.diskmemo import DiskMemo, digest_of, open_memo, source_digest
from plugins._shared.patching import patch_aware
from plugins.sanitize import policy as policy_module
from plugins.sanitize.policy import SanitizePolicy, sanitize_html

MEMO_KEY = "sanitize_memo"
MEMO_FILE = "sanitize.pickle"


@dataclass(frozen=True, slots=True)
class Sanitizer:
    """One build's policy, and the memo of HTML it already cleaned (None: no memo)."""

    policy: SanitizePolicy
    version: str
    memo: DiskMemo | None

    def clean(self, html: str) -> str:
        """Return sanitized `html`, from the memo when this exact input was seen."""
        if self.memo is None:
            return sanitize_html(html, self.policy)
        key = digest_of(self.version, html)
        found = self.memo.get(key)
        if found is None:
            found = sanitize_html(html, self.policy)
            self.memo.put(key, found)
        return str(found)


def build_sanitizer(settings: Mapping[str, Any]) -> Sanitizer:
    """Return the sanitizer for these settings (with a memo when content caching is on)."""
    policy = SanitizePolicy.from_settings(settings)
    version = digest_of(
        source_digest(policy_module.__file__, __file__),
        metadata.version("nh3"),
        policy.stable_key(),  # the same in every process, however the settings spell sets
    ).hex()
    memo = None
    if settings.get("CACHE_CONTENT") and settings.get("CACHE_PATH"):
        memo = open_memo(settings, Path(settings["CACHE_PATH"]) / MEMO_FILE)
    return Sanitizer(policy, version, memo)


def sanitizer_for(instance: Any) -> Sanitizer:
    """The build's sanitizer, kept in the build context (one per build)."""
    context = getattr(instance, "_context", None)
    found = context.get(MEMO_KEY) if isinstance(context, dict) else None
    if not isinstance(found, Sanitizer):
        found = build_sanitizer(instance.settings)
        if isinstance(context, dict):
            context[MEMO_KEY] = found
    return found


@patch_aware  # runs as a patched post is read again
def sanitize_content(instance: Any) -> None:
    """Replace the body and the summary metadata of `instance` with sanitized HTML."""
    sanitizer = sanitizer_for(instance)
    if getattr(instance, "_content", None):
        instance._content = sanitizer.clean(instance._content)
    summary = instance.metadata.get("summary")
    if isinstance(summary, str):
        clean = sanitizer.clean(summary)
        instance.metadata["summary"] = clean
        instance._summary = clean


@patch_aware  # a memo: saved by the next full build
def save_memo(generator: Any) -> None:
    """Save what this build sanitized (posts and pages are all read by now)."""
    found = generator.context.get(MEMO_KEY)
    if isinstance(found, Sanitizer) and found.memo is not None:
        found.memo.save()


def register() -> None:
    """Connect the sanitizer to every content object as it is created."""
    signals.content_object_init.connect(sanitize_content)
    # page_generator_finalized: the pages generator reads after the articles generator.
    signals.page_generator_finalized.connect(save_memo)
