"""Find credentials pasted into content: private keys, cloud keys, tokens, passwords.

A false positive (a documented fake key, say) is allowed by a marker on the same line or
the line before, e.g. `<!-- check: allow secret -->` or `# check:allow-secret`; a marker
on the line before a fenced code block covers the whole block. Messages never repeat the
secret, since CI logs are widely readable.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import PurePosixPath

from plugins._shared.problems import Problem, Severity
from plugins.content_checks.markdown_scan import Line

ALLOW_MARKER = re.compile(r"check:\s*allow[- ]secrets?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SecretPattern:
    """A kind of secret; the regex runs only on text holding one of `needles` (lower case)."""

    label: str
    needles: tuple[str, ...]
    regex: re.Pattern[str]


PATTERNS = (
    SecretPattern(
        "a private key",
        ("private key",),
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    SecretPattern(
        "an AWS access key id", ("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
    ),
    SecretPattern(
        "an AWS secret access key",
        ("secret",),
        re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}"),
    ),
    SecretPattern("a Google API key", ("aiza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    SecretPattern(
        "a Google service-account key",
        ("private_key_id",),
        re.compile(r"\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\""),
    ),
    SecretPattern(
        "a GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    ),
    SecretPattern("a GitLab token", ("glpat-",), re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    SecretPattern("a Slack token", ("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    SecretPattern(
        "a Slack webhook URL",
        ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/\w+"),
    ),
)
# `password: hunter22`, `DB_PASSWORD=...`, `"client_secret": "..."`, `api_key => '...'`.
# The keyword must end the key (password_hash and tokens are not secrets).
_ASSIGNED = re.compile(
    r"(?i)(?:password|passwd|pwd|secret|api[_-]?key|token)[\"']?"
    r"[ \t]*(?::|=>|=)[ \t]*[\"']?(?P<value>[^\s\"'`,;]+)"
)
_URL_PASSWORD = re.compile(r"://[^\s:/@]+:(?P<value>[^\s@/]+)@")
ASSIGNED = (
    SecretPattern("a password in a URL", ("://",), _URL_PASSWORD),
    SecretPattern("a password", ("password", "passwd", "pwd", "secret", "key", "token"), _ASSIGNED),
)
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


def find_secrets(text: str) -> list[tuple[int, str]]:
    """Return (offset, kind) for every secret in `text`, in order.

    Most files hold no secret keyword at all, so a substring test on the lower-cased text
    decides which regexes run (the checks' hot path on a large site).
    """
    lower = text.lower()
    found: list[tuple[int, str]] = []
    for kind in PATTERNS:
        if any(needle in lower for needle in kind.needles):
            found += [(m.start(), kind.label) for m in kind.regex.finditer(text)]
    for kind in ASSIGNED:
        if any(needle in lower for needle in kind.needles):
            matches = kind.regex.finditer(text)
            found += [(m.start(), kind.label) for m in matches if _looks_secret(m["value"])]
    return sorted(found)


def find_secret(text: str) -> str | None:
    """Return what kind of secret `text` (one line) holds, or None."""
    found = find_secrets(text)
    if not found:
        return None
    # Prefer the specific kinds (in PATTERNS order) over a generic password match.
    labels = {label for _, label in found}
    order = [kind.label for kind in (*PATTERNS, *ASSIGNED)]
    return min(labels, key=order.index)


def _allowed(line: Line, raw_by_number: dict[int, str]) -> bool:
    candidates = [line.number, line.number - 1]
    if line.block_start is not None:
        candidates.append(line.block_start - 1)
    return any(ALLOW_MARKER.search(raw_by_number.get(n, "")) for n in candidates)


def check_secrets(path: PurePosixPath, lines: list[Line]) -> list[Problem]:
    """Flag every line (header, prose and code) that looks like it holds a credential."""
    text = "\n".join(line.raw for line in lines)
    found = find_secrets(text)  # one pass over the file, not one per line: this is the hot path
    if not found:
        return []
    starts = list(accumulate((len(line.raw) + 1 for line in lines[:-1]), initial=0))
    raw_by_number = {line.number: line.raw for line in lines}
    problems: list[Problem] = []
    reported: set[int] = set()
    for offset, label in found:
        line = lines[bisect_right(starts, offset) - 1]
        if line.number in reported or _allowed(line, raw_by_number):
            continue
        reported.add(line.number)
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
