"""Pelican side of the people plugin: read profiles, annotate posts, write team/expert pages.

`PeopleGenerator` runs after the article and page generators have built their context
(plugin generators come after them), so every post, tag and git history is known; and
before any output is written, so the author pages Pelican writes see `people_by_slug`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

import markdown
from pelican.generators import Generator
from pelican.urlwrappers import Author

from plugins._shared.diskmemo import DiskMemo, digest_of, open_memo, source_digest
from plugins._shared.problems import Problem, log_problem
from plugins.people.directory import Directory, PersonPage, Urls, build_directory
from plugins.people.experts import topic_key
from plugins.people.profiles import (
    Person,
    Team,
    check_directory,
    parse_person,
    parse_team,
)
from plugins.people.recognition import PostFacts, aware, credits_from_history, outdated_since
from plugins.people.settings import PeopleSettings
from plugins.sanitize import policy as policy_module
from plugins.sanitize.policy import SanitizePolicy, sanitize_html

logger = logging.getLogger(__name__)
SORTS = ("name", "posts")
MEMO_FILE = "people-html.pickle"


@dataclass(frozen=True, slots=True)
class Outdated:
    """A quiet "may be outdated" note: the limit passed, the last update, who to ask."""

    days: int
    updated: datetime
    ask: tuple[PersonPage, ...]


class MarkdownRenderer:
    """Markdown to sanitized HTML, for bios and team descriptions.

    One Markdown instance converts every text (reset between texts). With content caching
    on (CACHE_CONTENT and CACHE_PATH, as for posts in plugins.sanitize) each text's HTML is
    kept in a DiskMemo keyed by the text, the sanitizing policy and the code and library
    versions: the next build (`blog build`, or in memory the next `blog preview` build)
    converts only new or changed texts. `save()` writes the memo.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.policy = SanitizePolicy.from_settings(settings)
        self.converter = markdown.Markdown(extensions=["extra"], output_format="html")
        self.memo: DiskMemo | None = None
        self.version = b""
        if settings.get("CACHE_CONTENT") and settings.get("CACHE_PATH"):
            self.memo = open_memo(settings, Path(settings["CACHE_PATH"]) / MEMO_FILE)
            self.version = digest_of(
                source_digest(__file__, policy_module.__file__),
                metadata.version("markdown"),
                metadata.version("nh3"),
                self.policy.stable_key(),
            )

    def __call__(self, text: str) -> str:
        """The sanitized HTML of one Markdown text."""
        if self.memo is None:
            return self.render(text)
        key = digest_of(self.version, text)
        found = self.memo.get(key)
        if found is None:
            found = self.render(text)
            self.memo.put(key, found)
        return str(found)

    def render(self, text: str) -> str:
        """Convert and sanitize, remembering nothing."""
        return sanitize_html(self.converter.reset().convert(text), self.policy)

    def save(self) -> None:
        """Write the memo (in a build session: when the session closes)."""
        if self.memo is not None:
            self.memo.save()


def load_profiles(
    content: Path, settings: Mapping[str, Any]
) -> tuple[dict[str, Person], dict[str, Team], list[Problem]]:
    """Parse content/authors/*.md and content/teams/*.md and check them against each other."""
    render = MarkdownRenderer(settings)
    people: dict[str, Person] = {}
    teams: dict[str, Team] = {}
    problems: list[Problem] = []
    for source in sorted((content / "authors").glob("*.md")):
        relative = PurePosixPath(content.name, "authors", source.name)
        person, found = parse_person(relative, source.read_text(encoding="utf-8"), render)
        people[person.slug] = person
        problems += found
    for source in sorted((content / "teams").glob("*.md")):
        relative = PurePosixPath(content.name, "teams", source.name)
        team, found = parse_team(relative, source.read_text(encoding="utf-8"), render)
        teams[team.slug] = team
        problems += found
    render.save()
    problems += check_directory(people, teams, lambda p: (content / p).is_file())
    return people, teams, problems


