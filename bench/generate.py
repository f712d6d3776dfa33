"""Generate a deterministic, realistic Intrablog corpus for the benchmark.

    python bench/generate.py OUT_DIR --posts 1000

Writes OUT_DIR/content/{posts/<year>/<slug>.md, authors/<slug>.md, teams/<slug>.md}. The same
arguments always give byte-identical files. Posts have a metadata header (1-2 authors, 2-5
tags drawn with a Zipf-like skew, a summary, sometimes a series) and a Markdown body with
headings, paragraphs, lists, a table, fenced code and links. Every post carries one code
name found in no other post (`codename(n)`), so a benchmark can search for it.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SEED = 20261123


def _split(text: str) -> list[str]:
    return text.split()


TEAMS = ["storage", "platform", "data", "frontend", "security", "mobile", "payments", "search"]
TAGS = _split(
    "postgres kubernetes ci observability security testing frontend accessibility python go "
    "rust typescript kafka data-contracts migrations performance incidents on-call logging "
    "tracing metrics terraform networking dns tls caching redis search design-system react "
    "mobile ios android payments billing compliance privacy ml feature-flags deployment "
    "gitops reliability slo capacity cost onboarding hiring career architecture api grpc "
    "graphql queues batch streaming warehouse dbt airflow spark docs writing culture "
    "hack-week reading-group mentoring leadership product research ux identity auth"
)
WORDS = _split(
    "system service cluster request latency throughput database replica index query schema "
    "migration deploy rollout release pipeline build cache queue worker event stream batch "
    "table column partition shard node pod container image registry secret token certificate "
    "alert dashboard metric trace log budget error retry timeout backoff lock transaction "
    "commit branch review change team owner oncall incident postmortem runbook playbook "
    "customer order payment invoice account session user profile permission role policy "
    "network packet route proxy balancer gateway endpoint client server protocol version "
    "memory disk storage volume snapshot backup restore failover region zone capacity cost "
    "test fixture mock contract coverage flaky suite runner check lint format type compiler "
    "design component token color contrast layout screen reader keyboard focus label form "
    "feature flag experiment rollout metric signal baseline regression benchmark profile "
    "improve reduce measure observe notice decide explain migrate replace remove simplify "
    "quickly safely carefully slowly gradually finally usually rarely often together "
    "we the team found that this was because when after before while during every each "
    "our their new old first last small large slow fast simple complex stable noisy"
)
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "ti",
    "vo",
    "zu",
    "be",
    "da",
    "fi",
    "go",
    "hu",
    "je",
    "ki",
    "la",
    "mo",
    "nu",
    "pa",
    "qe",
    "ri",
    "so",
    "tu",
    "va",
    "we",
    "xi",
    "yo",
]
LANGS = {
    "python": "def {name}(items):\n    total = 0\n    for item in items:\n"
    "        total += item.{word}\n    return total\n",
    "yaml": "service: {name}\nreplicas: 3\nresources:\n  requests:\n"
    "    cpu: 250m\n    memory: 512Mi\n",
    "bash": "kubectl -n {name} rollout status deploy/{word}\nblog check content/posts\n",
    "sql": "ALTER TABLE {name} ADD COLUMN {word} text;\n"
    "CREATE INDEX CONCURRENTLY ON {name} ({word});\n",
    "go": 'func {name}(ctx context.Context) error {{\n\treturn fmt.Errorf("{word}: %w", err)\n}}\n',
}


def codename(number: int) -> str:
    """Return the made-up word unique to post `number` (letters only, stem-stable)."""
    letters = ""
    value = number + 1
    while value:
        value, digit = divmod(value, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[digit]
    return f"zq{letters}x"


def _zipf_choice(rng: random.Random, items: list[str], skew: float = 1.1) -> str:
    weights = [1 / (rank + 1) ** skew for rank in range(len(items))]
    return rng.choices(items, weights=weights, k=1)[0]


Vocabulary = tuple[list[str], list[float]]


def _sentence(rng: random.Random, vocabulary: Vocabulary, length: int | None = None) -> str:
    words = rng.choices(vocabulary[0], vocabulary[1], k=length or rng.randint(8, 20))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, vocabulary: Vocabulary) -> str:
    return " ".join(_sentence(rng, vocabulary) for _ in range(rng.randint(2, 5)))


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Return words and Zipf weights: as in real text, a few words are everywhere and most
    are rare (the real words are spread over the ranks, so queries hit both kinds)."""
    made_up = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(4000)}
    )
    words = list(dict.fromkeys(WORDS)) + made_up
    rng.shuffle(words)
    return words, [1 / (rank + 1) for rank in range(len(words))]


