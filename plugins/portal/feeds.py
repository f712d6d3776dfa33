"""Build the portal outputs from posts: JSON Feed 1.1 documents and an embeddable fragment.

Pure functions over `PortalItem` values (plain data, absolute URLs), so they are tested
without Pelican. The embed fragment is self-contained: inline styles, absolute links, no
scripts and no images, so another intranet page can include it server-side as is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True, slots=True)
class PortalAuthor:
    """An author as feeds show them."""

    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class PortalItem:
    """One post, with everything the feed and the fragment need (absolute URLs)."""

    url: str
    title: str
    date_published: dt.datetime
    summary: str = ""
    content_html: str = ""
    date_modified: dt.datetime | None = None
    authors: tuple[PortalAuthor, ...] = ()
    tags: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    team_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What a feed is about and where it lives (absolute URLs)."""

    title: str
    home_page_url: str
    feed_url: str
    description: str = ""
    language: str = "en"


def absolute(site_url: str, path: str) -> str:
    """Join a site path (with or without a leading slash) to the absolute site URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{site_url.rstrip('/')}/{path.lstrip('/')}"


def rfc3339(moment: dt.datetime) -> str:
    """Format a datetime as RFC 3339, assuming UTC when it has no time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")


def json_feed(info: FeedInfo, items: Iterable[PortalItem]) -> dict[str, Any]:
    """Return a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1)."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.home_page_url,
        "feed_url": info.feed_url,
        "language": info.language,
        "items": [],
    }
    if info.description:
        feed["description"] = info.description
    for item in items:
        entry: dict[str, Any] = {
            "id": item.url,
            "url": item.url,
            "title": item.title,
            "content_html": item.content_html or escape(item.summary) or escape(item.title),
            "date_published": rfc3339(item.date_published),
        }
        if item.summary:
            entry["summary"] = item.summary
        if item.date_modified is not None:
            entry["date_modified"] = rfc3339(item.date_modified)
        if item.authors:
            entry["authors"] = [
                {"name": a.name, **({"url": a.url} if a.url else {})} for a in item.authors
            ]
        if item.tags:
            entry["tags"] = list(item.tags)
        if item.teams:
            # JSON Feed extensions start with an underscore.
            entry["_intrablog"] = {"teams": list(item.teams)}
        feed["items"].append(entry)
    return feed


def dump_feed(feed: Mapping[str, Any]) -> str:
    """Serialize a feed as UTF-8 JSON text (not ASCII-escaped, stable key order)."""
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


def group_by_team(items: Iterable[PortalItem]) -> dict[str, list[PortalItem]]:
    """Return the items of each team (a post by two teams' authors is in both)."""
    grouped: dict[str, list[PortalItem]] = {}
    for item in items:
        for team in item.teams:
            grouped.setdefault(team, []).append(item)
    return grouped


_BOX = (
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "font-size:16px;line-height:1.45;color:#1b1f24;background:#ffffff;"
    "border:1px solid #c9d1db;border-radius:6px;padding:12px 16px;max-width:40em"
)
_HEADING = "margin:0 0 8px;font-size:18px;line-height:1.25;color:#1b1f24"
_LIST = "list-style:none;margin:0;padding:0"
_ITEM = "margin:0 0 10px;padding:0"
_LINK = "color:#0a58b8;font-weight:600;text-decoration:underline"
_META = "display:block;color:#4f5966;font-size:14px"
_FOOT = "margin:8px 0 0;font-size:14px;color:#4f5966"
_FOOT_LINK = "color:#0a58b8;text-decoration:underline"


def embed_fragment(
    heading: str,
    items: Sequence[PortalItem],
    *,
    more_url: str,
    feed_url: str,
    date_format: str = "%d %B %Y",
) -> str:
    """Return a self-contained HTML fragment listing `items` (inline styles, absolute links).

    Colours are the theme's light palette (AA on white); the box sets its own background so
    it stays readable on a dark host page.
    """
    rows = []
    for item in items:
        meta = [item.date_published.strftime(date_format)]
        if item.authors:
            meta.append(", ".join(a.name for a in item.authors))
        if item.team_names:
            meta.append(", ".join(item.team_names))
        rows.append(
            f'  <li style="{_ITEM}"><a href="{escape(item.url)}" style="{_LINK}">'
            f"{escape(item.title)}</a>"
            f'<span style="{_META}"><time datetime="{rfc3339(item.date_published)}">'
            f"{escape(meta[0])}</time>{escape(''.join(' · ' + m for m in meta[1:]))}</span></li>"
        )
    body = "\n".join(rows) if rows else f'  <li style="{_ITEM}">No posts yet.</li>'
    return (
        f'<section class="intrablog-latest" style="{_BOX}" aria-label="{escape(heading)}">\n'
        f'<h2 style="{_HEADING}">{escape(heading)}</h2>\n'
        f'<ul style="{_LIST}">\n{body}\n</ul>\n'
        f'<p style="{_FOOT}"><a href="{escape(more_url)}" style="{_FOOT_LINK}">All posts</a>'
        f' · <a href="{escape(feed_url)}" style="{_FOOT_LINK}">JSON Feed</a></p>\n'
        "</section>\n"
    )


class ArticleLike(Protocol):
    """The Pelican article attributes the portal reads."""

    url: str
    title: str
    date: dt.datetime
    authors: Sequence[Any]
    tags: Sequence[Any]

    def get_content(self, siteurl: str) -> str: ...


_ROOT_RELATIVE = re.compile(r"""(\s(?:href|src)=["'])/(?!/)""")


def absolutize_links(html: str, site_url: str) -> str:
    """Make root-relative href/src (`/pages/x/`) absolute: feeds are read off the site."""
    return _ROOT_RELATIVE.sub(lambda m: f"{m[1]}{site_url.rstrip('/')}/", html)


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML snippet, whitespace collapsed."""
    from selectolax.lexbor import LexborHTMLParser

    return " ".join((LexborHTMLParser(html).text(separator=" ") or "").split())


def article_teams(article: ArticleLike, profiles: Mapping[str, Any]) -> list[str]:
    """The teams of the post's authors (from their profiles), in author order."""
    teams: list[str] = []
    for author in article.authors:
        profile = profiles.get(author.slug)
        if profile is not None and profile.team and profile.team not in teams:
            teams.append(profile.team)
    return teams


def item_from_article(
    article: ArticleLike,
    site_url: str,
    profiles: Mapping[str, Any],
    team_names: Mapping[str, str],
) -> PortalItem:
    """Turn a Pelican article into a `PortalItem` with absolute links and profile names.

    `profiles` maps author slugs to objects with `name` and `team`.
    """
    authors = []
    for author in article.authors:
        profile = profiles.get(author.slug)
        name = profile.name if profile is not None else str(author.name)
        authors.append(PortalAuthor(name, absolute(site_url, author.url)))
    teams = article_teams(article, profiles)
    summary = getattr(article, "summary", "") or ""
    modified = getattr(article, "modified", None)
    return PortalItem(
        url=absolute(site_url, article.url),
        title=str(article.title),
        date_published=article.date,
        summary=html_to_text(summary),
        content_html=absolutize_links(article.get_content(site_url), site_url),
        date_modified=modified if isinstance(modified, dt.datetime) else None,
        authors=tuple(authors),
        tags=tuple(str(tag) for tag in article.tags),
        teams=tuple(teams),
        team_names=tuple(team_names.get(team, team) for team in teams),
    )
