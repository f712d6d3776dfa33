"""Read the metadata header of a Markdown content file, keeping line numbers.

Pelican's Markdown reader (the `meta` extension) reads `Key: value` lines up to the first
blank line; an indented line continues the previous value, and an optional `---` line may
open and close the block. This module mirrors that grammar so problems can name the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plugins._shared.pickling import pickled_as_arguments

_KEY_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_FENCE = re.compile(r"^-{3}\s*$")


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Field:
    """One metadata value and the 1-based line it starts on."""

    value: str
    line: int


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Header:
    """The metadata block of a content file.

    `fields` maps lower-cased keys to their first occurrence; `duplicates` lists later
    occurrences of a key; `body_line` is the first line after the header.
    """

    fields: dict[str, Field] = field(default_factory=dict)
    duplicates: tuple[tuple[str, Field], ...] = ()
    body_line: int = 1

    def get(self, key: str) -> Field | None:
        """Return the field named `key` (case-insensitive), if present."""
        return self.fields.get(key.lower())


def read_header(text: str) -> Header:
    """Parse the metadata header at the top of `text`."""
    lines = text.lstrip("\ufeff").splitlines()
    fields: dict[str, Field] = {}
    duplicates: list[tuple[str, Field]] = []
    index = 0
    if lines and _FENCE.match(lines[0]):
        index = 1
    last_key: str | None = None
    while index < len(lines):
        line = lines[index]
        if not line.strip() or (_FENCE.match(line) and index > 0):
            index += 1
            break
        key_match = _KEY_LINE.match(line)
        continuation = _CONTINUATION.match(line)
        if key_match:
            key = key_match["key"].lower()
            value = Field(key_match["value"].strip(), index + 1)
            if key in fields:
                duplicates.append((key, value))
            else:
                fields[key] = value
            last_key = key
        elif continuation and last_key is not None:
            previous = fields[last_key]
            joined = f"{previous.value} {continuation['value'].strip()}".strip()
            fields[last_key] = Field(joined, previous.line)
        else:
            # Not metadata: Pelican treats the rest as the body.
            break
        index += 1
    return Header(fields=fields, duplicates=tuple(duplicates), body_line=index + 1)


def split_list(value: str) -> list[str]:
    """Split a comma-separated metadata value (Tags, Authors) into stripped items."""
    return [item.strip() for item in value.split(",") if item.strip()]
