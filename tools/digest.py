"""`blog digest`: an email of featured posts, new posts by team and new authors.

The digest reads the posts' metadata headers straight from content/ (no build needed, so
it is fast and works on any checkout), the curation file for the featured posts, and the
profiles for names, roles and teams. The message is multipart (plain text and HTML with
inline styles, no images) with absolute links, sent in ONE SMTP transaction to every
recipient, or written to an .eml file with `--dry-run`.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from enum import StrEnum
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from plugins._shared.catalog import PostHeader, Profile, read_posts, read_profiles, read_teams
from plugins._shared.problems import BlogError
from plugins.featured import load_curation
from plugins.featured.config import FeaturedSettings
from plugins.featured.selection import select_featured
from plugins.portal.feeds import absolute
from tools.build import load_settings

_SINCE = re.compile(r"^\s*(?P<count>\d+)\s*(?P<unit>[hdw])\s*$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
NO_TEAM = ""


class Security(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


@dataclass(frozen=True, slots=True)
class DigestPost:
    """A post as the digest shows it."""

    title: str
    url: str
    date: dt.datetime
    authors: tuple[str, ...]
    summary: str
    blurb: str = ""


@dataclass(frozen=True, slots=True)
class TeamPosts:
    """The new posts of one team (team slug "" holds posts whose authors have no team)."""

    team: str
    name: str
    posts: tuple[DigestPost, ...]


@dataclass(frozen=True, slots=True)
class NewAuthor:
    """Someone whose first post falls inside the digest window."""

    name: str
    role: str
    team_name: str
    url: str
    first_post: DigestPost


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one digest email says."""

    site_name: str
    site_url: str
    start: dt.datetime
    end: dt.datetime
    featured: tuple[DigestPost, ...] = ()
    teams: tuple[TeamPosts, ...] = ()
    new_authors: tuple[NewAuthor, ...] = ()
    new_posts: int = 0

    @property
    def empty(self) -> bool:
        """Whether there is nothing to tell anyone."""
        return not self.featured and not self.new_posts

    @property
    def first_moment(self) -> dt.datetime:
        """The first moment inside the window (`start` itself is excluded)."""
        return self.start + dt.timedelta(seconds=1)

    @property
    def subject(self) -> str:
        """The email subject: the site, the number of new posts and the period."""
        period = f"{self.first_moment:%d %b} – {self.end:%d %b %Y}"
        count = f"{self.new_posts} new post{'s' if self.new_posts != 1 else ''}"
        return f"{self.site_name} digest: {count}, {period}"


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    """Where and how to send (credentials come from options or the environment only)."""

    host: str = "localhost"
    port: int | None = None
    security: Security = Security.NONE
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def effective_port(self) -> int:
        """The port given, or the usual one for the security mode (25, 587, 465)."""
        if self.port is not None:
            return self.port
        return {Security.NONE: 25, Security.STARTTLS: 587, Security.SSL: 465}[self.security]


def parse_since(text: str) -> dt.timedelta:
    """Parse a window length such as 7d, 2w or 36h."""
    match = _SINCE.match(text)
    if not match or int(match["count"]) < 1:
        raise BlogError(f"--since {text!r}: write a number and a unit, e.g. 7d, 2w or 36h")
    return int(match["count"]) * _UNITS[match["unit"]]


def window_end(now: dt.date | None) -> dt.datetime:
    """Return the end of the digest window: the end of day `now` (UTC), or this moment."""
    if now is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    return dt.datetime.combine(now, dt.time(23, 59, 59), tzinfo=dt.UTC)


def _digest_post(post: PostHeader, site_url: str, profiles: dict[str, Profile]) -> DigestPost:
    names = tuple(profiles[a].name if a in profiles else a for a in post.authors)
    return DigestPost(post.title, absolute(site_url, post.url), post.date, names, post.summary)


