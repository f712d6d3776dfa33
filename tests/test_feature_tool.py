"""`blog feature`: round-trip edits of featured.yml that keep comments, with validation."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from tests.conftest import MakeSite, post
from tests.test_featured import profile
from tools.cli import cli

HAND_WRITTEN = """\
# Owned by Comms. Reviewed like any other change.

featured:
  # Keep the migration series up while the talk is on.
  - post: first
    blurb: "Quoted: on purpose."   # a trailing comment
    from: 2026-11-01
    until: 2026-11-30
  # October's pick, kept for the record.
  - post: second
    from: 2026-10-01
    until: 2026-10-31

spotlight:
  - author: ana-lopez
    reason: Ran the reading group.

banner:
  text: Write for the year-end issue.
  until: 2026-12-20
"""


def site(make_site: MakeSite, curation: str | None = HAND_WRITTEN) -> Path:
    files = {
        "content/posts/2026/first.md": post("First", extra="Slug: first"),
        "content/posts/2026/second.md": post("Second", extra="Slug: second"),
        "content/posts/2026/third.md": post("Third post"),  # slug from the title
        "content/posts/2026/wip.md": post("Work in progress", extra="Status: draft"),
        "content/authors/ana-lopez.md": profile("Ana López"),
        "content/authors/bo-chen.md": profile("Bo Chen"),
    }
    if curation is not None:
        files["content/featured.yml"] = curation
    return make_site(files)


def feature(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["feature", *args, "--root", str(root), "--now", "2026-11-15"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_add_keeps_hand_written_comments_order_and_quoting(make_site: MakeSite) -> None:
    root = site(make_site)
    result = feature(
        root, "add", "third-post", "--blurb", "A third.", "--from", "2026-11-10", "--until",
        "2026-11-20",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "featured post third-post" in result.stderr
    text = (root / "content/featured.yml").read_text(encoding="utf-8")
    # Everything that was there is there, byte for byte, and the entry is added at the end.
    assert text == HAND_WRITTEN.replace(
        "    until: 2026-10-31\n",
        "    until: 2026-10-31\n"
        "  - post: third-post\n    blurb: A third.\n    from: 2026-11-10\n    until: 2026-11-20\n",
    )


def test_remove_drops_the_entry_and_its_comment_only(make_site: MakeSite) -> None:
    root = site(make_site)
    result = feature(root, "remove", "second")
    assert result.exit_code == 0, result.output
    text = (root / "content/featured.yml").read_text(encoding="utf-8")
    assert "post: second" not in text and "October's pick" not in text
    for kept in (
        "# Owned by Comms. Reviewed like any other change.",
        "  # Keep the migration series up while the talk is on.",
        '    blurb: "Quoted: on purpose."   # a trailing comment',
        "    until: 2026-11-30\n\nspotlight:",
    ):
        assert kept in text


def test_spotlight_adds_or_updates_a_person(make_site: MakeSite) -> None:
    root = site(make_site)
    assert feature(root, "spotlight", "bo-chen", "--reason", "New on call.").exit_code == 0
    result = feature(root, "spotlight", "ana-lopez", "--reason", "Second season.")
    assert result.exit_code == 0, result.output
    text = (root / "content/featured.yml").read_text(encoding="utf-8")
    assert "    reason: Second season.\n  - author: bo-chen\n    reason: New on call.\n" in text
    assert "Ran the reading group" not in text


def test_bad_input_is_refused_and_nothing_is_written(make_site: MakeSite) -> None:
    root = site(make_site)
    before = (root / "content/featured.yml").read_bytes()
    cases = [
        (["add", "nope"], "no post with slug 'nope'"),
        (["add", "work-in-progress"], "is a draft"),
        (["add", "third-post", "--from", "2026-12-01", "--until", "2026-11-01"], "is after"),
        (["add", "first", "--from", "2026-12-01"], "from 2026-12-01 is after until 2026-11-30"),
        (["spotlight", "ghost", "--reason", "Who?"], "add content/authors/ghost.md"),
        (["remove", "third-post"], "'third-post' is not featured"),
    ]
    for args, message in cases:
        result = feature(root, *args)
        assert result.exit_code == 1, args
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""
    assert (root / "content/featured.yml").read_bytes() == before
    bad_date = feature(root, "add", "first", "--until", "2026-13-01")
    assert bad_date.exit_code == 2  # click rejects the date itself


def test_adding_an_entry_that_has_already_ended_warns(make_site: MakeSite) -> None:
    root = site(make_site)
    result = feature(root, "add", "third-post", "--until", "2026-11-01")
    assert result.exit_code == 0
    assert "expired on 2026-11-01" in result.stderr
    assert "content/featured.yml:13:" in result.stderr
    assert "[expired]" in result.stderr


def test_list_shows_status_as_json_and_checks_the_file(make_site: MakeSite) -> None:
    root = site(make_site)
    result = feature(root, "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["kind"], r["subject"], r["status"], r["line"]) for r in rows] == [
        ("featured", "first", "active", 5),
        ("featured", "second", "expired", 10),
        ("spotlight", "ana-lopez", "active", 15),
        ("banner", "Write for the year-end issue.", "active", 18),
    ]
    assert "content/featured.yml:10: featured post 'second' expired on 2026-10-31" in result.stderr
    broken = site(make_site, HAND_WRITTEN.replace("author: ana-lopez", "author: ana"))
    result = feature(broken, "list")
    assert result.exit_code == 1
    assert "content/featured.yml:15: no profile for author 'ana'" in result.stderr
    assert "spotlight  active" in result.stdout


def test_add_creates_the_file_when_there_is_none(make_site: MakeSite) -> None:
    root = site(make_site, curation=None)
    assert feature(root, "add", "first").exit_code == 0
    assert feature(root, "spotlight", "bo-chen", "--reason", "Hello.").exit_code == 0
    text = (root / "content/featured.yml").read_text(encoding="utf-8")
    assert text.startswith("# Home page curation")
    assert "featured:\n  - post: first\nspotlight:\n  - author: bo-chen\n" in text
