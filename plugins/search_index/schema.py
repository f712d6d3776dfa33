"""The search index schema: the only module that names Whoosh fields.

Bump SCHEMA_VERSION whenever a field, an analyzer or the way documents are built changes:
the writer then throws the old index away and rebuilds it from scratch, because an
incremental update cannot re-analyze documents whose content hash did not change.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.analysis import StemmingAnalyzer

from plugins.search_index.fastformat import FastPositions

# 3: no `spell` field (spelling.py keeps the vocabulary beside the index); `date` stored only
SCHEMA_VERSION = 3

# Field names, shared by the writer (documents → fields) and the query side.
PATH = "path"  # unique key: the post's source path relative to the content folder
URL = "url"
TITLE = "title"
SUMMARY = "summary"
BODY = "body"
HEADINGS = "headings"
TAGS = "tags"
AUTHORS = "authors"
AUTHOR_NAMES = "author_names"
TEAM = "team"
SERIES = "series"
DATE = "date"
EXCERPT = "excerpt"
HASH = "hash"

# Full-text fields and their weight when a plain word is searched.
TEXT_FIELDS: dict[str, float] = {TITLE: 4.0, HEADINGS: 2.0, SUMMARY: 1.5, BODY: 1.0}
# Keyword fields where a plain word also matches exactly (a word that is a tag ranks high).
KEYWORD_FIELDS: dict[str, float] = {TAGS: 3.0, SERIES: 2.0}
# Query filter prefix → keyword field.
FILTER_FIELDS = {"tag": TAGS, "author": AUTHORS, "team": TEAM, "series": SERIES}
# Multi-valued keyword fields are stored as one comma-separated string.
SEPARATOR = ","


def _stemmed_text(stem: object, **options: object) -> fields.TEXT:
    """A TEXT field on the default stemming analyzer, indexed through FastPositions."""
    field = fields.TEXT(analyzer=stem, **options)
    field.format = FastPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> fields.Schema:
    """Return a new Whoosh schema for posts."""
    stem = StemmingAnalyzer()
    return fields.Schema(
        **{
            PATH: fields.ID(unique=True, stored=True),
            URL: fields.STORED(),
            TITLE: _stemmed_text(stem, stored=True),
            SUMMARY: _stemmed_text(stem, stored=True),
            BODY: _stemmed_text(stem),
            HEADINGS: _stemmed_text(stem),
            TAGS: fields.KEYWORD(commas=True, lowercase=True, scorable=True, stored=True),
            AUTHORS: fields.KEYWORD(commas=True, lowercase=True, stored=True),
            AUTHOR_NAMES: fields.STORED(),
            TEAM: fields.KEYWORD(commas=True, lowercase=True, stored=True),
            SERIES: fields.KEYWORD(commas=True, lowercase=True, scorable=True, stored=True),
            # Stored only: the service filters and sorts by date from its own arrays
            # (memory.py); an indexed DATETIME added 8 terms per post (half of all terms).
            DATE: fields.STORED(),
            # The start of the body text, for a highlighted snippet when the summary has
            # no matching word (highlighting the whole body costs 20-45 ms per page).
            EXCERPT: fields.STORED(),
            HASH: fields.STORED(),
        }
    )
