"""`blog new` and `blog new-author`: scaffold a post (on its own git branch) or a profile.

Nothing is ever overwritten: an existing file, slug or branch is a `BlogError` raised
before anything is written. Fields the writer must fill in hold a `TODO:` placeholder,
which `blog check` reports until it is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from plugins._shared.problems import BlogError
from plugins.content_checks.rules import PLACEHOLDER, ChecksSettings, normalise_tag
from tools.build import load_settings

AUTHOR_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BRANCH_PREFIX = "post/"

POST_TEMPLATE = """\
Title: {title}
Date: {date}
Authors: {authors}
Category: {category}
Tags: {tags}
Summary: {todo} one or two sentences for lists, feeds, search results and the digest.
Slug: {slug}
{series}Status: draft

<!--
  Optional fields: move them into the block above (before the blank line) to use them.
    Series: {series_hint}
        posts with the same series name are linked together as parts
    Modified: YYYY-MM-DD HH:MM
        when you change a post after it was published
  "Status: draft" keeps the post off the site; `blog preview` shows it anyway.
  Delete that line when the post is ready for review.
  Run `blog check` to see what is left to fix. This comment is never published.
-->

Start with why: what problem did you have, and why might a reader from another team care?

## A first section

Write in plain Markdown. Use ## for sections and ### for subsections.
"""

AUTHOR_TEMPLATE = """\
Name: {name}
Role: {todo} your role, e.g. Senior Engineer
Team: {todo} a team slug from content/teams/{teams}
Email: {todo} the address you commit with, so git history finds you
Location: {todo} city or remote
Expertise: {todo} three to six topics people can ask you about, comma separated
Links: {todo} your page on the git server or the chat

<!--
  Optional: "Avatar: images/people/{slug}.jpg" (a square photo you add under
  content/images/people/); without one, your initials are shown.
  Replace every {todo} value above; `blog check` lists the ones left.
  Write your bio below in the third person: what you work on, what to ask you about.
  This comment is never published.
-->

{name} works on ...
"""


def _content_dir(root: Path) -> tuple[Path, dict[str, object]]:
    settings = load_settings(root.resolve(), {})
    return Path(str(settings["PATH"])), settings


def post_slug(title: str, settings: dict[str, object]) -> str:
    """Return the slug Pelican derives from `title` with the site's substitutions."""
    from pelican.utils import slugify

    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", ())
    return str(slugify(title, regex_subs=subs))


def _switch_to_new_branch(root: Path, branch: str) -> None:
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise BlogError(
            f"{root.resolve()}: not inside a git repository; clone the blog repository "
            "first, or pass --no-branch"
        ) from error
    if branch in {head.name for head in repo.heads}:
        raise BlogError(
            f"the git branch {branch!r} already exists; switch to it (git switch {branch}) "
            "or choose another title"
        )
    try:
        repo.git.checkout("-b", branch)
    except git.GitCommandError as error:
        raise BlogError(f"git checkout -b {branch} failed: {error.stderr.strip()}") from error


def new_post(
    root: Path,
    title: str,
    authors: Sequence[str],
    *,
    tags: Sequence[str] = (),
    series: str | None = None,
    category: str = "Engineering",
    branch: bool = True,
    now: datetime | None = None,
) -> Path:
    """Create content/posts/<year>/<slug>.md on a new branch post/<slug>; return its path.

    The path is relative to `root`. Raises `BlogError` (before writing anything) for an
    unknown author, an existing file or slug, or an existing branch.
    """
    title = " ".join(title.split())
    if not title:
        raise BlogError('the title is empty; pass it in quotes: blog new "My title" ...')
    content_dir, settings = _content_dir(root)
    for author in authors:
        if not (content_dir / "authors" / f"{author}.md").is_file():
            raise BlogError(
                f"unknown author {author!r}: there is no {content_dir.name}/authors/{author}.md; "
                f"create your profile first with `blog new-author {author}`"
            )
    slug = post_slug(title, settings)
    if not slug:
        raise BlogError(f"cannot make an address from the title {title!r}; use some letters")
    moment = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    target = content_dir / "posts" / f"{moment.year:04d}" / f"{slug}.md"
    taken = sorted((content_dir / "posts").glob(f"*/{slug}.md"))
    if target.exists() or taken:
        raise BlogError(
            f"{(taken or [target])[0]} already exists; choose another title, or open that file"
        )
    rules = ChecksSettings.from_settings(settings)
    clean_tags = []
    for tag in tags:
        canonical = normalise_tag(tag)
        canonical = rules.tag_aliases.get(canonical, canonical)
        if canonical and canonical not in clean_tags:
            clean_tags.append(canonical)
    if branch:
        _switch_to_new_branch(root, BRANCH_PREFIX + slug)
    text = POST_TEMPLATE.format(
        title=title,
        date=moment.strftime("%Y-%m-%d %H:%M"),
        authors=", ".join(authors),
        category=category,
        tags=", ".join(clean_tags) or f"{PLACEHOLDER} two to five lower-case tags, comma separated",
        todo=PLACEHOLDER,
        slug=slug,
        series=f"Series: {series}\n" if series else "",
        series_hint=series or "Name shared by every part",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(text)
    return target.relative_to(root.resolve())


def new_author(root: Path, slug: str, *, name: str | None = None) -> Path:
    """Create content/authors/<slug>.md from the profile template; return its path."""
    if not AUTHOR_SLUG.match(slug):
        raise BlogError(
            f"{slug!r} is not a valid author slug; use lower-case words joined by -, e.g. ana-lopez"
        )
    content_dir, _ = _content_dir(root)
    target = content_dir / "authors" / f"{slug}.md"
    if target.exists():
        raise BlogError(f"{target} already exists; edit it instead")
    teams = sorted(p.stem for p in (content_dir / "teams").glob("*.md"))
    text = AUTHOR_TEMPLATE.format(
        name=name or " ".join(part.capitalize() for part in slug.split("-")),
        todo=PLACEHOLDER,
        teams=f" ({', '.join(teams)})" if teams else "",
        slug=slug,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return target.relative_to(root.resolve())