def read_profiles(
    content: Path, settings: Mapping[str, Any]
) -> tuple[dict[str, Person], dict[str, Team]]:
    """Load profiles and teams for a build, logging their problems."""
    people, teams, problems = load_profiles(content, settings)
    for problem in problems:
        log_problem(logger, problem)
    return people, teams


def show_real_names(posts: Iterable[Any], people: Mapping[str, Person]) -> None:
    """Give Pelican's Author objects (named by slug) the profile's name, keeping the slug.

    Every byline, feed entry and author page prints `author.name`; pinning the slug first
    keeps URLs at people/<slug>/ when the name changes.
    """
    for post in posts:
        for author in getattr(post, "authors", []):
            person = people.get(author.slug)
            if person is not None and author.name != person.name:
                author.slug = author.slug
                author.name = person.name


def post_facts(post: Any, slug_by_email: Mapping[str, str], names: Mapping[str, str]) -> PostFacts:
    """Plain facts about a post: authors, topics, series, and credits from git history."""
    history = getattr(post, "git_history", None)
    credits = credits_from_history(history.commits, slug_by_email, names) if history else ()
    return PostFacts(
        item=post,
        date=aware(post.date),
        authors=tuple(a.slug for a in getattr(post, "authors", [])),
        topics=tuple(dict.fromkeys(topic_key(t.name) for t in getattr(post, "tags", []))),
        series=str(post.metadata.get("series", "") or ""),
        credits=credits,
    )


def last_updated(post: Any) -> datetime:
    """The latest of the post's Date, Modified and what git or the file says."""
    dates = [aware(post.date), aware(getattr(post, "modified", post.date))]
    history = getattr(post, "git_history", None)
    if history is not None and history.updated is not None:
        dates.append(aware(history.updated))
    return max(dates)


def who_to_ask(facts: PostFacts, directory: Directory, now: datetime) -> tuple[PersonPage, ...]:
    """The post's authors still here, else the champions of their teams."""
    authors = [directory.by_slug[s] for s in facts.authors if s in directory.by_slug]
    here = [p for p in authors if p.person.left is None or p.person.left > now.date()]
    if here:
        return tuple(here)
    champions = {
        p.team.champion: directory.by_slug[p.team.champion]
        for p in authors
        if p.team and p.team.champion in directory.by_slug
    }
    return tuple(champions.values())


