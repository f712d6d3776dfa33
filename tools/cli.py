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


if __name__ == "__main__":
    cli()
