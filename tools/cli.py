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


if __name__ == "__main__":
    cli()
