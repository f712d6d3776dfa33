"""Home page curation from content/featured.yml: featured posts, spotlights and a banner.

Comms own content/featured.yml (reviewed like any change; `blog feature` edits it). Entries
are active while from <= today <= until (both inclusive), evaluated at build time, so
expired entries disappear without anyone editing the file. Unknown posts or authors, bad
dates and `from` after `until` are build errors naming the YAML line. Expired entries are
only logged at INFO: time passing must not break a `--strict` build (`blog feature list`
shows them as warnings).

Settings:
    FEATURED_FILE: the curation file, relative to the content folder (default featured.yml).
    FEATURED_LIMIT: how many featured posts the home page shows at most (default 3).
    FEATURED_NOW: the date to evaluate from/until against: None (default) means today in
        UTC; `blog build --now YYYY-MM-DD` sets it for previews and tests.

Template variables (every page):
    featured_posts: list of FeaturedPost (.article, .blurb), best first.
    spotlights: list of SpotlightPerson (.name, .role, .team, .team_name, .reason, .url).
    banner: Banner (.text, .link, .external, .path) or None.
Article attribute: `featured` is True on the featured posts (lists and post pages mark them).
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath
from typing import Any

from pelican import signals

from plugins._shared.catalog import read_profiles, read_teams
from plugins._shared.patching import patch_aware
from plugins._shared.problems import Problem, log_problem
from plugins.featured.config import FeaturedSettings
from plugins.featured.selection import (
    Curation,
    parse_curation,
    select_banner,
    select_featured,
    select_spotlights,
    validate_curation,
)

logger = logging.getLogger(__name__)


def load_curation(content_dir: Path, file: PurePosixPath) -> tuple[Curation, list[Problem]]:
    """Read and parse the curation file; a missing file means nothing is curated."""
    source = content_dir / file
    if not source.is_file():
        return Curation(), []
    text = source.read_text(encoding="utf-8")
    return parse_curation(text, PurePosixPath(content_dir.name, *file.parts))


def report(problems: list[Problem]) -> None:
    """Log problems; expired entries only at INFO (see the module docstring)."""
    for problem in problems:
        if problem.code == "expired":
            logger.info("%s", problem)
        else:
            log_problem(logger, problem)


@patch_aware  # reads slugs, titles and the curation file: never a body
def add_curation(generator: Any) -> None:
    """Add featured_posts, spotlights and banner to the context; mark featured articles."""
    config = FeaturedSettings.from_settings(generator.settings)
    content_dir = Path(generator.path)
    curation, problems = load_curation(content_dir, config.file)
    profiles = read_profiles(content_dir / "authors")
    posts = {a.slug: a for a in [*generator.articles, *generator.hidden_articles]}
    drafts = {a.slug for a in generator.drafts}
    path = PurePosixPath(content_dir.name, *config.file.parts)
    report(
        problems
        + validate_curation(
            curation, path, posts=posts, authors=profiles, today=config.today, unpublished=drafts
        )
    )
    chosen = select_featured(curation, config.today, posts, config.limit)
    for item in chosen:
        item.article.featured = True
    urls = {author.slug: author.url for author, _ in generator.authors}
    team_names = {slug: team.name for slug, team in read_teams(content_dir / "teams").items()}
    generator.context["featured_posts"] = chosen
    generator.context["spotlights"] = select_spotlights(
        curation, config.today, profiles, team_names, urls
    )
    generator.context["banner"] = select_banner(curation, config.today)


def register() -> None:
    """Connect the curation; it needs every article read and the authors grouped."""
    signals.article_generator_finalized.connect(add_curation)
