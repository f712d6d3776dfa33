"""Header parsing and metadata rules for posts and pages."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from plugins._shared.metadata import read_header, split_list
from plugins._shared.problems import SettingsError, Severity
from plugins.content_checks import settings_from
from plugins.content_checks.rules import ChecksSettings, check_files, check_page, check_post

PATH = PurePosixPath("content/posts/2026/x.md")
RULES = ChecksSettings()


def codes(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in check_post(PATH, text, RULES)]


def test_read_header_keeps_lines_and_continuations() -> None:
    header = read_header(
        "\ufeffTitle: Hello\nTags: a,\n    b, c\nSummary: One\nTitle: again\n\nBody: not meta\n"
    )
    assert header.get("TITLE") is not None
    assert header.fields["title"].value == "Hello"
    assert header.fields["tags"].value == "a, b, c"
    assert header.fields["summary"].line == 4
    assert [(k, f.line) for k, f in header.duplicates] == [("title", 5)]
    assert header.body_line == 7
    assert "body" not in header.fields


def test_read_header_accepts_yaml_style_fences() -> None:
    header = read_header("---\nTitle: Fenced\nDate: 2026-01-01\n---\nBody\n")
    assert header.fields["title"].value == "Fenced"
    assert header.fields["date"].line == 3


def test_split_list_drops_empty_items() -> None:
    assert split_list(" a, b ,, c ,") == ["a", "b", "c"]


def test_good_post_has_no_problems() -> None:
    text = "Title: T\nDate: 2026-03-04 09:30\nAuthors: ana\nSummary: Short.\n\nBody\n"
    assert codes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date: 2026-01-01\nAuthors: a\n\nx", [(1, "missing-title")]),
        ("Title:\nDate: 2026-01-01\nAuthors: a\n\nx", [(1, "empty-title")]),
        ("Title: T\nAuthors: a\n\nx", [(1, "missing-date")]),
        ("Title: T\nAuthors: a\nDate: yesterday-ish\n\nx", [(3, "bad-date")]),
        ("Title: T\nAuthors: a\nDate: 2026-13-01\n\nx", [(3, "bad-date")]),
        ("Title: T\nAuthors: a\nDate: 04/03/2026\n\nx", [(3, "non-iso-date")]),
        ("Title: T\nAuthors: a\nDate: 2026-01-01\nModified: soon\n\nx", [(4, "bad-date")]),
        ("Title: T\nDate: 2026-01-01\n\nx", [(1, "missing-author")]),
        ("Title: T\nAuthors: a\nDate: 2026-01-01\nStatus: publish\n\nx", [(4, "bad-status")]),
        ("Title: T\nAuthors: a\nDate: 2026-01-01\nSumary: s\n\nx", [(4, "unknown-field")]),
        ("Title: T\nAuthors: a\nDate: 2026-01-01\nTitle: U\n\nx", [(4, "duplicate-field")]),
        (
            "Title: T\nAuthors: a\nDate: 2026-01-01\nSummary: " + "w" * 301 + "\n\nx",
            [(4, "long-summary")],
        ),
    ],
)
def test_post_rules(text: str, expected: list[tuple[int, str]]) -> None:
    assert codes(text) == expected


def test_messages_say_how_to_fix() -> None:
    (problem,) = check_post(PATH, "Title: T\nAuthors: a\nDate: 2026-02-30\n\nx", RULES)
    assert str(problem) == (
        "content/posts/2026/x.md:3: cannot read date '2026-02-30'; "
        "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM [bad-date]"
    )
    assert problem.severity is Severity.ERROR


def test_unknown_but_unrelated_fields_are_allowed() -> None:
    assert codes("Title: T\nAuthors: a\nDate: 2026-01-01\nDiscussion: #chan\n\nx") == []


def test_pages_need_only_a_title() -> None:
    page = PurePosixPath("content/pages/about.md")
    assert check_page(page, "Title: About\n\nText", RULES) == []
    assert [p.code for p in check_page(page, "Text only", RULES)] == ["missing-title"]


def test_non_utf8_file_names_the_line() -> None:
    data = b"Title: T\nDate: 2026-01-01\n" + b"Summary: caf\xe9\n\nx"
    (problem,) = check_files([(PATH, data)], RULES, posts=True)
    assert (problem.line, problem.code) == (3, "bad-encoding")


def test_settings_are_validated() -> None:
    assert settings_from({"CONTENT_CHECKS_STATUSES": ["Published", "draft"]}).statuses == (
        "published",
        "draft",
    )
    with pytest.raises(SettingsError, match="CONTENT_CHECKS_STATUSES"):
        settings_from({"CONTENT_CHECKS_STATUSES": "published"})
