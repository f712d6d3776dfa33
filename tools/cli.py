"""The `blog` command line: thin click commands over the tools.* modules.

This is the only module that imports click. Commands import their implementation lazily
so `blog --help` stays fast. `BlogError` anywhere below becomes a one-line error, exit 1.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
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
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Evaluate featured.yml dates as of this day (YYYY-MM-DD) instead of today.",
)
def build(
    root: Path,
    strict: bool,
    as_json: bool,
    output: Path | None,
    drafts: bool,
    site_url: str | None,
    now: datetime | None,
) -> None:
    """Build the site with Pelican and report content problems as path:line.

    Errors (a post that cannot be published) exit 1; with --strict, warnings do too.

    \b
    Example:
      blog build --strict
      blog build --json --output /tmp/site | jq .problems
      blog build --now 2026-12-01
    """
    from tools.build import build_site

    day = now.date() if now else None
    result = build_site(root, output=output, drafts=drafts, site_url=site_url, now=day)
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


# ---- curation, digest (issue 7) ----

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _now_option(func: Any) -> Any:
    return click.option(
        "--now",
        type=_DATE,
        default=None,
        metavar="YYYY-MM-DD",
        help="Pretend today is this day (YYYY-MM-DD, UTC) for from/until. Default: today.",
    )(func)


def _today(now: datetime | None) -> Any:
    from plugins.featured.config import resolve_today

    return resolve_today(now.date() if now else None)


def _report_edit(result: Any) -> None:
    for problem in result.problems:
        click.echo(f"{problem}", err=True)
    click.echo(f"{result.action} in {result.path}", err=True)


@cli.group(context_settings=CONTEXT_SETTINGS)
def feature() -> None:
    """Curate the home page: featured posts and spotlights in content/featured.yml.

    Edits keep the file's comments and order; the build shows entries while
    from <= today <= until.

    \b
    Example:
      blog feature add zero-downtime-postgres-migrations-part-1 --until 2026-12-15
      blog feature list
    """


@feature.command("add", context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.argument("slug")
@click.option("--blurb", default=None, help="One sentence comms write for the hero.")
@click.option(
    "--from",
    "start",
    type=_DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="First day shown (YYYY-MM-DD).",
)
@click.option(
    "--until",
    "end",
    type=_DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="Last day shown (YYYY-MM-DD).",
)
@_now_option
def feature_add(
    root: Path,
    slug: str,
    blurb: str | None,
    start: datetime | None,
    end: datetime | None,
    now: datetime | None,
) -> None:
    """Feature the post SLUG on the home page (or update its blurb and dates).

    \b
    Example:
      blog feature add turning-on-typescript-strict-mode \\
        --blurb "Strict mode in 600,000 lines." --from 2026-12-01 --until 2026-12-14
    """
    from tools.feature import add_featured

    _report_edit(
        add_featured(
            root,
            slug,
            blurb=blurb,
            start=start.date() if start else None,
            end=end.date() if end else None,
            today=_today(now),
        )
    )


@feature.command("remove", context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.argument("slug")
@_now_option
def feature_remove(root: Path, slug: str, now: datetime | None) -> None:
    """Stop featuring the post SLUG (removes its entries from featured.yml).

    \b
    Example:
      blog feature remove incident-review-transaction-id-wraparound
    """
    from tools.feature import remove_featured

    _report_edit(remove_featured(root, slug, today=_today(now)))


@feature.command("spotlight", context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.argument("author")
@click.option("--reason", required=True, help="Why everyone should know this person.")
@click.option(
    "--from",
    "start",
    type=_DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="First day shown (YYYY-MM-DD).",
)
@click.option(
    "--until",
    "end",
    type=_DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="Last day shown (YYYY-MM-DD).",
)
@_now_option
def feature_spotlight(
    root: Path,
    author: str,
    reason: str,
    start: datetime | None,
    end: datetime | None,
    now: datetime | None,
) -> None:
    """Put the person AUTHOR (an author slug with a profile) in the spotlight.

    \b
    Example:
      blog feature spotlight ana-lopez --reason "Ran the replication reading group." \\
        --until 2026-12-31
    """
    from tools.feature import add_spotlight

    _report_edit(
        add_spotlight(
            root,
            author,
            reason=reason,
            start=start.date() if start else None,
            end=end.date() if end else None,
            today=_today(now),
        )
    )


@feature.command("list", context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON on stdout.")
@_now_option
def feature_list(root: Path, as_json: bool, now: datetime | None) -> None:
    """List featured posts, spotlights and the banner with their status; check the file.

    Problems (unknown posts or authors, bad dates, expired entries) go to stderr with
    their line; errors exit 1.

    \b
    Example:
      blog feature list
      blog feature list --json --now 2026-12-01 | jq '.[] | select(.status == "active")'
    """
    from tools.feature import list_curation

    rows, problems = list_curation(root, today=_today(now))
    if as_json:
        click.echo(json.dumps([row.to_json() for row in rows], indent=2))
    else:
        for row in rows:
            window = f"{row.start or '…'} – {row.end or '…'}"
            click.echo(f"{row.kind:<9}  {row.status:<9}  {window:<25}  {row.subject}")
    for problem in problems:
        click.echo(f"{problem}", err=True)
    if any(p.severity == "error" for p in problems):
        sys.exit(1)


@cli.command(context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option("--since", default="7d", show_default=True, help="Window length: e.g. 7d, 2w or 36h.")
@click.option(
    "--to",
    "recipients",
    multiple=True,
    envvar="BLOG_DIGEST_TO",
    help="Recipient address; repeat for several (env BLOG_DIGEST_TO, comma-separated).",
)
@click.option(
    "--from",
    "sender",
    envvar="BLOG_DIGEST_FROM",
    default="Intrablog <intrablog@localhost>",
    show_default=True,
    help="Sender address (env BLOG_DIGEST_FROM).",
)
@click.option("--dry-run", is_flag=True, help="Write an .eml file instead of sending.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where --dry-run writes the message. Default: output/digest-<date>.eml.",
)
@click.option(
    "--now",
    type=_DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="End the window at the end of this day (YYYY-MM-DD, UTC) instead of now; "
    "featured dates are evaluated on it too.",
)
@click.option(
    "--site-url",
    envvar="BLOG_SITE_URL",
    default=None,
    help="Absolute site URL for links (env BLOG_SITE_URL); default SITEURL.",
)
@click.option(
    "--smtp-host",
    envvar="BLOG_SMTP_HOST",
    default="localhost",
    show_default=True,
    help="SMTP server (env BLOG_SMTP_HOST).",
)
@click.option(
    "--smtp-port",
    envvar="BLOG_SMTP_PORT",
    type=click.IntRange(1, 65535),
    default=None,
    help="SMTP port (env BLOG_SMTP_PORT). Default: 25, 587 with --starttls, 465 with --ssl.",
)
@click.option(
    "--smtp-user", envvar="BLOG_SMTP_USER", default=None, help="SMTP login (env BLOG_SMTP_USER)."
)
@click.option(
    "--smtp-password",
    envvar="BLOG_SMTP_PASSWORD",
    default=None,
    help="SMTP password; prefer the env BLOG_SMTP_PASSWORD (never in the repository).",
)
@click.option("--starttls", is_flag=True, help="Upgrade the connection with STARTTLS.")
@click.option("--ssl", "use_ssl", is_flag=True, help="Connect with implicit TLS (SMTPS).")
def digest(
    root: Path,
    since: str,
    recipients: tuple[str, ...],
    sender: str,
    dry_run: bool,
    output: Path | None,
    now: datetime | None,
    site_url: str | None,
    smtp_host: str,
    smtp_port: int | None,
    smtp_user: str | None,
    smtp_password: str | None,
    starttls: bool,
    use_ssl: bool,
) -> None:
    """Email a digest: featured posts, new posts by team and new authors.

    The message has a plain-text and an HTML part with absolute links, and goes to all
    recipients in one SMTP transaction. Nothing new and nothing featured: nothing is sent.

    \b
    Example:
      blog digest --since 7d --dry-run
      BLOG_SMTP_PASSWORD=... blog digest --to all-engineering@example.com \\
        --smtp-host smtp.example.com --starttls --smtp-user intrablog
    """
    from tools import digest as mail

    if starttls and use_ssl:
        raise click.UsageError("use either --starttls or --ssl, not both")
    end = mail.window_end(now.date() if now else None)
    found = mail.collect_digest(root, since=mail.parse_since(since), end=end, site_url=site_url)
    if found.empty:
        click.echo(
            f"Nothing new or featured since {found.start:%Y-%m-%d %H:%M}: no digest.", err=True
        )
        return
    to = mail.unique_recipients(recipients)
    message = mail.build_message(found, sender=sender, recipients=to)
    if dry_run:
        path = mail.write_eml(message, output or mail.default_eml_path(root, end))
        click.echo(str(path))
        click.echo(f"Wrote {found.subject!r} (not sent)", err=True)
        return
    security = mail.Security.SSL if use_ssl else mail.Security.STARTTLS if starttls else None
    options = mail.SmtpOptions(
        host=smtp_host,
        port=smtp_port,
        security=security or mail.Security.NONE,
        user=smtp_user,
        password=smtp_password,
    )
    mail.send_digest(message, to, options)
    click.echo(f"Sent {found.subject!r} to {len(to)} recipient(s)", err=True)


if __name__ == "__main__":
    cli()
