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
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes sharing the listening socket (one per core uses every core).",
)
def serve(host: str, port: int, root: Path | None, get_path: str | None, workers: int) -> None:
    """Serve the built site over HTTP (waitress), with a 404 page and safe headers.

    \b
    Example:
      blog serve --port 8000
      blog serve --get /posts/
      blog serve --workers 2 --root /srv/intrablog
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
    threads = int(os.environ.get("BLOG_SERVE_THREADS", "8"))
    run_server(site_root, host, port, threads=threads, workers=workers)


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


def _window_options(func: Any) -> Any:
    for name, dest, text in (("--until", "end", "Last"), ("--from", "start", "First")):
        func = click.option(
            name,
            dest,
            type=_DATE,
            default=None,
            metavar="YYYY-MM-DD",
            help=f"{text} day shown (YYYY-MM-DD).",
        )(func)
    return func


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
@_window_options
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
@_window_options
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


# --- publishing (tools/publish.py) -------------------------------------------------------


def _target_options(func: Any) -> Any:
    func = click.option(
        "--ssh-option",
        "ssh_options",
        multiple=True,
        metavar="KEY=VALUE",
        help="Extra ssh option for SSH targets, as for ssh -o (repeatable), "
        "e.g. UserKnownHostsFile=/etc/blog/known_hosts.",
    )(func)
    func = click.option(
        "--identity",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Private key for SSH targets (default: your ssh agent and ~/.ssh config).",
    )(func)
    return func


def _connection(identity: Path | None, ssh_options: tuple[str, ...], bwlimit: int | None) -> Any:
    from tools.publish import Connection

    return Connection(identity=identity, ssh_options=ssh_options, bwlimit_kbps=bwlimit)


def _reporter(quiet: bool) -> Any:
    from rich.console import Console

    from tools.publish import QuietReporter, RichReporter

    return QuietReporter() if quiet else RichReporter(Console(stderr=True))


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


@cli.command(context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option(
    "--target",
    "targets",
    multiple=True,
    required=True,
    help="Release root: a folder, user@host:/path or ssh://user@host:port/path (repeatable; "
    "all are uploaded and verified before any switches).",
)
@click.option(
    "--keep",
    default=5,
    show_default=True,
    type=click.IntRange(1),
    help="Releases to keep per target (the live and the previous one are always kept).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the files that would be added, changed, removed."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout only.")
@click.option(
    "--from",
    "from_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Publish this build output (with site/ and optional search-index/) instead of "
    "building; it is still checked.",
)
@click.option(
    "--init",
    is_flag=True,
    help="Allow making a non-empty folder without releases/ into a release root.",
)
@click.option(
    "--bwlimit",
    type=click.IntRange(1),
    default=None,
    metavar="KBPS",
    help="Limit the upload to KBPS KiB/s (rsync --bwlimit; local targets pause).",
)
@_target_options
def publish(
    root: Path,
    targets: tuple[str, ...],
    keep: int,
    dry_run: bool,
    as_json: bool,
    from_dir: Path | None,
    init: bool,
    bwlimit: int | None,
    identity: Path | None,
    ssh_options: tuple[str, ...],
) -> None:
    """Build, check and publish a release to every target, then switch them atomically.

    Each target gets releases/<UTC time>-<commit>/ (unchanged files are hardlinked from the
    live release), verified against a manifest of hashes; only then does `current` switch,
    on all targets or none. Readers never see a half-copied site.

    \b
    Example:
      blog publish --target /srv/intrablog
      blog publish --target deploy@web1:/srv/intrablog --target deploy@web2:/srv/intrablog
      blog publish --target /srv/intrablog --dry-run
    """
    from tools.publish import publish as run_publish

    report = run_publish(
        root,
        list(targets),
        keep=keep,
        dry_run=dry_run,
        from_dir=from_dir,
        init=init,
        connection=_connection(identity, ssh_options, bwlimit),
        reporter=_reporter(as_json),
    )
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    for target in report.targets:
        counts = target.changes.counts()
        summary = (
            f"{counts['added']} added, {counts['changed']} changed, "
            f"{counts['removed']} removed, {counts['unchanged']} unchanged"
        )
        if report.dry_run:
            if not as_json:
                for line in target.changes.lines():
                    click.echo(line)
            click.echo(f"{target.target}: would publish {summary}; nothing touched", err=True)
        else:
            click.echo(
                f"{target.target}: current -> releases/{report.release} ({summary}; "
                f"uploaded {target.transfer.bytes_copied} of {report.bytes} bytes"
                + (f"; pruned {len(target.pruned)}" if target.pruned else "")
                + ")",
                err=True,
            )
    if not report.dry_run:
        click.echo(f"Published {report.release} in {report.seconds:.2f} s", err=True)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--target", "targets", multiple=True, required=True, help="Release root (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout only.")
@_target_options
def releases(
    targets: tuple[str, ...], as_json: bool, identity: Path | None, ssh_options: tuple[str, ...]
) -> None:
    """List the releases on each target, newest first; `*` marks the live one.

    \b
    Example:
      blog releases --target /srv/intrablog
      blog releases --target deploy@web1:/srv/intrablog --json
    """
    from tools.publish import list_releases

    connection = _connection(identity, ssh_options, None)
    listing = [(spec, list_releases(spec, connection)) for spec in targets]
    if as_json:
        data = [{"target": spec, "releases": [r.to_json() for r in rel]} for spec, rel in listing]
        click.echo(json.dumps(data, indent=2))
        return
    for spec, infos in listing:
        click.echo(f"{spec}:")
        for info in infos:
            mark = "*" if info.current else " "
            click.echo(f"{mark} {info.id}  {info.date}  {info.commit}  {info.who or '-'}")


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--target", "targets", multiple=True, required=True, help="Release root (repeatable)."
)
@click.option(
    "--to",
    "to",
    default=None,
    metavar="ID",
    help="Release to switch to (default: the one before the live release).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_target_options
def rollback(
    targets: tuple[str, ...],
    to: str | None,
    yes: bool,
    identity: Path | None,
    ssh_options: tuple[str, ...],
) -> None:
    """Switch `current` back to an earlier release on every target (verified first).

    \b
    Example:
      blog rollback --target /srv/intrablog
      blog rollback --target /srv/intrablog --to 20261123T101500Z-abc1234 --yes
    """
    from tools.publish import plan_rollback
    from tools.publish import rollback as run_rollback

    connection = _connection(identity, ssh_options, None)
    if not yes:
        for step in plan_rollback(list(targets), to, connection):
            click.echo(f"{step.target}: {step.current} -> {step.to}", err=True)
        click.confirm("Switch these targets back?", abort=True, err=True)
    for step in run_rollback(list(targets), to, connection, _reporter(False)):
        click.echo(f"{step.target}: current -> releases/{step.to} (was {step.current})", err=True)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--target", required=True, help="Release root whose publish lock to remove.")
@click.option(
    "--force",
    is_flag=True,
    help="Remove the lock even if its holder may still be running (another host, live pid).",
)
@_target_options
def unlock(target: str, force: bool, identity: Path | None, ssh_options: tuple[str, ...]) -> None:
    """Remove a publish lock left by an interrupted publish or rollback.

    Without --force, only a lock whose process is gone (same host, pid not running) is
    removed.

    \b
    Example:
      blog unlock --target /srv/intrablog
    """
    from tools.publish import unlock as run_unlock

    click.echo(run_unlock(target, force, _connection(identity, ssh_options, None)), err=True)


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


# ---- stats (issue 9) ----


@cli.command(context_settings=CONTEXT_SETTINGS)
@_site_root_option
@click.option(
    "--access-log",
    "access_logs",
    multiple=True,
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An nginx/Apache combined-format access log, plain or .gz (rotated files too); "
    "repeat for several. Its post views are added to the counts file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every figure as CSV on stdout.")
@click.option(
    "--counts",
    "counts_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The counts file to read and update. Default: STATS_VIEWS_FILE "
    "(content/stats/views.json).",
)
@click.option(
    "--now",
    type=_DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="Compute the figures as of the end of this day (UTC). Default: STATS_NOW, or now.",
)
def stats(
    root: Path,
    access_logs: tuple[Path, ...],
    as_json: bool,
    as_csv: bool,
    counts_path: Path | None,
    now: datetime | None,
) -> None:
    """Count post views in access logs, and report adoption per team for comms.

    Stores only views per post page and day (no IPs, no user agents); re-reading a log
    never counts it twice. Without --access-log the stored counts are used. --json and
    --csv print the figures the stats page shows (site-wide and per team).

    \b
    Example:
      blog stats --access-log /var/log/nginx/access.log --access-log /var/log/nginx/access.log.1
      blog stats --json > stats.json
      blog stats --csv --now 2026-12-31 > q4.csv
    """
    from plugins.stats.access_log import lines_of
    from plugins.stats.settings import parse_now
    from tools.stats import run_stats, summary_lines

    if as_json and as_csv:
        raise click.UsageError("use either --json or --csv, not both")
    when = parse_now(now.date().isoformat()) if now else None
    run = run_stats(root, logs=access_logs, counts_path=counts_path, now=when)
    if run.counter is not None:
        for line in lines_of(run.counter):
            click.echo(line, err=True)
        tally = run.counter.tally
        click.echo(
            f"Counted {tally.counted} views from {tally.lines} lines into {run.counts_path}; "
            f"skipped {tally.malformed} malformed, {tally.bots} bots, {tally.not_post} "
            f"other paths, {tally.not_get} non-GET, {tally.not_ok} non-200/304, "
            f"{tally.repeats} repeats, {tally.already_counted} already counted",
            err=True,
        )
    if as_json:
        data = run.stats.to_json()
        if run.counter is not None:
            data["log"] = {
                **run.counter.tally.to_json(),
                "files": [f.to_json() for f in run.counter.files],
            }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(run.stats.to_csv(), nl=False)
    else:
        for line in summary_lines(run.stats):
            click.echo(line)


if __name__ == "__main__":
    cli()