def collect_digest(
    root: Path, *, since: dt.timedelta, end: dt.datetime, site_url: str | None = None
) -> Digest:
    """Gather the featured posts, the new posts by team and the new authors in the window."""
    settings = load_settings(root.resolve(), {})
    base = (site_url or str(settings.get("SITEURL") or "")).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise BlogError(
            f"site URL {base!r} is not absolute; pass --site-url https://blog.example.com "
            "or set BLOG_SITE_URL"
        )
    content_dir = Path(settings["PATH"])
    zone = ZoneInfo(str(settings.get("TIMEZONE") or "UTC"))
    posts = [p for p in read_posts(content_dir, settings, zone) if p.published]
    profiles = read_profiles(content_dir / "authors")
    team_names = {slug: team.name for slug, team in read_teams(content_dir / "teams").items()}
    start = end - since
    fresh = [p for p in posts if start < p.date <= end]

    config = FeaturedSettings.from_settings({**settings, "FEATURED_NOW": end.date()})
    curation, _ = load_curation(content_dir, config.file)
    chosen = select_featured(curation, end.date(), {p.slug: p for p in posts}, config.limit)
    featured = tuple(
        replace(_digest_post(c.article, base, profiles), blurb=c.blurb) for c in chosen
    )
    return Digest(
        site_name=str(settings.get("SITENAME") or "Intrablog"),
        site_url=base,
        start=start,
        end=end,
        featured=featured,
        teams=tuple(_group_by_team(fresh, base, profiles, team_names)),
        new_authors=tuple(_new_authors(posts, start, end, base, profiles, team_names, settings)),
        new_posts=len(fresh),
    )


def _group_by_team(
    posts: Iterable[PostHeader], base: str, profiles: dict[str, Profile], names: dict[str, str]
) -> list[TeamPosts]:
    grouped: dict[str, list[DigestPost]] = {}
    for post in sorted(posts, key=lambda p: p.date, reverse=True):
        teams = [p.team for p in (profiles.get(a) for a in post.authors) if p and p.team]
        for team in dict.fromkeys(teams or [NO_TEAM]):
            grouped.setdefault(team, []).append(_digest_post(post, base, profiles))
    ordered = sorted(grouped, key=lambda t: (t == NO_TEAM, (names.get(t) or t).lower()))
    return [
        TeamPosts(t, names.get(t, t) if t else "Other posts", tuple(grouped[t])) for t in ordered
    ]


def _new_authors(
    posts: Sequence[PostHeader],
    start: dt.datetime,
    end: dt.datetime,
    base: str,
    profiles: dict[str, Profile],
    team_names: dict[str, str],
    settings: dict[str, object],
) -> list[NewAuthor]:
    first: dict[str, PostHeader] = {}
    for post in sorted(posts, key=lambda p: p.date):
        for author in post.authors:
            first.setdefault(author, post)
    pattern = str(settings.get("AUTHOR_URL") or "people/{slug}/")
    found = []
    for author, post in sorted(first.items(), key=lambda item: item[1].date):
        if not start < post.date <= end:
            continue
        profile = profiles.get(author, Profile(author, author))
        found.append(
            NewAuthor(
                name=profile.name,
                role=profile.role,
                team_name=team_names.get(profile.team, profile.team),
                url=absolute(base, pattern.format(slug=author)),
                first_post=_digest_post(post, base, profiles),
            )
        )
    return found


def render_text(digest: Digest) -> str:
    """Render the plain-text part."""
    lines = [digest.subject, "=" * len(digest.subject), ""]

    def post_lines(post: DigestPost) -> list[str]:
        byline = f"by {', '.join(post.authors)}, {post.date:%d %b %Y}" if post.authors else ""
        out = [f"* {post.title}", f"  {post.url}"]
        if byline:
            out.append(f"  {byline}")
        text = post.blurb or post.summary
        if text:
            out.append(f"  {text}")
        return [*out, ""]

    if digest.featured:
        lines += ["FEATURED", ""]
        for post in digest.featured:
            lines += post_lines(post)
    if digest.teams:
        lines += ["NEW POSTS BY TEAM", ""]
        for team in digest.teams:
            lines += [f"{team.name}", "-" * len(team.name)]
            for post in team.posts:
                lines += post_lines(post)
    else:
        lines += ["No new posts this time.", ""]
    if digest.new_authors:
        lines += ["NEW VOICES", ""]
        for person in digest.new_authors:
            detail = ", ".join(x for x in (person.role, person.team_name) if x)
            lines += [
                f"* {person.name}{f' ({detail})' if detail else ''}",
                f"  {person.url}",
                f"  first post: {person.first_post.title}",
                "",
            ]
    lines += ["--", f"{digest.site_name}: {digest.site_url}/"]
    return "\n".join(lines) + "\n"


