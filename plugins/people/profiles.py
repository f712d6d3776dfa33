"""Author profiles and team descriptions: parse content/authors/ and content/teams/, check them.

Pure functions: they take file names and text and return values and `Problem`s, so tests
call them with strings. The bio and team description (Markdown) are rendered by a caller-
supplied function, which the plugin makes sanitizing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from plugins._shared.metadata import Header, read_header, split_list
from plugins._shared.problems import Problem, Severity

RenderMarkdown = Callable[[str], str]
LINK_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True, slots=True)
class Link:
    """A profile link and a short label for it (host and path)."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Person:
    """One author profile (content/authors/<slug>.md)."""

    slug: str
    name: str
    path: PurePosixPath
    role: str = ""
    team: str = ""
    email: str = ""
    location: str = ""
    expertise: tuple[str, ...] = ()
    avatar: str = ""
    links: tuple[Link, ...] = ()
    bio_html: str = ""
    left: date | None = None
    team_line: int = 1
    email_line: int = 1

    @property
    def initials(self) -> str:
        """Up to two initials for the generated avatar ("Ana López" -> "AL")."""
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalpha()]
        if not words:
            return self.slug[:1].upper()
        picked = [words[0], words[-1]] if len(words) > 1 else words[:1]
        return "".join(w[0].upper() for w in picked)

    @property
    def hue(self) -> int:
        """A stable colour choice (0-5) for the initials avatar, from the slug."""
        return sum(self.slug.encode("utf-8")) % 6


@dataclass(frozen=True, slots=True)
class Team:
    """One team (content/teams/<slug>.md); its members are the profiles naming it."""

    slug: str
    name: str
    path: PurePosixPath
    champion: str = ""
    contact: str = ""
    description_html: str = ""
    champion_line: int = 1


def _value(header: Header, key: str) -> str:
    found = header.get(key)
    return found.value if found else ""


def _line(header: Header, key: str) -> int:
    found = header.get(key)
    return found.line if found else 1


def _body(text: str, header: Header) -> str:
    return "\n".join(text.lstrip("\ufeff").splitlines()[header.body_line - 1 :])


def parse_links(path: PurePosixPath, line: int, value: str) -> tuple[list[Link], list[Problem]]:
    """Split `Links:` into safe links; other schemes are dropped with a warning."""
    links: list[Link] = []
    problems: list[Problem] = []
    for url in split_list(value):
        parts = urlsplit(url)
        if parts.scheme not in LINK_SCHEMES or not (parts.netloc or parts.scheme == "mailto"):
            problems.append(
                Problem(
                    path, line, f"link {url!r} is not an http(s) or mailto URL; fix or remove it",
                    "bad-link", Severity.WARNING,
                )
            )  # fmt: skip
            continue
        label = parts.path if parts.scheme == "mailto" else parts.netloc + parts.path.rstrip("/")
        links.append(Link(url=url, label=label))
    return links, problems


def parse_person(
    path: PurePosixPath, text: str, render: RenderMarkdown
) -> tuple[Person, list[Problem]]:
    """Parse one profile; the slug is the file name without its suffix."""
    header = read_header(text)
    slug = path.stem
    problems: list[Problem] = []
    name = _value(header, "name")
    if not name:
        problems.append(
            Problem(
                path, _line(header, "name"), f'no "Name:"; add "Name: Full Name" (using {slug!r})',
                "missing-name", Severity.WARNING,
            )
        )  # fmt: skip
    left: date | None = None
    if _value(header, "left"):
        try:
            left = date.fromisoformat(_value(header, "left"))
        except ValueError:
            problems.append(
                Problem(
                    path, _line(header, "left"),
                    f"cannot read Left {_value(header, 'left')!r}; write it as YYYY-MM-DD",
                    "bad-date",
                )
            )  # fmt: skip
    links, link_problems = parse_links(path, _line(header, "links"), _value(header, "links"))
    person = Person(
        slug=slug,
        name=name or slug,
        path=path,
        role=_value(header, "role"),
        team=_value(header, "team").lower(),
        email=_value(header, "email").lower(),
        location=_value(header, "location"),
        expertise=tuple(split_list(_value(header, "expertise"))),
        avatar=_value(header, "avatar").lstrip("/"),
        links=tuple(links),
        bio_html=render(_body(text, header)),
        left=left,
        team_line=_line(header, "team"),
        email_line=_line(header, "email"),
    )
    return person, problems + link_problems


def parse_team(
    path: PurePosixPath, text: str, render: RenderMarkdown
) -> tuple[Team, list[Problem]]:
    """Parse one team file; the slug is the file name without its suffix."""
    header = read_header(text)
    problems: list[Problem] = []
    name = _value(header, "name")
    if not name:
        problems.append(
            Problem(
                path, 1, f'no "Name:"; add "Name: Team name" (using {path.stem!r})',
                "missing-name", Severity.WARNING,
            )
        )  # fmt: skip
    team = Team(
        slug=path.stem,
        name=name or path.stem,
        path=path,
        champion=_value(header, "champion").lower(),
        contact=_value(header, "contact"),
        description_html=render(_body(text, header)),
        champion_line=_line(header, "champion"),
    )
    return team, problems


def check_directory(
    people: Mapping[str, Person],
    teams: Mapping[str, Team],
    avatar_exists: Callable[[str], bool] = lambda _: True,
) -> list[Problem]:
    """Check profiles against teams: unknown teams, duplicate emails, champions, avatars."""
    problems: list[Problem] = []
    seen_emails: dict[str, Person] = {}
    for person in sorted(people.values(), key=lambda p: str(p.path)):
        if not person.team:
            problems.append(
                Problem(
                    person.path, 1, 'no "Team:"; add "Team: <slug>" (see content/teams/)',
                    "missing-team", Severity.WARNING,
                )
            )  # fmt: skip
        elif person.team not in teams:
            known = ", ".join(sorted(teams)) or "none yet"
            problems.append(
                Problem(
                    person.path, person.team_line,
                    f"unknown team {person.team!r}; add content/teams/{person.team}.md or use "
                    f"one of: {known}",
                    "unknown-team",
                )
            )  # fmt: skip
        if person.email:
            first = seen_emails.setdefault(person.email, person)
            if first is not person:
                problems.append(
                    Problem(
                        person.path, person.email_line,
                        f"email {person.email} is also {first.path}'s; each person needs their "
                        "own (it matches git commits to people)",
                        "duplicate-email",
                    )
                )  # fmt: skip
        if person.avatar and not avatar_exists(person.avatar):
            problems.append(
                Problem(
                    person.path, 1, f"avatar {person.avatar!r} is not a file under content/; "
                    "fix the path or remove the line (initials are shown instead)",
                    "missing-avatar", Severity.WARNING,
                )
            )  # fmt: skip
    for team in sorted(teams.values(), key=lambda t: str(t.path)):
        champion = people.get(team.champion)
        if not team.champion:
            continue
        if champion is None:
            problems.append(
                Problem(
                    team.path, team.champion_line,
                    f"champion {team.champion!r} has no profile; add content/authors/"
                    f"{team.champion}.md or name a member",
                    "unknown-champion",
                )
            )  # fmt: skip
        elif champion.team != team.slug:
            problems.append(
                Problem(
                    team.path, team.champion_line,
                    f"champion {team.champion!r} is not a member of {team.slug!r} (their "
                    f"profile says Team: {champion.team or 'nothing'}); name a member or fix "
                    f"{champion.path}",
                    "champion-not-member",
                )
            )  # fmt: skip
    return problems
