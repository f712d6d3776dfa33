"""Assemble what the people, team and experts templates show, from profiles and post facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from plugins.people.experts import (
    ExpertEvidence,
    PostEvidence,
    experts_by_topic,
    person_topics,
    topic_key,
)
from plugins.people.profiles import Person, Team
from plugins.people.recognition import (
    Milestone,
    PostFacts,
    authored,
    aware,
    contributed,
    milestones,
    new_voices,
    quarterly_top,
)
from plugins.people.settings import PeopleSettings


@dataclass(frozen=True, slots=True)
class Urls:
    """Site-relative URL patterns ({slug}) for people, their feeds, and topics."""

    person: str
    person_feed: str
    topic: Mapping[str, str]
    experts: str


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic as shown: its key, a readable label and where it links."""

    key: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class PersonPage:
    """Everything an author page, a directory entry or a byline shows about one person."""

    person: Person
    url: str
    feed_url: str
    team: Team | None
    posts: tuple[object, ...]
    cowritten: tuple[object, ...]
    contributed: tuple[object, ...]
    first_post: datetime | None
    latest_post: datetime | None
    topics: tuple[Topic, ...]
    milestones: tuple[Milestone, ...]

    @property
    def slug(self) -> str:
        """The profile slug (the file name of content/authors/<slug>.md)."""
        return self.person.slug

    @property
    def name(self) -> str:
        """The display name."""
        return self.person.name

    @property
    def post_count(self) -> int:
        """How many posts they wrote or co-wrote."""
        return len(self.posts)


@dataclass(frozen=True, slots=True)
class TeamPage:
    """A team, its champion and members, and the posts its members wrote."""

    team: Team
    url: str
    save_as: str
    feed_url: str
    champion: PersonPage | None
    members: tuple[PersonPage, ...]
    posts: tuple[object, ...]

    @property
    def slug(self) -> str:
        """The team slug (the file name of content/teams/<slug>.md)."""
        return self.team.slug

    @property
    def name(self) -> str:
        """The team's display name."""
        return self.team.name


@dataclass(frozen=True, slots=True)
class QuarterView:
    """One quarter's top contributors, resolved to people."""

    label: str
    by_posts: tuple[tuple[PersonPage, int], ...]
    by_contributions: tuple[tuple[PersonPage, int], ...]


@dataclass(frozen=True, slots=True)
class TopicExperts:
    """The people who know most about one topic, with their scores."""

    topic: Topic
    people: tuple[tuple[PersonPage, float], ...]


@dataclass(frozen=True, slots=True)
class Directory:
    """The whole people-and-teams model for one build."""

    people: tuple[PersonPage, ...]
    by_slug: Mapping[str, PersonPage]
    teams: tuple[TeamPage, ...]
    groups: tuple[tuple[TeamPage | None, tuple[PersonPage, ...]], ...]
    new_voices: tuple[tuple[PersonPage, datetime], ...]
    top_contributors: tuple[QuarterView, ...]
    experts: tuple[TopicExperts, ...]
    evidence: ExpertEvidence


def evidence_from(posts: Sequence[PostFacts], people: Mapping[str, Person]) -> ExpertEvidence:
    """The expert evidence: every post's topics and people, and declared expertise."""
    return ExpertEvidence(
        posts=tuple(
            PostEvidence(frozenset(p.topics), aware(p.date), p.authors, p.credited()) for p in posts
        ),
        declared={
            slug: frozenset(topic_key(e) for e in person.expertise) - {""}
            for slug, person in people.items()
        },
    )


def _newest_first(posts: Sequence[PostFacts]) -> tuple[object, ...]:
    return tuple(p.item for p in sorted(posts, key=lambda p: aware(p.date), reverse=True))


def build_directory(
    people: Mapping[str, Person],
    teams: Mapping[str, Team],
    posts: Sequence[PostFacts],
    labels: Mapping[str, str],
    urls: Urls,
    settings: PeopleSettings,
    now: datetime,
) -> Directory:
    """Build every view the templates need, in one pass over the facts."""
    evidence = evidence_from(posts, people)

    def topic(key: str) -> Topic:
        return Topic(key, labels.get(key, key.replace("-", " ")), urls.topic.get(key, ""))

    # Index once by person, so each profile looks only at its own posts.
    related: dict[str, list[int]] = {}
    for index, fact in enumerate(posts):
        for slug in dict.fromkeys((*fact.authors, *fact.credited())):
            related.setdefault(slug, []).append(index)
    pages: dict[str, PersonPage] = {}
    first_posts: dict[str, datetime] = {}
    for slug, person in people.items():
        theirs = [posts[i] for i in related.get(slug, [])]
        own_evidence = ExpertEvidence(
            tuple(evidence.posts[i] for i in related.get(slug, [])),
            {slug: evidence.declared.get(slug, frozenset())},
        )
        mine = authored(slug, theirs)
        if mine:
            first_posts[slug] = mine[0].date
        pages[slug] = PersonPage(
            person=person,
            url=urls.person.format(slug=slug),
            feed_url=urls.person_feed.format(slug=slug) if mine and urls.person_feed else "",
            team=teams.get(person.team),
            posts=_newest_first(mine),
            cowritten=_newest_first([p for p in mine if len(p.authors) > 1]),
            contributed=tuple(p.item for p in contributed(slug, theirs)),
            first_post=mine[0].date if mine else None,
            latest_post=mine[-1].date if mine else None,
            topics=tuple(topic(k) for k, _ in person_topics(slug, own_evidence, now, 5)),
            milestones=tuple(milestones(mine)),
        )
    by_name = tuple(sorted(pages.values(), key=lambda p: (p.name.casefold(), p.slug)))
    team_pages: dict[str, TeamPage] = {}
    for slug, team in teams.items():
        members = tuple(p for p in by_name if p.person.team == slug)
        member_slugs = {p.slug for p in members}
        team_pages[slug] = TeamPage(
            team=team,
            url=settings.team_url.format(slug=slug),
            save_as=settings.team_save_as.format(slug=slug),
            feed_url=settings.team_feed_atom.format(slug=slug),
            champion=pages.get(team.champion),
            members=members,
            posts=_newest_first([p for p in posts if member_slugs & set(p.authors)]),
        )
    teams_by_name = tuple(sorted(team_pages.values(), key=lambda t: t.name.casefold()))
    groups: list[tuple[TeamPage | None, tuple[PersonPage, ...]]] = [
        (t, t.members) for t in teams_by_name if t.members
    ]
    teamless = tuple(p for p in by_name if p.person.team not in team_pages)
    if teamless:
        groups.append((None, teamless))
    voices = tuple(
        (pages[slug], first)
        for slug, first in new_voices(first_posts, now, settings.new_voice_days)
    )
    tops = tuple(
        QuarterView(
            label=q.label,
            by_posts=tuple((pages[s], n) for s, n in q.by_posts if s in pages),
            by_contributions=tuple((pages[s], n) for s, n in q.by_contributions if s in pages),
        )
        for q in quarterly_top(posts, now, settings.top_quarters)
    )
    experts = tuple(
        TopicExperts(topic(key), tuple((pages[r.slug], r.score) for r in ranked if r.slug in pages))
        for key, ranked in experts_by_topic(evidence, now, settings.experts_per_topic).items()
    )
    return Directory(
        people=by_name,
        by_slug=pages,
        teams=teams_by_name,
        groups=tuple(groups),
        new_voices=voices,
        top_contributors=tops,
        experts=tuple(e for e in experts if e.people),
        evidence=evidence,
    )
