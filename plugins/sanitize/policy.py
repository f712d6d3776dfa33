"""The HTML allow-list applied to everything writers put in the body or summary of a post."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import nh3

from plugins._shared.problems import SettingsError

DEFAULT_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    ]
)
DEFAULT_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "*": frozenset({"class", "id", "title", "lang", "dir"}),
        "a": frozenset({"href", "hreflang"}),
        "img": frozenset({"src", "alt", "width", "height", "loading"}),
    }
)
DEFAULT_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True, slots=True)
class SanitizePolicy:
    """What survives sanitizing: tags, attributes per tag ("*" for all), URL schemes."""

    tags: frozenset[str] = DEFAULT_TAGS
    attributes: Mapping[str, frozenset[str]] = field(default_factory=lambda: DEFAULT_ATTRIBUTES)
    url_schemes: frozenset[str] = DEFAULT_SCHEMES
    style_properties: frozenset[str] = frozenset({"text-align"})

    def stable_key(self) -> str:
        """The policy as text that is the same in every process (sets sorted), for memo keys."""
        attributes = {tag: sorted(names) for tag, names in sorted(self.attributes.items())}
        return repr(
            (sorted(self.tags), attributes, sorted(self.url_schemes), sorted(self.style_properties))
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SanitizePolicy:
        """Build the policy from the SANITIZE_* settings, rejecting ill-typed values."""
        tags = _string_set(settings, "SANITIZE_ALLOWED_TAGS", DEFAULT_TAGS)
        schemes = _string_set(settings, "SANITIZE_URL_SCHEMES", DEFAULT_SCHEMES)
        styles = _string_set(settings, "SANITIZE_STYLE_PROPERTIES", frozenset({"text-align"}))
        raw = settings.get("SANITIZE_ALLOWED_ATTRIBUTES", DEFAULT_ATTRIBUTES)
        if not isinstance(raw, Mapping):
            raise SettingsError(
                "pelicanconf.py: SANITIZE_ALLOWED_ATTRIBUTES must map tag names to lists of "
                f"attribute names, got {raw!r}"
            )
        attributes: dict[str, frozenset[str]] = {}
        for tag, names in raw.items():
            if not isinstance(tag, str) or isinstance(names, str):
                raise SettingsError(
                    f"pelicanconf.py: SANITIZE_ALLOWED_ATTRIBUTES[{tag!r}] must be a list of "
                    f"attribute names, got {names!r}"
                )
            bad = [n for n in names if not isinstance(n, str) or n.lower().startswith("on")]
            if bad:
                raise SettingsError(
                    f"pelicanconf.py: SANITIZE_ALLOWED_ATTRIBUTES[{tag!r}] may not allow {bad!r} "
                    "(event handlers run scripts)"
                )
            attributes[tag] = frozenset(names)
        if "javascript" in schemes or "data" in schemes:
            raise SettingsError(
                "pelicanconf.py: SANITIZE_URL_SCHEMES may not allow javascript: or data: URLs"
            )
        return cls(
            tags=tags,
            attributes=MappingProxyType(attributes),
            url_schemes=schemes,
            style_properties=styles,
        )


def _string_set(settings: Mapping[str, Any], key: str, default: frozenset[str]) -> frozenset[str]:
    value = settings.get(key, default)
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"pelicanconf.py: {key} must be a list of strings, got {value!r}")
    return frozenset(item.lower() for item in value)


def sanitize_html(html: str, policy: SanitizePolicy) -> str:
    """Return `html` with everything outside the allow-list removed.

    `<script>` and `<style>` go with their content; other unknown tags keep their text;
    `on*=` attributes and URLs with schemes outside the list (javascript:, data:, ...) go.
    Relative URLs, including Pelican's `{filename}` and `{static}` links, are kept.
    """
    attributes = {tag: set(names) for tag, names in policy.attributes.items()}
    if policy.style_properties:
        for tag in ("td", "th"):
            attributes.setdefault(tag, set()).add("style")
    return nh3.clean(
        html,
        tags=set(policy.tags),
        attributes=attributes,
        url_schemes=set(policy.url_schemes),
        link_rel=None,
        strip_comments=True,
        filter_style_properties=set(policy.style_properties) or None,
    )
