"""Who knows about X: rank people with one documented score (pure and typed).

Two callers share the score:
- the /experts/ page ranks people for topics (tags and declared expertise) with
  `rank_people`; a topic is compared by `topic_key` (lower case, accents and punctuation
  folded to hyphens), so the tag `threat-modelling` and the declared expertise
  "Threat modelling" are the same topic;
- the search service (/api/experts?q=...) ranks people for a free-text query with
  `score_people`: each post the search finds brings its relevance (its search score over
  the best one) as its match strength, and `declared_strengths` matches the query's words
  against declared expertise.

The score of a person is

    sum over matching posts p:  role(person, p) * recency(p) * strength(p)
    + DECLARED * declared(person)

where
    role      = AUTHOR (1.0) for a sole author, COAUTHOR (0.75) for one of several
                authors, CONTRIBUTOR (0.35) for someone credited by git (commits,
                Co-authored-by, Reviewed-by) who is not an author;
    recency   = 0.5 ** (age in days / HALF_LIFE_DAYS) with HALF_LIFE_DAYS = 365, so a post
                from a year ago counts half as much as one from today (future dates: 1);
    strength  = how well the post matches, from 0 to 1: for topics T (each counted once),
                the share of T the post carries; for a text query, the post's relevance;
    declared  = how much of the query the person's declared expertise covers, from 0 to 1:
                for topics, the share of T they list under Expertise:; for a text query,
                the share of the query's words covered by declared topics all of whose
                words are in the query. DECLARED = 1.5 (a declared expertise is worth about
                one and a half fresh posts).

People with a zero score are left out; ties break by more posts, then by slug.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

AUTHOR = 1.0
COAUTHOR = 0.75
CONTRIBUTOR = 0.35
DECLARED = 1.5
HALF_LIFE_DAYS = 365.0
BEST_POSTS = 3


def topic_key(term: str) -> str:
    """Normalise a tag, an expertise or a query word: "Threat Modelling" -> "threat-modelling"."""
    folded = unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def topic_words(text: str) -> list[str]:
    """The words of a topic or query as topic keys: "Threat Modelling" -> [threat, modelling]."""
    return [word for word in topic_key(text).split("-") if word]


@dataclass(frozen=True, slots=True)
class PostEvidence:
    """What one post says about who knows what; `key` names it for the caller (a URL)."""

    topics: frozenset[str]
    date: datetime
    authors: tuple[str, ...]
    contributors: tuple[str, ...] = ()
    key: str = ""


@dataclass(frozen=True, slots=True)
class PostMatch:
    """A post that matches a query, and how well: `strength` from 0 (not at all) to 1."""

    post: PostEvidence
    strength: float


@dataclass(frozen=True, slots=True)
class ExpertEvidence:
    """All the evidence: every post, and each person's declared expertise (topic keys)."""

    posts: tuple[PostEvidence, ...] = ()
    declared: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RankedPerson:
    """One person's score for a query, and what it rests on.

    `posts` counts the matching posts they wrote or were credited on, `latest` is the
    newest of them, `best` holds the keys of those adding most to the score, best first.
    """

    slug: str
    score: float
    posts: int
    declared: bool
    latest: datetime | None = None
    best: tuple[str, ...] = ()


