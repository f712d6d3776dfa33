"""Dates, contributors and edit links for every post and page, from ONE pass over git history.

The history of the whole content folder is read once per build (`git log --name-status
-M`, following renames) and shared by the post and page handlers through the build
context. When the site is not a git repository the build warns (`no-git-history`) and uses
file dates; a shallow clone warns (`shallow-history`) and leaves creation dates unknown;
uncommitted files get their modification time.

Settings:
    GIT_METADATA_ENABLED: read git history at all (default True).
    GIT_METADATA_EDIT_URL: "edit this page" link, e.g.
        "https://git.example.com/blog/-/edit/main/{path}" ({path}: repository-relative).
    GIT_METADATA_HISTORY_URL: "history" link, e.g. ".../-/commits/main/{path}".
    GIT_METADATA_IGNORE_EMAILS: fnmatch patterns of commit author emails (bots, bulk
        imports) whose commits neither credit anyone nor change dates.
    IGNORE_FILES (Pelican's): in a patched rebuild (plugins._shared.patching), files
        matching it (editors' backups) may appear in `git status` without a full build.
    BUILD_SESSION (runtime, plugins._shared.session): in `blog preview`, the parsed log
        is kept while HEAD names the same commit (`git status` still runs every build).

Template variables (attributes on each post and page):
    git_history: FileHistory(commits, created, updated, uncommitted) or None.
    edit_url, history_url: links to the git host ("" when the setting is unset).
    modified / locale_modified: set from history when git shows a later change than the
        post's Date and Modified (so feeds and the sitemap carry it too).
Context: git_history_state: GitState(history, repository, shallow).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from pelican import signals

from plugins._shared.patching import CannotPatch, patch_aware, post_edited
from plugins._shared.problems import Problem, Severity, log_problem
from plugins._shared.session import session_of
from plugins.git_metadata.history import (
    FileHistory,
    Folders,
    RepoHistory,
    file_dates,
    read_history,
)
from plugins.git_metadata.settings import GitMetadataSettings

logger = logging.getLogger(__name__)
CONTEXT_KEY = "git_history_state"


@dataclass(frozen=True, slots=True)
class GitState:
    """The history read for this build; `history` is None when there is no repository."""

    history: RepoHistory | None
    site_root: Path

    @property
    def repository(self) -> bool:
        """Whether the content lives in a git repository."""
        return self.history is not None

    @property
    def shallow(self) -> bool:
        """Whether the clone is shallow (creation dates unknown for the oldest files)."""
        return self.history is not None and self.history.shallow

    def for_source(
        self, source: Path, folders: Folders | None = None
    ) -> tuple[FileHistory | None, str]:
        """Return the history of a source file and its path for the git host's links.

        `folders`: resolved folders and their symlinks, remembered across one build's calls.
        """
        if self.history is None:
            if not source.is_file():
                return None, source.name
            inside = source.resolve().relative_to(self.site_root.resolve())
            return file_dates(source), PurePosixPath(*inside.parts).as_posix()
        try:
            relative = self.history.relative(source, folders)
        except ValueError:  # outside the repository (a symlinked folder): no history
            return None, source.name
        return self.history.files.get(relative), relative.as_posix()


def read_git_history(generator: Any, settings: GitMetadataSettings) -> RepoHistory | None:
    """Read the content folder's history (the parsed log is kept in a build session)."""
    session = session_of(generator.settings)
    memo = session.lasting("git_metadata") if session is not None else None
    return read_history(
        Path(generator.settings["PATH"]), ignore_emails=settings.ignore_emails, memo=memo
    )


def history_state(generator: Any, settings: GitMetadataSettings) -> GitState:
    """Read history once per build; later handlers reuse it from the shared context."""
    state = generator.context.get(CONTEXT_KEY)
    if isinstance(state, GitState):
        return state
    content = Path(generator.settings["PATH"])
    history = read_git_history(generator, settings)
    where = PurePosixPath(content.name)
    if history is None:
        message = (
            f"{content.name}/ is not in a git repository, so post dates come from the files; "
            "commit the site to git, or set GIT_METADATA_ENABLED = False"
        )
        log_problem(logger, Problem(where, 1, message, "no-git-history", Severity.WARNING))
    elif history.shallow:
        message = (
            "the git clone is shallow, so creation dates and early contributors are "
            "unknown; clone with full history (git fetch --unshallow, fetch-depth: 0)"
        )
        log_problem(logger, Problem(where, 1, message, "shallow-history", Severity.WARNING))
    state = GitState(history=history, site_root=content.parent)
    generator.context[CONTEXT_KEY] = state
    return state


