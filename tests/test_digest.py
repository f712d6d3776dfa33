"""`blog digest` against a real SMTP server (aiosmtpd) started in the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result
from selectolax.lexbor import LexborHTMLParser

from tests.conftest import MakeSite, post
from tests.test_featured import profile
from tools.cli import cli

SITE_URL = "https://blog.example.com"


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message, or rejects them all with `reply`."""

    reply: str = "250 Message accepted for delivery"
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content, policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def digest_site(make_site: MakeSite) -> Path:
    return make_site(
        {
            # Old posts: ana and bo have written before.
            "content/posts/2026/old.md": post("Old news", date="2026-09-01 09:00", authors="ana"),
            "content/posts/2026/bo-old.md": post(
                "Bo before", date="2026-09-02 09:00", authors="bo"
            ),
            # In the window (2026-11-17 .. 2026-11-23).
            "content/posts/2026/storage.md": post(
                "Storage news",
                date="2026-11-20 10:00",
                authors="ana",
                extra="Summary: Disks & <things>.",
            ),
            "content/posts/2026/joint.md": post(
                "Joint post", date="2026-11-21 10:00", authors="bo, cleo"
            ),
            "content/posts/2026/draft.md": post(
                "Secret draft", date="2026-11-22 10:00", authors="ana", extra="Status: draft"
            ),
            # After the window.
            "content/posts/2026/later.md": post("From the future", date="2026-11-24 10:00"),
            "content/authors/ana.md": profile("Ana López", "Staff Engineer", "storage"),
            "content/authors/bo.md": profile("Bo Chen", "SRE", "platform"),
            "content/authors/cleo.md": profile("Cléo Martin", "Designer", "frontend"),
            "content/teams/storage.md": "Name: Storage\nChampion: ana\n\nStore.\n",
            "content/teams/platform.md": "Name: Platform\nChampion: bo\n\nRun.\n",
            "content/teams/frontend.md": "Name: Frontend\nChampion: cleo\n\nShow.\n",
            "content/featured.yml": (
                "featured:\n  - post: old-news\n    blurb: Still worth a read.\n"
                "    until: 2026-11-23\n"
            ),
        }
    )


def digest(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(
        cli,
        ["digest", "--root", str(root), "--since", "7d", "--now", "2026-11-23",
         "--site-url", SITE_URL, "--from", "Intrablog <blog@example.com>", *args],
    )  # fmt: skip
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_digest_arrives_once_with_both_parts_and_absolute_links(
    make_site: MakeSite, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    root = digest_site(make_site)
    result = digest(
        root, "--to", "all@example.com", "--to", "comms@example.com", "--to", "ALL@example.com",
        "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "to 2 recipient(s)" in result.stderr

    assert len(inbox.envelopes) == 1  # one transaction, nothing sent twice
    assert sorted(inbox.envelopes[0].rcpt_tos) == ["all@example.com", "comms@example.com"]
    message = inbox.messages()[0]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Intrablog digest: 2 new posts, 17 Nov – 23 Nov 2026"
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    text, markup = text_part.get_content(), html_part.get_content()

    page = LexborHTMLParser(markup)
    links = [a.attributes.get("href") or "" for a in page.css("a")]
    assert links and all(link.startswith(SITE_URL + "/") for link in links)
    assert page.css_first("img, script, link, style") is None  # inline styles, no images
    assert all(node.attributes.get("style") for node in page.css("h1, h2, a"))
    assert f"{SITE_URL}/posts/2026/storage-news/" in links
    assert [h.text(strip=True) for h in page.css("h2")] == [
        "Featured",
        "New posts by team",
        "New voices",
    ]
    assert [h.text(strip=True) for h in page.css("h3")] == ["Frontend", "Platform", "Storage"]
    # Escaped, not injected.
    assert "Disks &amp; &lt;things&gt;." in markup
    assert "Disks & <things>." in text
    # Featured, new posts by team (a joint post under both teams), new authors only.
    assert "Still worth a read." in text and f"{SITE_URL}/posts/2026/old-news/" in text
    assert text.split("NEW VOICES")[0].count("Joint post") == 2
    assert "Secret draft" not in text and "From the future" not in text
    voices = text.split("NEW VOICES")[1]
    assert "Cléo Martin (Designer, Frontend)" in voices
    assert "Bo Chen" not in voices and "Ana López" not in voices
    assert f"{SITE_URL}/people/cleo/" in voices


def test_dry_run_writes_an_eml_and_prints_its_path(make_site: MakeSite, tmp_path: Path) -> None:
    root = digest_site(make_site)
    target = tmp_path / "out" / "digest.eml"
    result = digest(root, "--dry-run", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(target)
    message = message_from_bytes(target.read_bytes(), policy=policy.default)
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None


def test_nothing_new_sends_nothing(make_site: MakeSite, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    root = digest_site(make_site)
    result = CliRunner().invoke(
        cli,
        ["digest", "--root", str(root), "--now", "2026-12-20", "--to", "a@example.com",
         "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--site-url", SITE_URL],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "no digest" in result.stderr
    assert inbox.envelopes == []


def test_a_server_that_rejects_the_message_is_a_clear_error(
    make_site: MakeSite, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    inbox.reply = "550 5.7.1 Digest not welcome here"
    root = digest_site(make_site)
    result = digest(
        root, "--to", "a@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        f"SMTP server 127.0.0.1:{port} rejected the digest: 550 5.7.1 Digest not welcome here"
        in (result.stderr)
    )
    assert "nothing was sent" in result.stderr


def test_a_closed_port_is_a_clear_error(make_site: MakeSite) -> None:
    root = digest_site(make_site)
    port = free_port()  # nothing listens there any more
    result = digest(
        root, "--to", "a@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)
    )
    assert result.exit_code == 1
    assert f"cannot send through SMTP server 127.0.0.1:{port}" in result.stderr
    assert "BLOG_SMTP_HOST" in result.stderr


def test_ssl_against_a_plain_server_is_a_clear_error(
    make_site: MakeSite, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    root = digest_site(make_site)
    result = digest(
        root, "--to", "a@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--ssl"
    )
    assert result.exit_code == 1
    assert f"TLS with SMTP server 127.0.0.1:{port} failed" in result.stderr
    assert inbox.envelopes == []


def test_settings_come_from_the_environment(
    make_site: MakeSite, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    root = digest_site(make_site)
    monkeypatch.setenv("BLOG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BLOG_SMTP_PORT", str(port))
    monkeypatch.setenv("BLOG_DIGEST_TO", "env@example.com")
    result = digest(root)
    assert result.exit_code == 0, result.output
    assert [e.rcpt_tos for e in inbox.envelopes] == [["env@example.com"]]


def test_bad_options_are_refused(make_site: MakeSite) -> None:
    root = digest_site(make_site)
    assert "--since 'soon'" in digest(root, "--since", "soon", "--dry-run").stderr
    both = digest(root, "--to", "a@example.com", "--starttls", "--ssl")
    assert both.exit_code == 2
    no_one = digest(root, "--smtp-port", "1")
    assert no_one.exit_code == 1 and "no recipients" in no_one.stderr
    user = digest(root, "--to", "a@example.com", "--smtp-user", "me", "--smtp-port", "1")
    assert user.exit_code == 1 and "BLOG_SMTP_PASSWORD" in user.stderr
    relative = digest(root, "--dry-run", "--site-url", "/blog")
    assert relative.exit_code == 1 and "not absolute" in relative.stderr
