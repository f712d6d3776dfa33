"""Check the metadata of every post and page before Pelican reads them.

Pelican logs a broken file and skips it; this plugin names the file, the line and the fix
(`path:line: message [code]`) so `blog build` can report it and `--strict` can fail on it.

Settings:
    CONTENT_CHECKS_STATUSES: the allowed `Status:` values (default published, draft, hidden).
    ARTICLE_PATHS, ARTICLE_EXCLUDES, PAGE_PATHS, PAGE_EXCLUDES (Pelican's): which files
        are checked, exactly the ones Pelican reads.

Template variables: none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pelican import signals

from plugins._shared.problems import SettingsError, log_problem
from plugins.content_checks.rules import DEFAULT_STATUSES, ChecksSettings, check_files

logger = logging.getLogger(__name__)
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")


def settings_from(settings: Mapping[str, Any]) -> ChecksSettings:
    """Build and validate the rules' settings from pelicanconf."""
    statuses = settings.get("CONTENT_CHECKS_STATUSES", DEFAULT_STATUSES)
    if not isinstance(statuses, list | tuple) or not all(isinstance(s, str) for s in statuses):
        raise SettingsError(
            f"pelicanconf.py: CONTENT_CHECKS_STATUSES must be a list of strings, got {statuses!r}"
        )
    return ChecksSettings(statuses=tuple(s.lower() for s in statuses))


def site_relative(content_root: Path, relative: str) -> PurePosixPath:
    """Name a content file relative to the site root (the folder holding content/)."""
    return PurePosixPath(content_root.name, *Path(relative).parts)


def read_sources(
    generator: Any, paths_key: str, excludes_key: str
) -> Iterator[tuple[PurePosixPath, bytes]]:
    """Yield (site-relative path, bytes) for the generator's Markdown sources."""
    content_root = Path(generator.path)
    for relative in generator.get_files(
        generator.settings[paths_key], exclude=generator.settings[excludes_key]
    ):
        if relative.endswith(MARKDOWN_SUFFIXES):
            yield site_relative(content_root, relative), (content_root / relative).read_bytes()


def check_articles(generator: Any) -> None:
    """Log a problem for every post whose metadata Pelican would drop or misread."""
    rules = settings_from(generator.settings)
    sources = read_sources(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")
    for problem in check_files(sources, rules, posts=True):
        log_problem(logger, problem)


def check_pages(generator: Any) -> None:
    """Log a problem for every page whose metadata Pelican would drop or misread."""
    rules = settings_from(generator.settings)
    sources = read_sources(generator, "PAGE_PATHS", "PAGE_EXCLUDES")
    for problem in check_files(sources, rules, posts=False):
        log_problem(logger, problem)


def register() -> None:
    """Connect the checks; they run once per build, before any file is read."""
    signals.article_generator_init.connect(check_articles)
    signals.page_generator_init.connect(check_pages)