class PeopleGenerator(Generator):  # type: ignore[misc]  # Pelican is untyped
    """Profiles, teams, experts and recognition for one build."""

    directory: Directory | None = None
    # What annotate needs besides the post, kept for a patched rebuild (patch_post).
    _annotating: tuple[Mapping[str, str], Mapping[str, str], PeopleSettings, datetime] | None = None

    def generate_context(self) -> None:
        """Read profiles, check them and the posts' authors, and add the template variables."""
        settings = PeopleSettings.from_settings(self.settings)
        now = settings.current_time()
        content = Path(self.path)
        people, teams = read_profiles(content, self.settings)
        published = list(self.context.get("articles", []))
        every_post = [
            *published, *self.context.get("drafts", []), *self.context.get("hidden_articles", [])
        ]  # fmt: skip
        show_real_names(every_post, people)
        slug_by_email = {p.email: p.slug for p in people.values() if p.email}
        names = {p.slug: p.name for p in people.values()}
        facts = [post_facts(post, slug_by_email, names) for post in published]
        labels: dict[str, str] = {}
        topic_urls: dict[str, str] = {}
        for person in people.values():
            for expertise in person.expertise:
                labels.setdefault(topic_key(expertise), expertise)
        for tag, _ in self.context.get("tags", []):
            labels[topic_key(tag.name)] = tag.name
            topic_urls[topic_key(tag.name)] = tag.url
        urls = Urls(
            person=self.settings["AUTHOR_URL"],
            person_feed=self.settings.get("AUTHOR_FEED_ATOM_URL")
            or self.settings.get("AUTHOR_FEED_ATOM")
            or "",
            topic=topic_urls,
            experts=settings.experts_url,
        )
        directory = build_directory(people, teams, facts, labels, urls, settings, now)
        self.directory = directory
        for post, fact in zip(published, facts, strict=True):
            self.annotate(post, fact, directory, settings, now)
        self._annotating = (slug_by_email, names, settings, now)
        self.context.update(
            people=directory.people,
            people_by_slug=directory.by_slug,
            people_groups=directory.groups,
            teams=directory.teams,
            teams_by_slug={t.slug: t for t in directory.teams},
            new_voices=directory.new_voices,
            top_contributors=directory.top_contributors,
            experts=directory.experts,
            EXPERTS_URL=settings.experts_url,
            people_sort="team",
        )

    @staticmethod
    def annotate(
        post: Any, facts: PostFacts, directory: Directory, settings: PeopleSettings, now: datetime
    ) -> None:
        """Set people, contributors, last_updated and outdated on one post."""
        post.people = [directory.by_slug[s] for s in facts.authors if s in directory.by_slug]
        post.contributors = [c for c in facts.credits if c.slug not in facts.authors]
        post.last_updated = last_updated(post)
        limit = (
            outdated_since(
                post.last_updated, facts.topics, now, settings.outdated_days,
                settings.outdated_days_by_tag,
            )
            if settings.outdated_days
            else None
        )  # fmt: skip
        post.outdated = (
            Outdated(limit, post.last_updated, who_to_ask(facts, directory, now))
            if limit is not None
            else None
        )

    def patch_post(self, post: Any) -> None:
        """Annotate a patched post again (plugins._shared.patching): its git date may be new.

        Nothing else here reads a post's body or its git date: the directory, experts and
        recognition count posts, topics and commits, which a patch never changes.
        """
        if self.directory is None or self._annotating is None:
            return
        if not any(p is post for p in self.context.get("articles", [])):
            return  # drafts and hidden posts are not annotated
        slug_by_email, names, settings, now = self._annotating
        self.annotate(post, post_facts(post, slug_by_email, names), self.directory, settings, now)

    def generate_output(self, writer: Any) -> None:
        """Write team pages and feeds, the experts page, sorted directories, empty profiles."""
        if self.directory is None:
            return
        settings = PeopleSettings.from_settings(self.settings)
        write = partial(writer.write_file, relative_urls=self.settings["RELATIVE_URLS"])
        feed_domain = self.settings.get("FEED_DOMAIN") or self.settings.get("SITEURL")
        for team in self.directory.teams:
            # Paginated as author pages are, when PAGINATED_TEMPLATES names "team".
            write(
                team.save_as, self.get_template("team"), self.context, url=team.url, team=team,
                paginated={"articles": list(team.posts)}, template_name="team",
            )  # fmt: skip
            if feed_domain and team.feed_url and team.posts:
                writer.write_feed(
                    list(team.posts), self.context, team.feed_url, team.feed_url,
                    feed_title=f"{team.name} team",
                )  # fmt: skip
        write(
            settings.experts_save_as, self.get_template("experts"), self.context,
            url=settings.experts_url,
        )  # fmt: skip
        authors_url = self.settings["AUTHORS_URL"]
        for sort in SORTS:
            write(
                f"{authors_url}by-{sort}/index.html", self.get_template("authors"), self.context,
                url=f"{authors_url}by-{sort}/", people_sort=sort,
            )  # fmt: skip
        author_template = self.get_template("author")
        for page in self.directory.people:
            if page.posts:
                continue  # Pelican writes the pages of people who have posts.
            author = Author(page.slug, self.settings)
            author.slug = page.slug
            author.name = page.name
            write(
                author.save_as, author_template, self.context, url=author.url, author=author,
                articles=[], dates=[], template_name="author", page_name=author.page_name,
            )  # fmt: skip
