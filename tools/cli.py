"""The `blog` command line: thin click commands over the tools.* modules.

This is the only module that imports click. Commands import their implementation lazily
so `blog --help` stays fast. `BlogError` anywhere below becomes a one-line error, exit 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from plugins._shared.problems import BlogError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BlogGroup(click.Group):
    """A click group that maps `BlogError` to a clean `Error: ...` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning library errors into click errors in one place."""
        try:
            return super().invoke(ctx)
        except BlogError as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=BlogGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="intrablog", prog_name="blog")
def cli() -> None:
    """Intrablog: write, check, build, serve and publish the company blog.

    \b
    Example:
      blog build --strict
      blog serve
    """


def _site_root_option(func: Any) -> Any:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="Site root: the folder holding pelicanconf.py and content/.",
    )(func)


@cli.command(context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only errors.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout only.")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the site here instead of OUTPUT_PATH from pelicanconf.py.",
)
@click.option("--drafts", is_flag=True, help="Also render drafts (under drafts/) for preview.")
@click.option(
    "--site-url",
    envvar="BLOG_SITE_URL",
    default=None,
    help="Absolute site URL for feeds and the sitemap (env BLOG_SITE_URL); "
    "default SITEURL from pelicanconf.py.",
)
def build(
    root: Path,
    strict: bool,
    as_json: bool,
    output: Path | None,
    drafts: bool,
    site_url: str | None,
) -> None:
    """Build the site with Pelican and report content problems as path:line.

    Errors (a post that cannot be published) exit 1; with --strict, warnings do too.

    \b
    Example:
      blog build --strict
      blog build --json --output /tmp/site | jq .problems
    """
    from tools.build import build_site

    result = build_site(root, output=output, drafts=drafts, site_url=site_url)
    for problem in result.problems:
        click.echo(f"{problem}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    failed = result.failed(strict)
    drafts_note = (
        f"{result.drafts} draft(s) rendered" if drafts else f"{result.drafts} draft(s) kept out"
    )
    click.echo(
        f"{'Failed' if failed else 'Built'}: {result.posts} posts, {result.pages} pages, "
        f"{drafts_note}, {result.files_written} files into {result.output} in "
        f"{result.seconds:.2f} s; {len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        + (" (--strict counts warnings as failures)" if strict and result.warnings else ""),
        err=True,
    )
    if failed:
        sys.exit(1)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port."
)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Release root (serves current/site), build output (serves site/) or site folder. "
    "Default: ./output, or BLOG_SERVE_ROOT.",
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    default=None,
    help="Answer one request for PATH in-process, print the body and exit (1 if not 200).",
)
def serve(host: str, port: int, root: Path | None, get_path: str | None) -> None:
    """Serve the built site over HTTP (waitress), with a 404 page and safe headers.

    \b
    Example:
      blog serve --port 8000
      blog serve --get /posts/
    """
    from tools.serve import call_app, default_root, make_app
    from tools.serve import serve as run_server

    site_root = root if root is not None else default_root()
    if not site_root.is_dir():
        raise BlogError(f"{site_root}: no built site here; run `blog build` first or pass --root")
    if get_path is not None:
        status, _headers, body = call_app(make_app(site_root), get_path)
        sys.stdout.buffer.write(body)
        sys.exit(0 if status == 200 else 1)
    click.echo(f"Serving {site_root} at http://{host}:{port}/", err=True)
    run_server(site_root, host, port, threads=int(os.environ.get("BLOG_SERVE_THREADS", "8")))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("title")
@click.option(
    "--author",
    "authors",
    metavar="SLUG",
    multiple=True,
    required=True,
    help="Author slug (content/authors/SLUG.md); repeat for co-authors.",
)
@click.option("--tag", "tags", metavar="TAG", multiple=True, help="A tag; repeat for more.")
@click.option("--series", metavar="NAME", default=None, help="Series the post belongs to.")
@click.option("--category", default="Engineering", show_default=True, help="The post's category.")
@click.option(
    "--branch/--no-branch",
    default=True,
    show_default=True,
    help="Create and check out the git branch post/<slug>.",
)
@_site_root_option
def new(
    title: str,
    authors: tuple[str, ...],
    tags: tuple[str, ...],
    series: str | None,
    category: str,
    branch: bool,
    root: Path,
) -> None:
    """Create a draft post from the template on a new git branch; print only its path.

    Writes content/posts/<year>/<slug>.md and checks out post/<slug>. Never overwrites a
    file or a branch.

    \b
    Example:
      blog new "How we cut our test suite in half" --author ana-lopez --tag testing
      $EDITOR "$(blog new 'My title' --author ana-lopez)"
    """
    from tools.new_post import new_post

    path = new_post(
        root, title, authors, tags=tags, series=series, category=category, branch=branch
    )
    click.echo(str(root / path))
    note = f" on the new branch post/{path.stem}" if branch else ""
    click.echo(f"Created {root / path}{note}; write, then run `blog check`.", err=True)


@cli.command("new-author", context_settings=CONTEXT_SETTINGS)
@click.argument("slug")
@click.option("--name", default=None, help="Full name; default: the slug in title case.")
@_site_root_option
def new_author_command(slug: str, name: str | None, root: Path) -> None:
    """Create an author profile content/authors/SLUG.md from the template; print its path.

    \b
    Example:
      blog new-author ana-lopez --name "Ana López"
    """
    from tools.new_post import new_author

    path = new_author(root, slug, name=name)
    click.echo(str(root / path))
    click.echo(f"Created {root / path}; fill in the TODO: fields.", err=True)


@cli.command(context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "gitlab"]),
    default="text",
    show_default=True,
    help="text (path:line: message [code]), json (a list of problems), github "
    "(workflow annotations) or gitlab (a Code Quality report).",
)
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Report only files changed since the merge base with this git ref "
    "(e.g. origin/main); links are still checked against the whole site.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only errors.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(
    root: Path,
    output_format: str,
    changed_since: str | None,
    strict: bool,
    paths: tuple[Path, ...],
) -> None:
    """Check posts, pages and profiles without building; print problems as path:line.

    Checks metadata, authors, tags, file names, duplicate addresses, internal links and
    images, alt text, headings, HTML the sanitizer would strip and pasted secrets. With
    PATHS, reports only those files or folders. Exit 1 on errors (with --strict, warnings).

    \b
    Example:
      blog check
      blog check --changed-since origin/main --format github
      blog check content/posts/2026/my-post.md
    """
    from tools.check import check_content, format_problems

    result = check_content(root, paths, changed_since)
    rendered = format_problems(result.problems, output_format)
    if output_format in ("json", "gitlab"):
        for problem in result.problems:
            click.echo(str(problem), err=True)
    if rendered:
        click.echo(rendered)
    failed = result.failed(strict)
    click.echo(
        f"{'Failed' if failed else 'Checked'}: {result.files} file(s) in {result.seconds:.2f} s; "
        f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        + (" (--strict counts warnings as failures)" if strict and result.warnings else ""),
        err=True,
    )
    if failed:
        sys.exit(1)


@cli.command(context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Preview folder; default: output/preview under the site root.",
)
def preview(root: Path, host: str, port: int, output: Path | None) -> None:
    """Build with drafts and a preview banner, serve it, and rebuild on every save.

    Prints the URL on stdout; build summaries and problems go to stderr. Ctrl-C stops it.

    \b
    Example:
      blog preview
      blog preview --port 8001
    """
    from tools.preview import run_preview

    def log(message: str) -> None:
        click.echo(message, err=True)

    def ready(url: str) -> None:
        click.echo(url)
        log(f"Previewing drafts at {url}; edit and save, then reload. Ctrl-C stops.")

    run_preview(root, host=host, port=port, output=output, on_ready=ready, log=log)


if __name__ == "__main__":
    cli()