def recency(when: datetime, now: datetime) -> float:
    """Weight of a post written at `when`, seen at `now` (1.0 today, 0.5 a year ago)."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    age_days = max((now - when).total_seconds() / 86400, 0.0)
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


def _roles(post: PostEvidence) -> Iterable[tuple[str, float]]:
    weight = AUTHOR if len(post.authors) == 1 else COAUTHOR
    for slug in post.authors:
        yield slug, weight
    for slug in post.contributors:
        if slug not in post.authors:
            yield slug, CONTRIBUTOR


def score_people(
    matches: Iterable[PostMatch],
    declared: Mapping[str, float],
    now: datetime,
    limit: int = 5,
    best: int = BEST_POSTS,
) -> list[RankedPerson]:
    """Rank people by the matching posts and declared-expertise strengths (the score above).

    `declared` maps a slug to how much of the query their declared expertise covers (0-1).
    """
    if limit < 1:
        return []
    scores: dict[str, float] = {}
    counts: dict[str, int] = {}
    latest: dict[str, datetime] = {}
    parts: dict[str, list[tuple[float, str]]] = {}
    for match in matches:
        strength = min(max(match.strength, 0.0), 1.0)
        if not strength:
            continue
        post = match.post
        weight = recency(post.date, now) * strength
        for slug, role in _roles(post):
            scores[slug] = scores.get(slug, 0.0) + role * weight
            counts[slug] = counts.get(slug, 0) + 1
            if slug not in latest or _aware(post.date) > _aware(latest[slug]):
                latest[slug] = post.date
            if best:
                parts.setdefault(slug, []).append((-role * weight, post.key))
    declared_by: set[str] = set()
    for slug, share in declared.items():
        share = min(max(share, 0.0), 1.0)
        if share:
            declared_by.add(slug)
            scores[slug] = scores.get(slug, 0.0) + DECLARED * share
    ranked = [
        RankedPerson(
            slug,
            round(score, 4),
            counts.get(slug, 0),
            slug in declared_by,
            latest.get(slug),
            tuple(key for _, key in sorted(parts.get(slug, []))[:best]),
        )
        for slug, score in scores.items()
        if score > 0
    ]
    ranked.sort(key=lambda r: (-r.score, -r.posts, r.slug))
    return ranked[:limit]


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def rank_people(
    topic_terms: Sequence[str], evidence: ExpertEvidence, now: datetime, limit: int = 5
) -> list[RankedPerson]:
    """Return up to `limit` people who know most about `topic_terms`, best first."""
    terms = {topic_key(t) for t in topic_terms} - {""}
    if not terms or limit < 1:
        return []
    matches = [
        PostMatch(post, len(terms & post.topics) / len(terms))
        for post in evidence.posts
        if terms & post.topics
    ]
    declared = {
        slug: len(terms & topics) / len(terms)
        for slug, topics in evidence.declared.items()
        if terms & topics
    }
    return score_people(matches, declared, now, limit, best=0)


def declared_strengths(
    query_terms: Iterable[str],
    declared: Mapping[str, Iterable[frozenset[str]]],
) -> dict[str, float]:
    """For a text query, how much of it each person's declared expertise covers (0-1).

    `query_terms` are the query's words and `declared` each person's declared topics as
    sets of words, all normalised the same way (the search service stems them with the
    index's analyzer; `topic_words` is the plain choice). A topic counts when all its words
    are in the query: "Threat modelling" covers 2 of the 3 words of "threat modelling
    review"; "Postgres replication" does not cover "postgres".
    """
    wanted = set(query_terms)
    if not wanted:
        return {}
    found: dict[str, float] = {}
    for slug, topics in declared.items():
        covered: set[str] = set()
        for words in topics:
            if words and words <= wanted:
                covered |= words
        if covered:
            found[slug] = len(covered) / len(wanted)
    return found


def declared_words(
    evidence: ExpertEvidence, words: Callable[[str], Iterable[str]] = topic_words
) -> dict[str, tuple[frozenset[str], ...]]:
    """Each person's declared topics as sets of words, for `declared_strengths`."""
    return {
        slug: tuple(
            found
            for topic in sorted(topics)
            if (found := frozenset(words(topic.replace("-", " "))))
        )
        for slug, topics in evidence.declared.items()
    }


def all_topics(evidence: ExpertEvidence) -> set[str]:
    """Every topic key some post carries or some person declares."""
    found: set[str] = set()
    for post in evidence.posts:
        found |= post.topics
    for declared in evidence.declared.values():
        found |= declared
    return found


def experts_by_topic(
    evidence: ExpertEvidence, now: datetime, per_topic: int
) -> dict[str, list[RankedPerson]]:
    """Rank people for every topic (the /experts/ page), topics in alphabetical order."""
    by_topic: dict[str, list[PostEvidence]] = {}
    for post in evidence.posts:
        for topic in post.topics:
            by_topic.setdefault(topic, []).append(post)
    return {
        topic: rank_people(
            [topic], ExpertEvidence(tuple(by_topic.get(topic, ())), evidence.declared), now,
            per_topic,
        )
        for topic in sorted(all_topics(evidence))
    }  # fmt: skip


def person_topics(
    slug: str, evidence: ExpertEvidence, now: datetime, limit: int = 5
) -> list[tuple[str, float]]:
    """The topics `slug` scores highest on, as (topic key, score), best first.

    Each score equals `rank_people([topic], ...)`'s score for `slug`, computed in one pass.
    """
    scores: dict[str, float] = {}
    for post in evidence.posts:
        role = dict(_roles(post)).get(slug)
        if role is None:
            continue
        weight = role * recency(post.date, now)
        for topic in post.topics:
            scores[topic] = scores.get(topic, 0.0) + weight
    for topic in evidence.declared.get(slug, frozenset()):
        scores[topic] = scores.get(topic, 0.0) + DECLARED
    ranked = [(topic, round(score, 4)) for topic, score in scores.items() if score > 0]
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked[:limit]
