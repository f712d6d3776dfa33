"""Linear-time taxonomy lists for Pelican's ArticlesGenerator (same lists, same order).

Pelican filters `self.dates` against each tag's, category's and author's article list with
`article in articles` (generators.py, generate_tags/categories/authors), and builds each
period archive with `[a for a in articles if a in dates]`: quadratic in the number of
posts, seconds at 5,000 posts, and paid even when no page is rendered. Content objects
compare by identity, so selecting by `id()` gives exactly the same lists. The methods
below replace Pelican's on one build's generator instance only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pelican.writers import FileOverwriteFailedError

logger = logging.getLogger("pelican.generators")  # the messages are Pelican's own

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


class DatesOf:
    """`[a for a in dates if a in articles]` in O(len(articles) log len(articles))."""

    def __init__(self, dates: list[Any]) -> None:
        self.dates = dates
        self.position = {id(article): n for n, article in enumerate(dates)}

    def __call__(self, articles: list[Any]) -> list[Any]:
        position = self.position
        found = sorted({position[id(a)] for a in articles if id(a) in position})
        return [self.dates[n] for n in found]


def _write_taxonomy(generator: Any, write: Any, kind: str, items: Any, template_name: str) -> None:
    """Pelican's generate_tags/categories/authors loop with linear `dates`."""
    template = generator.get_template(template_name)
    dates_of = DatesOf(generator.dates)
    for item, articles in items:
        try:
            write(
                item.save_as,
                template,
                generator.context,
                url=item.url,
                articles=articles,
                dates=dates_of(articles),
                template_name=template_name,
                blog=True,
                page_name=item.page_name,
                all_articles=generator.articles,
                **{kind: item},
            )
        except FileOverwriteFailedError:
            label = kind.capitalize()
            plural = {"tag": "tags", "category": "categories", "author": "authors"}[kind]
            if not item.slug:
                logger.info(
                    '%s "%s" has an invalid slug; skipping writing %s page...',
                    label,
                    item,
                    kind,
                    extra={"limit_msg": f"Further {plural} with invalid slugs."},
                )
                continue
            logger.error('Failed to write %s page for "%s".', label, item)
            raise


def linear_taxonomy_pages(generator: Any) -> None:
    """Give this generator tag, category and author writers with linear `dates` lists."""

    def generate_tags(write: Any) -> None:
        _write_taxonomy(generator, write, "tag", generator.tags.items(), "tag")

    def generate_categories(write: Any) -> None:
        _write_taxonomy(generator, write, "category", generator.categories, "category")

    def generate_authors(write: Any) -> None:
        _write_taxonomy(generator, write, "author", generator.authors, "author")

    generator.generate_tags = generate_tags
    generator.generate_categories = generate_categories
    generator.generate_authors = generate_authors
