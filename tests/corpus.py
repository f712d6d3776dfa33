"""Write a generated site of N posts for measuring `blog check` and `blog build` (not a test).

    .venv/bin/python -m tests.corpus /tmp/corpus 5000
    time .venv/bin/blog check --root /tmp/corpus

The site reuses this repository's pelicanconf.py, theme, profiles, teams, pages and images;
each post has metadata, sections, a code block, a table, an image and links to other posts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TAGS = [
    "postgres", "kubernetes", "testing", "ci", "security", "frontend", "python", "go", "data",
    "observability", "performance", "career", "culture", "accessibility", "typescript", "kafka",
    "on-call", "incident-review", "migrations", "replication", "logging", "community",
]  # fmt: skip
PARAGRAPH = (
    "We changed how the service handles load during the busiest hour of the week, and the "
    "numbers moved more than we expected. This section explains what we measured, what we "
    "tried first, why it did not work, and what we would do differently next time. "
) * 3


def post_text(number: int, authors: list[str]) -> tuple[str, str]:
    """Return (content-relative path, text) of generated post `number`."""
    year = 2020 + number % 7
    slug = f"generated-post-{number:05d}"
    tags = ", ".join(TAGS[(number + k * 5) % len(TAGS)] for k in range(3))
    previous = number - 1 if number else 0
    previous_path = f"posts/{2020 + previous % 7}/generated-post-{previous:05d}.md"
    body = f"""{PARAGRAPH}

See [the previous post]({{filename}}/{previous_path}) and the [tag page](/tags/testing/).

## What we measured

{PARAGRAPH}

![Diagram of the replication topology]({{static}}/images/replication-topology.svg)

### The numbers

| Stage | Before | After |
| --- | ---: | ---: |
| Build | 12 min | 4 min |

```python
def handler(event: dict[str, str]) -> str:
    # a comment, not a heading
    return event["id"]
```

## What we would do differently

{PARAGRAPH}
"""
    header = (
        f"Title: Generated post number {number}\n"
        f"Date: {year}-{1 + number % 12:02d}-{1 + number % 28:02d} 09:30\n"
        f"Authors: {authors[number % len(authors)]}\n"
        f"Category: Engineering\nTags: {tags}\n"
        f"Summary: Generated post {number} for measuring the tools.\n"
        f"Slug: {slug}\n"
    )
    return f"posts/{year}/{slug}.md", f"{header}\n{body}"


def write_corpus(root: Path, count: int) -> None:
    """Write pelicanconf.py, the theme (a symlink) and `count` posts into `root`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pelicanconf.py", root / "pelicanconf.py")
    if not (root / "themes").exists():
        (root / "themes").symlink_to(REPO / "themes", target_is_directory=True)
    content = root / "content"
    for folder in ("authors", "teams", "pages", "images"):
        shutil.copytree(REPO / "content" / folder, content / folder, dirs_exist_ok=True)
    authors = sorted(p.stem for p in (content / "authors").glob("*.md"))
    for number in range(count):
        relative, text = post_text(number, authors)
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
