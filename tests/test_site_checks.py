"""Site-wide content checks (plugins.content_checks.site): each rule fails and passes."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from plugins.content_checks.markdown_scan import find_links, scan_lines
from plugins.content_checks.secret_scan import find_secret
from plugins.content_checks.site import SiteContent, SiteSettings, Source, check_site
from tools.build import load_settings

REPO = Path(__file__).resolve().parent.parent
SETTINGS = SiteSettings.from_settings(load_settings(REPO, {}))
PROFILE = "Name: Ana López\nTeam: storage\n\nBio.\n"


def post(
    title: str = "A post",
    *,
    slug: str | None = None,
    date: str = "2026-03-04 09:30",
    tags: str = "testing",
    authors: str = "ana-lopez",
    extra: str = "",
    body: str = "Words.",
) -> str:
    slug_line = f"Slug: {slug}\n" if slug else ""
    header = f"Title: {title}\nDate: {date}\nAuthors: {authors}\nTags: {tags}\n{slug_line}{extra}"
    return f"{header.rstrip()}\n\n{body}\n"


def site(files: dict[str, str | bytes]) -> SiteContent:
    sources = []
    for relative, text in files.items():
        if not relative.endswith(".md"):
            continue
        kind = relative.split("/", 1)[0]
        kind = {"posts": "post", "pages": "page"}.get(kind, "profile")
        data = text if isinstance(text, bytes) else text.encode()
        sources.append(Source(PurePosixPath("content", relative), kind, data))
    return SiteContent("content", tuple(sources), frozenset(files))


def found(files: dict[str, str | bytes], only: set[str] | None = None) -> set[tuple[str, int, str]]:
    selected = None if only is None else frozenset(PurePosixPath("content", p) for p in only)
    return {
        (str(p.path).removeprefix("content/"), p.line, p.code)
        for p in check_site(site(files), SETTINGS, selected)
    }


def codes(files: dict[str, str | bytes]) -> set[str]:
    return {code for _, _, code in found(files)}


BASE = {
    "authors/ana-lopez.md": PROFILE,
    "pages/about.md": "Title: About\n\nAbout us.\n",
    "images/diagram.svg": "<svg/>",
    "posts/2026/other.md": post("Other", slug="other", tags="kubernetes"),
}


def with_post(body: str = "Words.", **kwargs: str) -> dict[str, str | bytes]:
    kwargs.setdefault("slug", "x")
    return {**BASE, "posts/2026/x.md": post("X", body=body, **kwargs)}  # type: ignore[arg-type]


def test_a_clean_site_has_no_problems() -> None:
    assert found(with_post()) == set()


def test_unknown_author_names_the_command_to_create_one() -> None:
    problems = check_site(site(with_post(authors="ana-lopez, bo-chen")), SETTINGS)
    assert [(p.line, p.code) for p in problems] == [(3, "unknown-author")]
    assert "blog new-author bo-chen" in problems[0].message
    # A site without any profiles has nothing to check authors against.
    assert codes({"posts/2026/x.md": post(slug="x", authors="zed")}) == set()


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("k8s, testing", {("posts/2026/x.md", 4, "tag-alias")}),
        ("Kubernetes", {("posts/2026/x.md", 4, "tag-format")}),
        ("design system", {("posts/2026/x.md", 4, "tag-format")}),
        ("kubernetes, design-system", set()),
    ],
)
def test_tags_are_normalised_and_aliases_flagged(
    tags: str, expected: set[tuple[str, int, str]]
) -> None:
    assert found(with_post(tags=tags)) == expected


def test_a_tag_spelled_two_ways_points_to_the_common_spelling() -> None:
    files = {
        **BASE,
        "posts/2026/a.md": post("A", slug="a", tags="migrations"),
        "posts/2026/b.md": post("B", slug="b", tags="migrations"),
        "posts/2026/c.md": post("C", slug="c", tags="migration"),
    }
    problems = check_site(site(files), SETTINGS)
    assert [(str(p.path), p.code) for p in problems] == [("content/posts/2026/c.md", "similar-tag")]
    assert "'migrations'" in problems[0].message


def test_a_series_spelled_two_ways_is_flagged() -> None:
    files = {
        **BASE,
        "posts/2026/a.md": post("A", slug="a", extra="Series: Postgres at scale"),
        "posts/2026/b.md": post("B", slug="b", extra="Series: Postgres at scale"),
        "posts/2026/c.md": post("C", slug="c", extra="Series: Postgres at Scale"),
    }
    assert found(files) == {("posts/2026/c.md", 6, "similar-series")}
    files["posts/2026/c.md"] = post("C", slug="c", extra="Series: Postgres at scale")
    assert found(files) == set()


def test_duplicate_slugs_and_addresses_are_errors_in_every_file() -> None:
    files = {
        **BASE,
        "posts/2025/x.md": post("Old", slug="x", date="2025-01-01"),
        "posts/2026/x.md": post("New", slug="x"),
    }
    assert found(files) == {
        ("posts/2025/x.md", 5, "duplicate-slug"),
        ("posts/2026/x.md", 5, "duplicate-slug"),
    }
    files = {**BASE, "posts/2026/a.md": post("Same"), "posts/2026/b.md": post("Same")}
    assert codes(files) == {"duplicate-slug", "duplicate-url"}
    files["posts/2026/b.md"] = post("Different")
    assert codes(files) == set()


def test_file_names_follow_year_and_slug() -> None:
    files = {**BASE, "posts/2026/x.md": post("X", slug="x", date="2025-12-31 10:00")}
    (problem,) = check_site(site(files), SETTINGS)
    assert (problem.line, problem.code) == (2, "file-name")
    assert "content/posts/2025/x.md" in problem.message
    files = {**BASE, "posts/2026/x.md": post("X", slug="y")}
    assert found(files) == {("posts/2026/x.md", 5, "file-name")}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[a]({filename}/posts/2026/other.md) [b]({filename}other.md#part)", set()),
        ("[a]({filename}/posts/2026/otter.md)", {(7, "broken-link")}),
        ("![Diagram]({static}/images/diagram.svg)", set()),
        ("![Diagram]({static}/images/nope.svg)", {(7, "missing-image")}),
        ("[slides]({attach}/files/talk.pdf)", {(7, "missing-attachment")}),
        ("[o](/posts/2026/other/) [t](/tags/kubernetes/) [p](/people/ana-lopez/)", set()),
        ("[a](/pages/about/) [all](/tags/) [s](/search?q=x) [w](https://x.example/)", set()),
        ("[o](/posts/2026/otehr/)", {(7, "broken-link")}),
        ("[t](/tags/no-such-tag/)", {(7, "broken-link")}),
        ("[p](/people/nobody/)", {(7, "broken-link")}),
        ("![x](/images/missing.png)", {(7, "missing-image")}),
        ("[x](other.md)", {(7, "broken-link")}),
        ("[t]({tag}kubernetes) [a]({author}ana-lopez)", set()),
        ("[t]({tag}nothing)", {(7, "broken-link")}),
        ('<a href="/posts/2025/gone/">old</a>', {(7, "broken-link")}),
        ("`[a]({filename}/nope.md)`\n\n```\n[a]({filename}/nope.md)\n```", set()),
    ],
)
def test_internal_links_images_and_attachments(body: str, expected: set[tuple[int, str]]) -> None:
    problems = found(with_post(body))
    assert {(line, code) for path, line, code in problems if path == "posts/2026/x.md"} == expected


def test_author_pages_exist_for_every_named_author_even_without_a_profile() -> None:
    body = "[p](/people/bo-chen/) [a]({author}bo-chen)"
    assert codes(with_post(body, authors="ana-lopez, bo-chen")) == {"unknown-author"}
    assert codes({"posts/2026/x.md": post(slug="x", authors="zed", body=body)}) == {"broken-link"}


def test_broken_site_link_suggests_the_closest_address() -> None:
    problems = check_site(site(with_post("[o](/posts/2026/otehr/)")), SETTINGS)
    assert "did you mean /posts/2026/other/?" in problems[0].message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("![A diagram]({static}/images/diagram.svg)", set()),
        ("![]({static}/images/diagram.svg)", {(7, "image-alt")}),
        ('<img src="/images/diagram.svg">', {(7, "image-alt")}),
        ('<img src="/images/diagram.svg" alt="Diagram">', set()),
    ],
)
def test_images_need_alt_text(body: str, expected: set[tuple[int, str]]) -> None:
    assert {(line, code) for _, line, code in found(with_post(body))} == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("## A\n\n### B\n\n## C\n\n### D", set()),
        ("## A\n\n#### B", {(9, "heading-skip")}),
        ("### Too deep first", {(7, "heading-skip")}),
        ("# Not the title", {(7, "heading-h1")}),
        ("Join\n#channel on chat", {(8, "heading-h1")}),
        ("```bash\n# a comment\n#### not a heading\n```", set()),
    ],
)
def test_heading_levels(body: str, expected: set[tuple[int, str]]) -> None:
    assert {(line, code) for _, line, code in found(with_post(body))} == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Press <kbd>Ctrl</kbd> and <abbr title='x'>X</abbr>.", set()),
        ('<details><summary>More</summary>Text</details><td style="text-align: right">', set()),
        ('<iframe src="https://video.example/embed"></iframe>', {(7, "raw-html")}),
        ("<script>alert(1)</script>", {(7, "raw-html")}),
        ('<div onclick="steal()">x</div>', {(7, "raw-html")}),
        ('<a href="javascript:alert(1)">x</a>', {(7, "raw-html")}),
        ('<span style="color: red">x</span>', {(7, "raw-html")}),
        ("`<script>` in a code span, <https://autolink.example/>, <!-- a comment -->", set()),
        ("```html\n<script>fine in code</script>\n```", set()),
    ],
)
def test_raw_html_the_sanitizer_strips(body: str, expected: set[tuple[int, str]]) -> None:
    assert {(line, code) for _, line, code in found(with_post(body))} == expected


def test_raw_html_message_names_what_is_removed() -> None:
    problems = check_site(site(with_post('<div onclick="x">y</div>')), SETTINGS)
    assert 'the onclick="..." attribute of <div> is removed' in problems[0].message


FAKE_AWS = "AKIA" + "ABCDEFGHIJKLMNOP"
FAKE_GITHUB = "ghp_" + "a1B2" * 9


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
        ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
        (f"aws_access_key_id = {FAKE_AWS}", "an AWS access key id"),
        ("aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY", "any"),
        ('"private_key_id": "' + "0123456789abcdef" * 2 + '01234567",', "any"),
        ("apiKey: AIza" + "SyA1234567890abcdefghijklmnopqrstuv", "a Google API key"),
        (f"export GITHUB_TOKEN={FAKE_GITHUB}", "a GitHub token"),
        ("token: xoxb-" + "123456789012-abcdefghij", "a Slack token"),
        ("url: https://hooks.slack.com/services/T000/B000/" + "XXXXXXXXXXXXXXXX", "any"),
        ("  password: hunter2hunter2", "a password"),
        ("DB_PASSWORD=Sup3rS3cret!", "a password"),
        ('{"client_secret": "9f8e7d6c5b4a"}', "a password"),
        ("DATABASE_URL=postgres://app:Tr0ub4dor@db.internal/orders", "a password in a URL"),
        ("password: ${DB_PASSWORD}", None),
        ("password = os.environ['DB_PASSWORD']", None),
        ('password: "<your password>"', None),
        ("password: changeme", None),
        ("postgres://user:password@localhost/db", None),
        ("The password: rotate it monthly.", None),
        ("rotate every secret in Marlin; tokens expire.", None),
    ],
)
def test_secret_patterns(line: str, kind: str | None) -> None:
    found_kind = find_secret(line)
    if kind == "any":
        assert found_kind is not None, line
    else:
        assert found_kind == kind, line


def test_secrets_fail_and_the_inline_marker_allows_a_false_positive() -> None:
    body = f"Our key was {FAKE_AWS}, now revoked."
    problems = check_site(site(with_post(body)), SETTINGS)
    assert [(p.line, p.code, p.severity.value) for p in problems] == [(7, "secret", "error")]
    assert FAKE_AWS not in problems[0].message  # never echo the secret into CI logs
    allowed = [
        f"{body} <!-- check: allow secret -->",
        f"<!-- check: allow secret -->\n{body}",
        "```ini\npassword = hunter2hunter2  # check:allow-secret\n```",
        "<!-- check: allow secret -->\n```text\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n```",
    ]
    for text in allowed:
        assert codes(with_post(text)) == set(), text
    assert codes(with_post("```text\n-----BEGIN RSA PRIVATE KEY-----\n```")) == {"secret"}


def test_placeholders_from_the_templates_are_flagged() -> None:
    assert codes(with_post(extra="Summary: TODO: write one")) == {"placeholder"}
    files = {**BASE, "authors/bo-chen.md": "Name: Bo\nRole: TODO: your role\n\nBio.\n"}
    assert found(files) == {("authors/bo-chen.md", 2, "placeholder")}


def test_only_limits_reports_but_links_see_the_whole_site() -> None:
    files = {
        **with_post("[o]({filename}/posts/2026/other.md) [n]({filename}/nope.md)"),
        "posts/2026/old.md": post("Old", slug="old", tags="k8s"),
    }
    assert found(files, only={"posts/2026/x.md"}) == {("posts/2026/x.md", 7, "broken-link")}
    assert ("posts/2026/old.md", 4, "tag-alias") in found(files)


def test_scanner_reads_reference_links_and_html_images() -> None:
    lines = scan_lines(
        '[ref]: /posts/2026/x/ "T"\n![alt][ref] <img alt="a" src="/i.png">\n'
        "[t](/a_(b)) ![x](<a b.png>)"
    )
    links = [(link.line, link.url, link.image, link.alt) for link in find_links(lines)]
    assert links == [
        (1, "/posts/2026/x/", False, None),
        (2, "", True, "alt"),
        (2, "/i.png", True, "a"),
        (3, "/a_(b)", False, None),
        (3, "a b.png", True, "x"),
    ]
