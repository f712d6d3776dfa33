"""Who knows about X: rank people for topics with one documented score (pure and typed).

The search service can call `rank_people` for a free-text query with the same logic the
/experts/ page uses. A topic is compared by `topic_key` (lower case, accents and
punctuation folded to hyphens), so the tag `threat-modelling` and the declared expertise
"Threat modelling" are the same topic.

The score of a person for query terms T (each term counted once) is

    sum over posts p that carry a term of T:
        role(person, p) * recency(p) * matched(p) / |T|
    + DECLARED * declared(person) / |T|

where
    role      = AUTHOR (1.0) for a sole author, COAUTHOR (0.75) for one of several
                authors, CONTRIBUTOR (0.35) for someone credited by git (commits,
                Co-authored-by, Reviewed-by) who is not an author;
    recency   = 0.5 ** (age in days / HALF_LIFE_DAYS) with HALF_LIFE_DAYS = 365, so a post
                from a year ago counts half as much as one from today (future dates: 1);
    matched   = how many of the terms the post carries;
    declared  = how many of the terms the person lists under Expertise:, DECLARED = 1.5
                (a declared expertise is worth about one and a half fresh posts).

People with a zero score are left out; ties break by more posts, then by slug.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

AUTHOR = 1.0
COAUTHOR = 0.75
CONTRIBUTOR = 0.35
DECLARED = 1.5
HALF_LIFE_DAYS = 365.0


def topic_key(term: str) -> str:
    """Normalise a tag, an expertise or a query word: "Threat Modelling" -> "threat-modelling"."""
    folded = unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class PostEvidence:
    """What one post says about who knows what."""

    topics: frozenset[str]
    date: datetime
    authors: tuple[str, ...]
    contributors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExpertEvidence:
    """All the evidence: every post, and each person's declared expertise (topic keys)."""

    posts: tuple[PostEvidence, ...] = ()
    declared: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RankedPerson:
    """One person's score for a query, and what it rests on."""

    slug: str
    score: float
    posts: int
    declared: bool


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


def rank_people(
    topic_terms: Sequence[str], evidence: ExpertEvidence, now: datetime, limit: int = 5
) -> list[RankedPerson]:
    """Return up to `limit` people who know most about `topic_terms`, best first."""
    terms = {topic_key(t) for t in topic_terms} - {""}
    if not terms or limit < 1:
        return []
    scores: dict[str, float] = {}
    counts: dict[str, int] = {}
    for post in evidence.posts:
        matched = len(terms & post.topics)
        if not matched:
            continue
        weight = recency(post.date, now) * matched / len(terms)
        for slug, role in _roles(post):
            scores[slug] = scores.get(slug, 0.0) + role * weight
            counts[slug] = counts.get(slug, 0) + 1
    declared_by: set[str] = set()
    for slug, declared in evidence.declared.items():
        matched = len(terms & declared)
        if matched:
            declared_by.add(slug)
            scores[slug] = scores.get(slug, 0.0) + DECLARED * matched / len(terms)
    ranked = [
        RankedPerson(slug, round(score, 4), counts.get(slug, 0), slug in declared_by)
        for slug, score in scores.items()
        if score > 0
    ]
    ranked.sort(key=lambda r: (-r.score, -r.posts, r.slug))
    return ranked[:limit]


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