def annotate(contents: Iterable[Any], state: GitState, settings: GitMetadataSettings) -> None:
    """Set git_history, edit_url, history_url and (when later) modified on each content."""
    folders: Folders = {}
    for content in contents:
        found, path = state.for_source(Path(content.source_path), folders)
        content.git_history = found
        content.edit_url, content.history_url = settings.links(path)
        if found is None or found.updated is None or not found.commits:
            continue
        dated = getattr(content, "date", None)  # pages need no Date:
        updated = found.updated.astimezone(dated.tzinfo if dated else None)
        latest = getattr(content, "modified", dated)
        if latest is None or updated.date() > latest.date():
            content.modified = updated
            content.locale_modified = updated.strftime(content.date_format)


def same_history_except_dates(
    old: GitState, new: GitState, post: Any, ignored: Iterable[str] = ()
) -> bool:
    """Whether `new` says what `old` did, but for the date of `post`'s own uncommitted edit.

    A patched rebuild (plugins._shared.patching) may only see the edited file turn
    uncommitted with a later modification time (and so appear in history, when no counted
    commit named it before): any other change (a commit, another file edited, renamed or
    added) needs a full rebuild. Files whose name matches an `ignored` pattern (Pelican's
    IGNORE_FILES: editors' backups) do not count.
    """
    before, after = old.history, new.history
    if before is None or after is None:
        return before is after  # no repository: file dates are read per post
    if before.root != after.root or before.shallow != after.shallow:
        return False
    patterns = tuple(ignored)
    try:
        edited: PurePosixPath | None = after.relative(Path(post.source_path))
    except ValueError:
        edited = None
    names = {
        name
        for name in before.files.keys() | after.files.keys()
        if not any(fnmatch(name.name, p) for p in patterns)
    }
    for name in names:
        found, known = after.files.get(name), before.files.get(name)
        if found is known:
            continue
        if name == edited:
            found, known = found or FileHistory(), known or FileHistory()
            if found.commits != known.commits or found.created != known.created:
                return False
        elif found != known:
            return False
    return True


def patch_post_history(generator: Any, post: Any, fresh: Any, **_: Any) -> None:
    """Read history again for a patched post (plugins._shared.patching) and annotate it."""
    settings = GitMetadataSettings.from_settings(generator.settings)
    if not settings.enabled:
        return
    old = generator.context.get(CONTEXT_KEY)
    if not isinstance(old, GitState):
        raise CannotPatch("git history was not read by the last build")
    state = GitState(history=read_git_history(generator, settings), site_root=old.site_root)
    if not same_history_except_dates(
        old, state, post, generator.settings.get("IGNORE_FILES") or ()
    ):
        raise CannotPatch("git history changed beyond the edited post's date")
    for name in ("modified", "locale_modified"):  # as read, before annotate moved them
        if name in vars(fresh):
            setattr(post, name, vars(fresh)[name])
        else:
            vars(post).pop(name, None)
    generator.context[CONTEXT_KEY] = state
    annotate([post], state, settings)


@patch_aware  # redone for a patched post by patch_post_history
def add_post_history(generator: Any) -> None:
    """Annotate every post (published, hidden and draft) with its history."""
    settings = GitMetadataSettings.from_settings(generator.settings)
    if settings.enabled:
        state = history_state(generator, settings)
        annotate(
            [*generator.articles, *generator.drafts, *generator.hidden_articles], state, settings
        )


@patch_aware  # pages never change in a patched rebuild
def add_page_history(generator: Any) -> None:
    """Annotate every page with its history."""
    settings = GitMetadataSettings.from_settings(generator.settings)
    if settings.enabled:
        state = history_state(generator, settings)
        annotate(
            [*generator.pages, *generator.hidden_pages, *generator.draft_pages], state, settings
        )


def register() -> None:
    """Connect the handlers; they run after all content is read."""
    signals.article_generator_finalized.connect(add_post_history)
    signals.page_generator_finalized.connect(add_page_history)
    post_edited.connect(patch_post_history)
