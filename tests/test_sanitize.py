"""The HTML allow-list."""

from __future__ import annotations

import pytest

from plugins._shared.problems import SettingsError
from plugins.sanitize.policy import SanitizePolicy, sanitize_html

POLICY = SanitizePolicy()


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ("<p>x<style>body{display:none}</style></p>", "<p>x</p>"),
        ('<img src="a.png" alt="a" onerror="alert(1)">', '<img src="a.png" alt="a">'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" JAVASCRIPT:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "<a>x</a>"),
        ('<p onclick="x()" onmouseover="y()">t</p>', "<p>t</p>"),
        ('<iframe src="https://evil.example"></iframe>ok', "ok"),
        ("<form action=/x><input name=a></form>", ""),
        ('<svg onload="alert(1)"><circle/></svg>', ""),
    ],
)
def test_dangerous_constructs_are_removed(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty, POLICY) == clean


def test_ordinary_post_markup_survives() -> None:
    markup = (
        '<h2 id="setup">Setup</h2><div class="highlight"><pre><span class="k">def</span></pre>'
        '</div><table><thead><tr><th style="text-align:left">a</th></tr></thead></table>'
        '<a href="{filename}/posts/2026/b.md">b</a><img alt="d" src="{static}/images/d.svg">'
        '<a href="https://example.com/x?y=1">ext</a>'
    )
    assert sanitize_html(markup, POLICY) == markup


def test_style_is_limited_to_table_alignment() -> None:
    cell = '<td style="text-align: right; background: url(x)">1</td>'
    assert sanitize_html(f"<table><tr>{cell}</tr></table><p style='color:red'>p</p>", POLICY) == (
        '<table><tbody><tr><td style="text-align:right">1</td></tr></tbody></table><p>p</p>'
    )


def test_allow_list_is_a_setting() -> None:
    policy = SanitizePolicy.from_settings(
        {"SANITIZE_ALLOWED_TAGS": ["p"], "SANITIZE_ALLOWED_ATTRIBUTES": {}}
    )
    assert sanitize_html("<p><em>x</em></p><h2>y</h2>", policy) == "<p>x</p>y"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SANITIZE_ALLOWED_TAGS": "p"}, "SANITIZE_ALLOWED_TAGS"),
        ({"SANITIZE_ALLOWED_ATTRIBUTES": {"a": ["onclick"]}}, "event handlers"),
        ({"SANITIZE_ALLOWED_ATTRIBUTES": ["href"]}, "SANITIZE_ALLOWED_ATTRIBUTES"),
        ({"SANITIZE_URL_SCHEMES": ["https", "javascript"]}, "javascript"),
    ],
)
def test_unsafe_or_ill_typed_settings_are_refused(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        SanitizePolicy.from_settings(settings)


def test_the_sanitizer_memo_is_keyed_by_the_policy_not_by_how_settings_spell_it() -> None:
    from plugins.sanitize import build_sanitizer

    as_list = {"SANITIZE_ALLOWED_TAGS": ["p", "em", "strong"], "SANITIZE_URL_SCHEMES": ["https"]}
    as_set = {"SANITIZE_ALLOWED_TAGS": {"strong", "p", "em"}, "SANITIZE_URL_SCHEMES": ("https",)}
    other = {"SANITIZE_ALLOWED_TAGS": ["p", "em"], "SANITIZE_URL_SCHEMES": ["https"]}
    assert build_sanitizer(as_list).version == build_sanitizer(as_set).version
    assert build_sanitizer(as_list).version != build_sanitizer(other).version