_S = {
    "body": "margin:0;padding:0;background:#f4f6f9;",
    "box": "max-width:640px;margin:0 auto;padding:24px;background:#ffffff;color:#1b1f24;"
    "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;",
    "h1": "margin:0 0 4px;font-size:22px;line-height:1.3;color:#0f3a66;",
    "period": "margin:0 0 20px;color:#4f5966;font-size:14px;",
    "h2": "margin:24px 0 8px;font-size:18px;line-height:1.3;color:#1b1f24;"
    "border-bottom:2px solid #c9d1db;padding-bottom:4px;",
    "h3": "margin:16px 0 6px;font-size:16px;color:#4f5966;",
    "card": "margin:0 0 14px;padding:10px 12px;border-left:4px solid #0a58b8;background:#f4f6f9;",
    "item": "margin:0 0 14px;",
    "link": "color:#0a58b8;font-weight:bold;text-decoration:underline;",
    "meta": "margin:2px 0 0;color:#4f5966;font-size:14px;",
    "text": "margin:4px 0 0;",
    "foot": "margin:24px 0 0;padding-top:12px;border-top:1px solid #c9d1db;color:#4f5966;"
    "font-size:13px;",
}


def render_html(digest: Digest) -> str:
    """Render the HTML part: inline styles only, no images, absolute links."""

    def post_block(post: DigestPost, style: str) -> str:
        meta = f"{', '.join(post.authors)} · {post.date:%d %b %Y}" if post.authors else ""
        text = post.blurb or post.summary
        return (
            f'<div style="{style}"><a href="{escape(post.url)}" style="{_S["link"]}">'
            f"{escape(post.title)}</a>"
            + (f'<p style="{_S["meta"]}">{escape(meta)}</p>' if meta else "")
            + (f'<p style="{_S["text"]}">{escape(text)}</p>' if text else "")
            + "</div>"
        )

    parts = [
        f'<h1 style="{_S["h1"]}">{escape(digest.site_name)} digest</h1>',
        f'<p style="{_S["period"]}">{digest.first_moment:%d %B} – {digest.end:%d %B %Y}</p>',
    ]
    if digest.featured:
        parts.append(f'<h2 style="{_S["h2"]}">Featured</h2>')
        parts += [post_block(post, _S["card"]) for post in digest.featured]
    parts.append(f'<h2 style="{_S["h2"]}">New posts by team</h2>')
    if not digest.teams:
        parts.append(f'<p style="{_S["text"]}">No new posts this time.</p>')
    for team in digest.teams:
        parts.append(f'<h3 style="{_S["h3"]}">{escape(team.name)}</h3>')
        parts += [post_block(post, _S["item"]) for post in team.posts]
    if digest.new_authors:
        parts.append(f'<h2 style="{_S["h2"]}">New voices</h2>')
        for person in digest.new_authors:
            detail = ", ".join(x for x in (person.role, person.team_name) if x)
            parts.append(
                f'<div style="{_S["item"]}"><a href="{escape(person.url)}" style="{_S["link"]}">'
                f"{escape(person.name)}</a>"
                + (f'<p style="{_S["meta"]}">{escape(detail)}</p>' if detail else "")
                + f'<p style="{_S["text"]}">First post: <a href="{escape(person.first_post.url)}"'
                f' style="color:#0a58b8;">{escape(person.first_post.title)}</a></p></div>'
            )
    parts.append(
        f'<p style="{_S["foot"]}">Read everything at <a href="{escape(digest.site_url)}/" '
        f'style="color:#0a58b8;">{escape(digest.site_url)}/</a>.</p>'
    )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{escape(digest.subject)}</title>\n</head>\n"
        f'<body style="{_S["body"]}">\n<div style="{_S["box"]}">\n{body}\n</div>\n'
        "</body>\n</html>\n"
    )


