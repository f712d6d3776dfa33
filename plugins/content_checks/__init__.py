"""Check every post, page and profile before Pelican reads them; report `path:line` problems.

Pelican logs a broken file and skips it; this plugin names the file, the line and the fix
(`path:line: message [code]`) so `blog build` can report it and `--strict` can fail on it.
It runs the same checks as `blog check` (plugins.content_checks.site.check_site): metadata,
known authors, tags and their aliases, duplicate slugs and addresses, file names, internal
links and images, alt text, heading levels, raw HTML the sanitizer strips, and secrets.

Settings:
    CONTENT_CHECKS_STATUSES: the allowed `Status:` values (default published, draft, hidden).
    CONTENT_CHECKS_TAG_ALIASES: {"alias": "tag"}; a post tagged with an alias is told to use
        the tag (e.g. {"k8s": "kubernetes"}).
    ARTICLE_PATHS, ARTICLE_EXCLUDES, PAGE_PATHS, PAGE_EXCLUDES, IGNORE_FILES (Pelican's):
        which files are checked, exactly the ones Pelican reads.
    ARTICLE_URL, PAGE_URL, TAG_URL, AUTHOR_URL, CATEGORY_URL, TAGS_URL, AUTHORS_URL,
        CATEGORIES_URL, ARCHIVES_URL, SLUG_REGEX_SUBSTITUTIONS, STATIC_PATHS (Pelican's):
        the addresses that site-relative links (/posts/2026/x/) are checked against.
    SANITIZE_* (plugins.sanitize): the allow-list raw HTML is compared with.
    CACHE_CONTENT, CACHE_PATH (Pelican's): with content caching on, what depends on one
        file only is remembered (CACHE_PATH/content-checks.pickle) for files whose bytes,
        the settings above and the checks' code did not change; links are still checked
        against the whole current site.
    BUILD_SESSION (a runtime value, plugins._shared.session): in `blog preview`, the
        sources read by earlier builds are reused while a file's modification time and
        size are the same.

Template variables: none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from pelican import signals

from plugins._shared import metadata as metadata_module
from plugins._shared.diskmemo import digest_of, open_memo, source_digest
from plugins._shared.patching import patch_aware, post_edited
from plugins._shared.problems import log_problem
from plugins._shared.session import session_of
from plugins.content_checks.rules import ChecksSettings
from plugins.content_checks.site import SiteSettings, check_site, read_site
from plugins.sanitize import policy as policy_module

MEMO_FILE = "content-checks.pickle"
VERSION_SETTINGS = frozenset(
    {
        "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "PAGE_PATHS", "PAGE_EXCLUDES", "IGNORE_FILES",
        "SLUG_REGEX_SUBSTITUTIONS", "STATIC_PATHS", "PATH",
    }
)  # fmt: skip

logger = logging.getLogger(__name__)


def settings_from(settings: Mapping[str, Any]) -> ChecksSettings:
    """Build and validate the metadata rules' settings from pelicanconf."""
    return ChecksSettings.from_settings(settings)


def checks_version(settings: Mapping[str, Any]) -> str:
    """Name everything the checks depend on besides the files: settings and code."""
    keys = sorted(
        key
        for key in settings
        if key.startswith(("CONTENT_CHECKS_", "SANITIZE_"))
        or key in VERSION_SETTINGS
        or key.endswith(("_URL", "_SAVE_AS"))
    )
    code = [*sorted(Path(__file__).parent.glob("*.py")), Path(metadata_module.__file__)]
    code.append(Path(policy_module.__file__))
    return digest_of(
        source_digest(*code),
        importlib_metadata.version("pelican"),
        repr([(key, settings[key]) for key in keys]),
    ).hex()


@patch_aware  # run again for a patched rebuild by check_again
def check_content(generator: Any) -> None:
    """Log a problem for every content file Pelican would drop, misread or render badly."""
    settings = generator.settings
    session = session_of(settings)
    remembered = session.lasting("content-checks-sources") if session is not None else None
    site = read_site(Path(generator.path), settings, remembered)
    memo = None
    if settings.get("CACHE_CONTENT") and settings.get("CACHE_PATH"):
        memo = open_memo(settings, Path(settings["CACHE_PATH"]) / MEMO_FILE)
    found = check_site(
        site, SiteSettings.from_settings(settings), memo=memo, version=checks_version(settings)
    )
    if memo is not None:
        memo.save()
    for problem in found:
        log_problem(logger, problem)


def check_again(generator: Any, **_: Any) -> None:
    """A post was patched (plugins._shared.patching): check the site as a build would.

    Every file's problems are reported again, as every build reports them; only the
    edited file is read again (the others are remembered by modification time and size).
    """
    check_content(generator)


def register() -> None:
    """Connect the checks; they run once per build, before any file is read."""
    # article_generator_init: the articles generator is created once, before any reading.
    signals.article_generator_init.connect(check_content)
    post_edited.connect(check_again)