def generate(out: Path, posts: int) -> None:
    """Write a corpus of `posts` posts (and their authors and teams) under out/content."""
    rng = random.Random(SEED)
    vocabulary = _vocabulary(rng)
    content = out / "content"
    for sub in ("posts", "authors", "teams", "pages"):
        (content / sub).mkdir(parents=True, exist_ok=True)
    author_count = max(20, posts // 15)
    authors = [f"author-{n:04d}" for n in range(author_count)]
    for slug in TEAMS:
        champion = authors[TEAMS.index(slug)]
        (content / "teams" / f"{slug}.md").write_text(
            f"Name: {slug.title()}\nChampion: {champion}\n\nThe {slug} team.\n", encoding="utf-8"
        )
    for number, slug in enumerate(authors):
        team = TEAMS[number % len(TEAMS)]
        (content / "authors" / f"{slug}.md").write_text(
            f"Name: Author {number:04d}\nRole: Engineer\nTeam: {team}\n"
            f"Email: {slug}@example.com\nExpertise: {', '.join(rng.sample(TAGS, 3))}\n\n"
            f"{_paragraph(rng, vocabulary)}\n",
            encoding="utf-8",
        )
    series_names = [f"Series {n}" for n in range(max(5, posts // 100))]
    for number in range(posts):
        year = 2019 + number * 8 // posts
        day = number * 2917 % 365
        month, mday = 1 + day // 31 % 12, 1 + day % 28
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
        slug = f"post-{number:05d}"
        tags = sorted({_zipf_choice(rng, TAGS) for _ in range(rng.randint(2, 5))})
        writers = sorted({_zipf_choice(rng, authors, 0.8) for _ in range(rng.randint(1, 2))})
        header = [
            f"Title: {title} {number}",
            f"Date: {year}-{month:02d}-{mday:02d} {number % 24:02d}:{number % 60:02d}",
            f"Authors: {', '.join(writers)}",
            f"Tags: {', '.join(tags)}",
            f"Summary: {_sentence(rng, vocabulary, 18)}",
            f"Slug: {slug}",
        ]
        if rng.random() < 0.08:
            header.append(f"Series: {rng.choice(series_names)}")
        body = [_paragraph(rng, vocabulary) + f" We call it {codename(number).capitalize()}."]
        for section in range(rng.randint(2, 5)):
            body.append(f"## {' '.join(rng.choice(WORDS) for _ in range(3)).capitalize()}")
            body += [_paragraph(rng, vocabulary) for _ in range(rng.randint(1, 3))]
            kind = (number + section) % 4
            if kind == 0:
                body.append("\n".join(f"- {_sentence(rng, vocabulary, 6)}" for _ in range(4)))
            elif kind == 1:
                lang = rng.choice(sorted(LANGS))
                code = LANGS[lang].format(name=rng.choice(WORDS), word=rng.choice(WORDS))
                body.append(f"```{lang}\n{code}```")
            elif kind == 2:
                rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} ms |" for _ in range(4)]
                body.append("| step | time |\n| --- | ---: |\n" + "\n".join(rows))
            else:
                body.append(
                    f"See [the {rng.choice(WORDS)} runbook](https://wiki.example.com/"
                    f"{rng.choice(WORDS)}) and `{rng.choice(WORDS)}_{rng.choice(WORDS)}`."
                )
        path = content / "posts" / str(year) / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(header) + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    generate(args.out, args.posts)


if __name__ == "__main__":
    main()
