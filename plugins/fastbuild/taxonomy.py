"""Linear-time taxonomy lists for Pelican's ArticlesGenerator (same lists, same order).

Pelican filters `self.dates` against each tag's, category's and author's article list with
`article in articles` (generators.py, generate_tags/categories/authors), and builds each
period archive with `[a for a in articles if a in dates]`: quadratic in the number of
posts, seconds at 5,000 posts, and paid even when no page is rendered. Content objects
compare by identity, so membership by `id()` gives exactly the same lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class IdentityList(list[Any]):
    """A list whose `in` looks the item up by identity in a set."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._ids = {id(item) for item in self}

    def __contains__(self, item: object) -> bool:
        if len(self._ids) != len(self):  # changed since creation: plain list semantics
            return super().__contains__(item)
        return id(item) in self._ids


def index_taxonomies(generator: Any) -> None:
    """Give the generator's tag, category and author lists identity lookups."""
    for tag, articles in list(generator.tags.items()):
        generator.tags[tag] = IdentityList(articles)
    generator.categories = [(cat, IdentityList(arts)) for cat, arts in generator.categories]
    generator.authors = [(author, IdentityList(arts)) for author, arts in generator.authors]


PeriodBuilder = Callable[[list[Any], list[Any], Any], dict[str, list[dict[str, Any]]]]


def linear_period_archives(build: PeriodBuilder) -> PeriodBuilder:
    """Wrap `_build_period_archives` so each archive's article list is built in one pass."""

    def build_linear(
        sorted_articles: list[Any], articles: list[Any], settings: Any
    ) -> dict[str, list[dict[str, Any]]]:
        archives = build(sorted_articles, [], settings)
        for periods in archives.values():
            for archive in periods:
                ids = {id(a) for a in archive["dates"]}
                archive["articles"] = [a for a in articles if id(a) in ids]
        return archives

    return build_linear
