"""Related posts by weighted overlap of tags, series and title words.

This is "more like this" on the index's own vocabulary (stemmed title words, lower-case
tags), computed in memory at build time for every post. Whoosh's `more_like` costs about
13 ms a post (over a minute at 5,000 posts), so it is not used.

A feature (a tag, the series, a title stem) weighs its kind's weight times its inverse
document frequency; a post's score against another is the sum over shared features.
Candidates come only from the posting lists of rarer features, so the cost stays near
linear in the number of posts; common features still count in the score of every
candidate. Scores are integers and ties break on date then path, so the result is the
same whatever the order of the input or the hash seed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

TAG_WEIGHT = 3
SERIES_WEIGHT = 4
TITLE_WEIGHT = 2
# A feature shared by more posts than this does not generate candidates on its own.
RARE_MIN = 60
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)

Feature = tuple[str, str]


@dataclass(frozen=True, slots=True)
class RelatedInput:
    """What relatedness looks at for one post."""

    key: str
    title: str
    tags: tuple[str, ...]
    series: str
    date: datetime


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(stem(word))


def features_of(item: RelatedInput) -> dict[Feature, int]:
    """Return the post's features with their kind weight."""
    found: dict[Feature, int] = {}
    for word in _WORD.findall(item.title.lower()):
        if word not in STOP_WORDS:
            found["w", _stem(word)] = TITLE_WEIGHT
    for tag in item.tags:
        found["t", tag.lower()] = TAG_WEIGHT
    if item.series:
        found["s", item.series.lower()] = SERIES_WEIGHT
    return found


def related_posts(items: Sequence[RelatedInput], count: int) -> dict[str, list[str]]:
    """Return, for each post key, up to `count` keys of the most related other posts."""
    if count < 1 or not items:
        return {item.key: [] for item in items}
    features = [features_of(item) for item in items]
    postings: dict[Feature, list[int]] = {}
    for number, found in enumerate(features):
        for feature in found:
            postings.setdefault(feature, []).append(number)
    total = len(items)
    idf = {f: round(1000 * math.log(1 + total / len(p))) for f, p in postings.items()}
    rare_limit = max(RARE_MIN, total // 50)
    order = {number: rank for rank, number in enumerate(_newest_first(items))}
    newest: dict[Feature, list[int]] = {}
    result: dict[str, list[str]] = {}
    for number, found in enumerate(features):
        weights = {f: w * idf[f] for f, w in found.items()}
        candidates: set[int] = set()
        for feature in found:
            posting = postings[feature]
            if len(posting) <= rare_limit:
                candidates.update(posting)
        if len(candidates) <= count:
            # Only common features: take the newest posts sharing the most specific one.
            for feature in sorted(found, key=lambda f: (len(postings[f]), f)):
                if feature not in newest:
                    newest[feature] = sorted(postings[feature], key=order.__getitem__)
                candidates.update(newest[feature][: rare_limit + 1])
                if len(candidates) > count:
                    break
        candidates.discard(number)
        scored = []
        for other in candidates:
            score = sum(weights[f] for f in found.keys() & features[other].keys())
            if score > 0:
                scored.append((-score, order[other], items[other].key))
        scored.sort()
        result[items[number].key] = [key for _, _, key in scored[:count]]
    return result


def _newest_first(items: Sequence[RelatedInput]) -> list[int]:
    return sorted(range(len(items)), key=lambda n: (-items[n].date.timestamp(), items[n].key))
