"""Posts made from session snapshots remember their URLs, and answer exactly as Pelican does."""

from __future__ import annotations

import pickle
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pelican.contents import Article, Page
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Author, Category

from plugins._shared.session import BuildSession
from plugins.fastbuild.session import freeze, thaw

PATTERNS = [
    "posts/{date:%Y}/{slug}/",
    "{category}/{author}/{slug}.html",
    "{lang}/{date:%Y/%m/%d/%H}/{slug}/",
    "{series}/{slug}/",  # a metadata field
    "{path}",  # the source path: formatted by Pelican every time
    "{date.year}/{slug}/",
    "static/",
]


def settings_for(pattern: str) -> dict[str, Any]:
    settings = dict(DEFAULT_CONFIG)
    settings.update(
        PATH="/site/content",
        ARTICLE_URL=pattern,
        ARTICLE_SAVE_AS=pattern + "index.html",
        ARTICLE_LANG_URL="lang/" + pattern,
        ARTICLE_LANG_SAVE_AS="lang/" + pattern + "index.html",
        DRAFT_URL="drafts/" + pattern,
        DRAFT_SAVE_AS="drafts/" + pattern + "index.html",
        PAGE_URL="pages/{slug}/",
        PAGE_SAVE_AS="pages/{slug}/index.html",
    )
    return settings


def article(settings: dict[str, Any], **metadata: Any) -> Article:
    fields: dict[str, Any] = {
        "title": "A post",
        "slug": "a-post",
        "date": datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris")),
        "author": Author("ana-lopez", settings),
        "category": Category("Storage Team", settings),
        "series": "databases",
    }
    fields.update(metadata)
    return Article(
        "<p>Body</p>", metadata=fields, settings=settings,
        source_path="/site/content/posts/2026/a-post.md",
    )  # fmt: skip


def urls(content: Any) -> tuple[str, str]:
    return content.url, content.save_as


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_thawed_post_has_pelicans_urls_build_after_build(pattern: str) -> None:
    settings = settings_for(pattern)
    session = BuildSession()
    snapshot = freeze(article(settings))
    for _ in range(3):
        session.adopt(b"site")
        thawed = thaw(snapshot, settings, {}, session)
        assert type(thawed).__name__ == "Article" and isinstance(thawed, Article)
        assert urls(thawed) == urls(article(settings))
        copied = pickle.loads(pickle.dumps(thawed))  # as a plain Article
        assert type(copied) is Article and urls(copied) == urls(thawed)


@pytest.mark.parametrize("pattern", PATTERNS[:4])
def test_a_remembered_url_follows_every_field_it_is_made_of(pattern: str) -> None:
    settings = settings_for(pattern)
    session = BuildSession()
    snapshot = freeze(article(settings))
    session.adopt(b"site")
    thaw(snapshot, settings, {}, session).url  # noqa: B018  # remembered now
    paris = datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    changes: list[dict[str, Any]] = [
        {"slug": "renamed"},
        {"date": datetime(2025, 12, 31, 23, 0, tzinfo=ZoneInfo("Europe/Paris"))},
        {"date": paris.astimezone(ZoneInfo("UTC"))},  # the same instant, another hour
        {"category": Category("Data Team", settings)},
        {"author": Author("bo-chen", settings)},
        {"lang": "fr"},
        {"status": "draft"},
        {"in_default_lang": False},
    ]
    for change in changes:
        session.adopt(b"site")
        thawed = thaw(snapshot, settings, {}, session)
        expected = article(settings)
        for name, value in change.items():
            setattr(thawed, name, value)
            setattr(expected, name, value)
        assert urls(thawed) == urls(expected), change
    session.adopt(b"site")
    thawed = thaw(snapshot, settings, {}, session)
    thawed.metadata["series"] = "queues"
    expected = article(settings, series="queues")
    assert urls(thawed) == urls(expected)


def test_a_draft_page_and_a_published_page_of_the_same_slug_keep_their_own_urls() -> None:
    settings = settings_for(PATTERNS[0])
    settings.update(
        DRAFT_PAGE_URL="drafts/pages/{slug}/", DRAFT_PAGE_SAVE_AS="drafts/pages/{slug}/index.html"
    )
    session = BuildSession()

    def page(status: str) -> Page:
        return Page(
            "<p>About</p>", metadata={"title": "About", "slug": "about", "status": status},
            settings=settings, source_path=f"/site/content/pages/{status}.md",
        )  # fmt: skip

    for _ in range(2):
        session.adopt(b"site")
        for status in ("draft", "published", "draft"):
            thawed = thaw(freeze(page(status)), settings, {}, session)
            assert urls(thawed) == urls(page(status)), status
    assert urls(page("draft")) == ("drafts/pages/about/", "drafts/pages/about/index.html")


def test_a_given_url_and_a_page_are_answered_as_pelican_does() -> None:
    settings = settings_for(PATTERNS[0])
    session = BuildSession()
    session.adopt(b"site")
    page = Page(
        "<p>About</p>", metadata={"title": "About", "slug": "about"}, settings=settings,
        source_path="/site/content/pages/about.md",
    )  # fmt: skip
    thawed_page = thaw(freeze(page), settings, {}, session)
    assert type(thawed_page).__name__ == "Page"
    assert urls(thawed_page) == urls(page) == ("pages/about/", "pages/about/index.html")
    given = article(settings, url="elsewhere/", save_as="elsewhere/index.html")
    thawed = thaw(freeze(given), settings, {}, session)
    assert urls(thawed) == ("elsewhere/", "elsewhere/index.html")


def test_remembered_urls_last_one_build_past_their_use() -> None:
    settings = settings_for(PATTERNS[0])
    session = BuildSession()
    snapshot = freeze(article(settings))
    for slug in ("a-post", "second", "third"):
        session.adopt(b"site")
        thawed = thaw(snapshot, settings, {}, session)
        thawed.slug = slug
        assert thawed.url == f"posts/2026/{slug}/"
    memo = session.lasting("fastbuild-urls")
    assert list(memo["current"].values()) == ["posts/2026/third/"]
    assert list(memo["last"].values()) == ["posts/2026/second/"]