def unique_recipients(addresses: Iterable[str]) -> list[str]:
    """Split comma-separated addresses, drop duplicates (case-insensitive) and check each."""
    found: dict[str, str] = {}
    for _name, address in getaddresses(list(addresses)):
        if not address:
            continue
        if "@" not in address or any(c.isspace() for c in address):
            raise BlogError(f"--to {address!r} is not an email address")
        found.setdefault(address.lower(), address)
    return list(found.values())


def build_message(digest: Digest, *, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """Build the multipart/alternative message (plain text first, then HTML)."""
    _, sender_address = parseaddr(sender)
    if "@" not in sender_address:
        raise BlogError(f"--from {sender!r} is not an email address")
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(digest))
    message.add_alternative(render_html(digest), subtype="html")
    return message


def write_eml(message: EmailMessage, path: Path) -> Path:
    """Write the message to an .eml file (for --dry-run) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path


def send_digest(message: EmailMessage, recipients: Sequence[str], smtp: SmtpOptions) -> None:
    """Send the message once, in one SMTP transaction for all recipients.

    Raises:
        BlogError: the server could not be reached, refused the login, the sender, any
            recipient or the message. The error says what was (not) sent.
    """
    if not recipients:
        raise BlogError("no recipients: pass --to ADDRESS (or set BLOG_DIGEST_TO)")
    if smtp.user and not smtp.password:
        raise BlogError(f"SMTP user {smtp.user!r} given without a password: set BLOG_SMTP_PASSWORD")
    where = f"{smtp.host}:{smtp.effective_port}"
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.security is Security.SSL:
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.effective_port, timeout=smtp.timeout, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.effective_port, timeout=smtp.timeout)
        with client:
            if smtp.security is Security.STARTTLS:
                client.starttls(context=context)
            if smtp.user and smtp.password:
                client.login(smtp.user, smtp.password)
            refused = client.send_message(message, to_addrs=list(recipients))
    except smtplib.SMTPAuthenticationError as error:
        raise BlogError(
            f"SMTP server {where} refused the login for {smtp.user!r}: {_reply(error)}; "
            "nothing was sent"
        ) from error
    except smtplib.SMTPRecipientsRefused as error:
        details = "; ".join(f"{a}: {_reply_of(*r)}" for a, r in error.recipients.items())
        raise BlogError(
            f"SMTP server {where} refused every recipient ({details}); nothing was sent"
        ) from error
    except smtplib.SMTPResponseException as error:
        raise BlogError(
            f"SMTP server {where} rejected the digest: {_reply(error)}; nothing was sent"
        ) from error
    except ssl.SSLError as error:
        raise BlogError(
            f"TLS with SMTP server {where} failed ({error.reason or error}); use --ssl only "
            "for implicit TLS (port 465) and --starttls for submission (587)"
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise BlogError(
            f"cannot send through SMTP server {where}: {error or type(error).__name__}; "
            "check --smtp-host/--smtp-port (BLOG_SMTP_HOST/BLOG_SMTP_PORT)"
        ) from error
    if refused:
        details = "; ".join(f"{a}: {_reply_of(*r)}" for a, r in refused.items())
        accepted = len(recipients) - len(refused)
        raise BlogError(f"sent to {accepted} recipient(s), but {where} refused: {details}")


def _reply(error: smtplib.SMTPResponseException) -> str:
    return _reply_of(error.smtp_code, error.smtp_error)


def _reply_of(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {message}".strip()


def default_eml_path(root: Path, end: dt.datetime) -> Path:
    """Where --dry-run writes the message when no --output is given."""
    return root / "output" / f"digest-{end:%Y-%m-%d}.eml"
