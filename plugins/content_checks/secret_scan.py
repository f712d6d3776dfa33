"""Find credentials pasted into content: private keys, cloud keys, tokens, passwords.

A false positive (a documented fake key, say) is allowed by a marker on the same line or
the line before, e.g. `<!-- check: allow secret -->` or `# check:allow-secret`; a marker
on the line before a fenced code block covers the whole block. Messages never repeat the
secret, since CI logs are widely readable.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from plugins._shared.problems import Problem, Severity
from plugins.content_checks.markdown_scan import Line

ALLOW_MARKER = re.compile(r"check:\s*allow[- ]secrets?\b", re.IGNORECASE)
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    (
        "an AWS secret access key",
        re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}"),
    ),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Google service-account key", re.compile(r"\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\"")),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    ),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    (
        "a Slack webhook URL",
        re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/\w+"),
    ),
)
# `password: hunter22`, `DB_PASSWORD=...`, `"client_secret": "..."`, `api_key => '...'`.
_ASSIGNED = re.compile(
    r"(?i)(?:^|[^a-z0-9])[a-z0-9_.-]*(?:password|passwd|pwd|secret|api[_-]?key|token)[\"']?"
    r"\s*(?::|=>|=)\s*[\"']?(?P<value>[^\s\"'`,;]+)"
)
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<value>[^\s@/]+)@")
# Values that stand for a secret instead of being one.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:[$%<{(\[]|\*|x{3,}|\.{3}|os\.|env\b|getenv|process\.env|vault:|secret(?:s|ref)?[.:/])"
    r"|^(?:changeme|change-me|password|passw0rd|secret|example\w*|redacted|none|null|true|false|"
    r"todo|dummy|fake|test\w*|your[-_]\w+|my[-_]\w+)$"
)
_MIN_VALUE_LENGTH = 6
_LONG_VALUE = 16


def _looks_secret(value: str) -> bool:
    # Prose ("the password: rotate it") has plain words; secrets have digits or symbols,
    # or are long.
    if len(value) < _MIN_VALUE_LENGTH or _PLACEHOLDER.search(value):
        return False
    return len(value) >= _LONG_VALUE or not value.isalpha()


def _assigned_secret(text: str) -> str | None:
    for pattern, label in ((_URL_PASSWORD, "a password in a URL"), (_ASSIGNED, "a password")):
        for match in pattern.finditer(text):
            value = match["value"]
            if _looks_secret(value):
                return label
    return None


def find_secret(text: str) -> str | None:
    """Return what kind of secret `text` (one line) holds, or None."""
    for label, pattern in PATTERNS:
        if pattern.search(text):
            return label
    return _assigned_secret(text)


def _allowed(line: Line, raw_by_number: dict[int, str]) -> bool:
    candidates = [line.number, line.number - 1]
    if line.block_start is not None:
        candidates.append(line.block_start - 1)
    return any(ALLOW_MARKER.search(raw_by_number.get(n, "")) for n in candidates)


def check_secrets(path: PurePosixPath, lines: list[Line]) -> list[Problem]:
    """Flag every line (header, prose and code) that looks like it holds a credential."""
    problems: list[Problem] = []
    raw_by_number = {line.number: line.raw for line in lines}
    for line in lines:
        label = find_secret(line.raw)
        if label is None or _allowed(line, raw_by_number):
            continue
        problems.append(
            Problem(
                path, line.number,
                f"this line looks like it holds {label}; remove it and rotate the credential "
                "(git keeps history). If it is a harmless example, put "
                "<!-- check: allow secret --> on the line before",
                "secret", Severity.ERROR,
            )
        )  # fmt: skip
    return problems
