"""Helpers shared by the publish tests: small built sites and CLI runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tools.cli import cli
from tools.serve import call_app, make_app

PAGE = (
    '<!doctype html><html><head><link rel="stylesheet" href="{up}theme/site.css"></head>'
    '<body><a href="{up}">home</a> <a href="{up}posts/one/">one</a> '
    '<a href="https://example.com/x">out</a> <a href="#top">top</a>'
    "<p>{text}</p></body></html>"
)


def write_build(folder: Path, version: str = "v1", extra: dict[str, str] | None = None) -> Path:
    """Write a tiny build output (`site/` with linked pages and a stylesheet) and return it."""
    site = folder / "site"
    files = {
        "index.html": PAGE.format(up="", text=f"home {version}"),
        "posts/one/index.html": PAGE.format(up="../../", text="post one"),
        "posts/two/index.html": PAGE.format(up="../../", text=f"post two {version}"),
        "theme/site.css": "body { color: #222 }\n",
        **(extra or {}),
    }
    for relative, text in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def blog(*args: str, input: str | None = None) -> tuple[int, str, str]:
    """Run `blog ARGS` in-process; return exit code, stdout and stderr."""
    result = CliRunner().invoke(cli, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def publish_json(build: Path, *targets: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Publish `build` to `targets` with --json and return the summary (must succeed)."""
    args = [item for t in targets for item in ("--target", t)]
    code, stdout, stderr = blog("publish", "--from", str(build), *args, "--json", *extra)
    assert code == 0, stderr
    summary: dict[str, Any] = json.loads(stdout)
    return summary


def served(root: Path, path: str = "/") -> tuple[int, bytes]:
    """Fetch `path` through `blog serve`'s app for a release root."""
    status, _headers, body = call_app(make_app(root), path)
    return status, body


def current(root: Path) -> str:
    """Return the release `current` points to."""
    return (root / "current").readlink().name


def release_dirs(root: Path) -> list[str]:
    """Return every entry under releases/, sorted."""
    return sorted(p.name for p in (root / "releases").iterdir())
