"""The expert ranking (plugins.people.experts): a pure function with a documented score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugins.people.experts import (
    AUTHOR,
    COAUTHOR,
    CONTRIBUTOR,
    DECLARED,
    ExpertEvidence,
    PostEvidence,
    PostMatch,
    declared_strengths,
    declared_words,
    experts_by_topic,
    person_topics,
    rank_people,
    recency,
    score_people,
    topic_key,
    topic_words,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def post(
    topics: str, *authors: str, days_ago: int = 0, helped: tuple[str, ...] = ()
) -> PostEvidence:
    return PostEvidence(
        topics=frozenset(topic_key(t) for t in topics.split(",")),
        date=NOW - timedelta(days=days_ago),
        authors=authors,
        contributors=helped,
    )


def test_topic_key_folds_case_accents_and_spaces() -> None:
    assert topic_key("Threat Modelling") == "threat-modelling"
    assert topic_key("  Données / Qualité ") == "donnees-qualite"
    assert topic_key("threat-modelling") == topic_key("threat modelling")


def test_recency_halves_every_year_and_never_exceeds_one() -> None:
    assert recency(NOW, NOW) == 1.0
    assert recency(NOW - timedelta(days=365), NOW) == pytest.approx(0.5)
    assert recency(NOW - timedelta(days=730), NOW) == pytest.approx(0.25)
    assert recency(NOW + timedelta(days=30), NOW) == 1.0


def test_sole_author_beats_coauthor_beats_contributor() -> None:
    evidence = ExpertEvidence(
        posts=(post("postgres", "ana"), post("postgres", "bo", "cy", helped=("dee",)))
    )
    ranked = rank_people(["postgres"], evidence, NOW, limit=10)
    assert [r.slug for r in ranked] == ["ana", "bo", "cy", "dee"]
    assert ranked[0].score == pytest.approx(AUTHOR)
    assert ranked[1].score == pytest.approx(COAUTHOR)
    assert ranked[3].score == pytest.approx(CONTRIBUTOR)


def test_recent_posts_count_more_than_old_ones() -> None:
    evidence = ExpertEvidence(
        posts=(
            post("kubernetes", "old", days_ago=1000),
            post("kubernetes", "old", days_ago=900),
            post("kubernetes", "new", days_ago=10),
        )
    )
    assert [r.slug for r in rank_people(["kubernetes"], evidence, NOW)] == ["new", "old"]


def test_declared_expertise_counts_without_posts() -> None:
    evidence = ExpertEvidence(
        posts=(post("tls", "writer", days_ago=400),),
        declared={"expert": frozenset({"tls"}), "other": frozenset({"css"})},
    )
    ranked = rank_people(["TLS"], evidence, NOW)
    assert [(r.slug, r.declared, r.posts) for r in ranked] == [
        ("expert", True, 0),
        ("writer", False, 1),
    ]
    assert ranked[0].score == pytest.approx(DECLARED)


def test_several_terms_reward_posts_covering_more_of_them() -> None:
    evidence = ExpertEvidence(posts=(post("postgres,replication", "both"), post("postgres", "one")))
    ranked = rank_people(["postgres", "replication", "postgres"], evidence, NOW)
    assert [r.slug for r in ranked] == ["both", "one"]
    assert ranked[0].score == pytest.approx(1.0) and ranked[1].score == pytest.approx(0.5)


def test_limit_ties_and_empty_queries() -> None:
    evidence = ExpertEvidence(posts=(post("go", "b"), post("go", "a")))
    assert [r.slug for r in rank_people(["go"], evidence, NOW)] == ["a", "b"]
    assert len(rank_people(["go"], evidence, NOW, limit=1)) == 1
    assert rank_people([], evidence, NOW) == []
    assert rank_people(["  "], evidence, NOW) == []
    assert rank_people(["rust"], evidence, NOW) == []


def test_experts_by_topic_and_person_topics() -> None:
    evidence = ExpertEvidence(
        posts=(post("go,ci", "a"), post("ci", "b"), post("ci", "b", days_ago=30)),
        declared={"a": frozenset({"kubernetes"})},
    )
    table = experts_by_topic(evidence, NOW, per_topic=1)
    assert list(table) == ["ci", "go", "kubernetes"]
    assert [r.slug for r in table["ci"]] == ["b"]
    assert [topic for topic, _ in person_topics("a", evidence, NOW)] == ["kubernetes", "ci", "go"]


def test_person_topics_agree_with_rank_people() -> None:
    evidence = ExpertEvidence(
        posts=(
            post("go,ci", "a", days_ago=100),
            post("ci", "a", "b", days_ago=10, helped=("c",)),
            post("kubernetes", "b", helped=("a",)),
        ),
        declared={"a": frozenset({"go", "css"})},
    )
    for slug in ("a", "b", "c"):
        for topic, score in person_topics(slug, evidence, NOW, limit=10):
            ranked = {r.slug: r.score for r in rank_people([topic], evidence, NOW, limit=10)}
            assert ranked[slug] == pytest.approx(score), (slug, topic)


def test_score_people_weighs_each_post_by_its_match_strength() -> None:
    strong = PostEvidence(frozenset(), NOW - timedelta(days=365), ("ana",), key="a")
    weak = PostEvidence(frozenset(), NOW, ("bo",), ("ana",), key="b")
    ranked = score_people([PostMatch(strong, 1.0), PostMatch(weak, 0.2)], {}, NOW, limit=5)
    by_slug = {r.slug: r for r in ranked}
    assert by_slug["ana"].score == pytest.approx(AUTHOR * 0.5 + CONTRIBUTOR * 0.2)
    assert by_slug["bo"].score == pytest.approx(AUTHOR * 0.2)
    assert by_slug["ana"].posts == 2 and by_slug["ana"].latest == NOW
    assert by_slug["ana"].best == ("a", "b")  # the post adding most comes first
    assert score_people([PostMatch(strong, 0.0)], {}, NOW) == []  # no strength, no score


def test_rank_people_is_score_people_with_topic_shares() -> None:
    posts = (post("postgres,replication", "a", days_ago=40), post("postgres", "b", helped=("c",)))
    evidence = ExpertEvidence(posts=posts, declared={"d": frozenset({"replication"})})
    terms = {"postgres", "replication"}
    matches = [PostMatch(p, len(terms & p.topics) / 2) for p in posts]
    direct = score_people(matches, {"d": 0.5}, NOW, limit=10)
    ranked = rank_people(sorted(terms), evidence, NOW, limit=10)
    assert [(r.slug, r.score) for r in ranked] == [(r.slug, r.score) for r in direct]


def test_declared_strengths_for_text_cover_whole_topics_only() -> None:
    evidence = ExpertEvidence(
        declared={
            "kwame": frozenset({"threat-modelling", "tls"}),
            "ana": frozenset({"postgres-replication"}),
            "zoe": frozenset({"css"}),
        }
    )
    declared = declared_words(evidence)
    assert declared["kwame"] == (frozenset({"threat", "modelling"}), frozenset({"tls"}))
    strengths = declared_strengths(topic_words("Threat modelling review"), declared)
    assert strengths == {"kwame": pytest.approx(2 / 3)}
    assert declared_strengths(["postgres"], declared) == {}  # half a topic is not enough
    assert declared_strengths(["postgres", "replication"], declared) == {"ana": 1.0}
    assert declared_strengths([], declared) == {}
