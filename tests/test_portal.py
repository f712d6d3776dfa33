"""Portal outputs: JSON Feed 1.1 (site-wide and per team) and the embeddable fragment."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from plugins._shared.problems import SettingsError
from plugins.portal import PortalSettings
from plugins.portal.feeds import FeedInfo, PortalItem, embed_fragment, json_feed
from tests.conftest import MakeSite, post
from tests.test_featured import profile
from tools.cli import cli

SITE_URL = "https://blog.example.com"


def assert_valid_json_feed(feed: dict[str, object], feed_url: str) -> None:
    """Check the JSON Feed 1.1 requirements we rely on."""
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == feed_url
    assert str(feed["home_page_url"]).startswith(SITE_URL)
    items = feed["items"]
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item["id"], str) and item["id"]
        assert item["url"].startswith(SITE_URL + "/")
        assert item["title"]
        assert "content_html" in item or "content_text" in item
        # RFC 3339 with a time zone.
        assert dt.datetime.fromisoformat(item["date_published"]).tzinfo is not None
        for author in item.get("authors", []):
            assert author["name"]


def test_build_writes_site_and_team_feeds_and_fragments(make_site: MakeSite) -> None:
    root = make_site(
        {
            "content/posts/2026/a.md": post(
                "Storage <news>", date="2026-03-01 09:00", authors="ana", extra="Summary: S & S."
            ),
            "content/posts/2026/b.md": post(
                "Joint", date="2026-03-02 09:00", authors="ana, bo",
                body="See [the first]({filename}a.md) and [about](/pages/about/).",
            ),
            "content/posts/2026/c.md": post("Draft", authors="bo", extra="Status: draft"),
            "content/authors/ana.md": profile("Ana López", "Staff Engineer", "storage"),
            "content/authors/bo.md": profile("Bo Chen", "SRE", "platform"),
            "content/teams/storage.md": "Name: Storage\nChampion: ana\n\nStore.\n",
            "content/teams/platform.md": "Name: Platform\nChampion: bo\n\nRun.\n",
            "content/teams/quiet.md": "Name: Quiet\n\nNo posts yet.\n",
            "content/pages/about.md": "Title: About\n\nUs.\n",
        }
    )  # fmt: skip
    result = CliRunner().invoke(
        cli, ["build", "--root", str(root), "--strict", "--site-url", SITE_URL]
    )
    assert result.exit_code == 0, result.stderr
    out = root / "output/site"

    feed = json.loads((out / "feeds/all.json").read_text(encoding="utf-8"))
    assert_valid_json_feed(feed, f"{SITE_URL}/feeds/all.json")
    assert [i["title"] for i in feed["items"]] == ["Joint", "Storage <news>"]
    joint = feed["items"][0]
    assert joint["id"] == joint["url"] == f"{SITE_URL}/posts/2026/joint/"
    assert joint["authors"] == [
        {"name": "Ana López", "url": f"{SITE_URL}/people/ana/"},
        {"name": "Bo Chen", "url": f"{SITE_URL}/people/bo/"},
    ]
    assert joint["_intrablog"] == {"teams": ["storage", "platform"]}
    assert joint["tags"] == ["testing"]
    assert f'href="{feed["items"][1]["url"]}"' in joint["content_html"]
    assert f'href="{SITE_URL}/pages/about/"' in joint["content_html"]
    assert feed["items"][1]["summary"] == "S & S."

    storage = json.loads((out / "feeds/teams/storage.json").read_text(encoding="utf-8"))
    platform = json.loads((out / "feeds/teams/platform.json").read_text(encoding="utf-8"))
    quiet = json.loads((out / "feeds/teams/quiet.json").read_text(encoding="utf-8"))
    assert_valid_json_feed(storage, f"{SITE_URL}/feeds/teams/storage.json")
    assert storage["title"] == "Intrablog: Storage"
    assert [i["title"] for i in storage["items"]] == ["Joint", "Storage <news>"]
    assert [i["title"] for i in platform["items"]] == ["Joint"]
    assert quiet["items"] == []

    fragment = (out / "embed/latest.html").read_text(encoding="utf-8")
    page = LexborHTMLParser(fragment)
    assert not fragment.lstrip().startswith(("<!DOCTYPE", "<html"))  # a fragment to include
    assert [a.text(strip=True) for a in page.css("li a")] == ["Joint", "Storage <news>"]
    hrefs = [a.attributes.get("href") or "" for a in page.css("a")]
    assert all(h.startswith(SITE_URL + "/") for h in hrefs)
    assert page.css_first("script, img, link, style") is None
    assert page.css_first("section").attributes.get("style")
    assert "&lt;news&gt;" in fragment  # escaped
    assert "Ana López, Bo Chen · Storage, Platform" in page.css_first("li span").text()
    team = LexborHTMLParser((out / "embed/teams/platform.html").read_text(encoding="utf-8"))
    assert [a.text(strip=True) for a in team.css("li a")] == ["Joint"]


def test_feed_and_fragment_limits_and_empty_lists() -> None:
    items = [
        PortalItem(f"{SITE_URL}/p/{n}/", f"Post {n}", dt.datetime(2026, 1, n, tzinfo=dt.UTC))
        for n in range(1, 4)
    ]
    info = FeedInfo("T", f"{SITE_URL}/", f"{SITE_URL}/feeds/all.json")
    feed = json_feed(info, items)
    assert_valid_json_feed(feed, info.feed_url)
    assert feed["items"][0]["content_html"] == "Post 1"
    empty = embed_fragment("Latest", [], more_url=f"{SITE_URL}/", feed_url=info.feed_url)
    assert "No posts yet." in empty


def test_portal_settings_are_checked() -> None:
    good = {"SITEURL": SITE_URL, "PORTAL_FEED_ITEMS": 5, "PORTAL_EMBED_ITEMS": 3}
    assert PortalSettings.from_settings(good).feed_items == 5
    with pytest.raises(SettingsError, match="PORTAL_EMBED_ITEMS"):
        PortalSettings.from_settings({**good, "PORTAL_EMBED_ITEMS": "5"})
    with pytest.raises(SettingsError, match="SITEURL must be absolute"):
        PortalSettings.from_settings({**good, "SITEURL": ""})
