"""Intrablog site configuration: the only settings file (Pelican's and our plugins').

Environment-specific values (the production SITEURL, output directory, drafts) come from
`blog build` options or environment variables, never from a second settings file.
"""

from __future__ import annotations

SITENAME = "Intrablog"
SITESUBTITLE = "Engineering notes from across the company"
# Absolute base used by feeds and the sitemap. `blog build --site-url` or BLOG_SITE_URL
# override it for production; pages themselves use relative links (RELATIVE_URLS).
SITEURL = "http://127.0.0.1:8000"
RELATIVE_URLS = True
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%d %B %Y"

PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
# Profiles and teams are not articles or pages: the people and teams plugins read them.
ARTICLE_EXCLUDES = ["authors", "teams", "pages"]
PAGE_EXCLUDES = ["authors", "teams", "posts"]
IGNORE_FILES = [".#*", "*~", "*.swp", "README.md"]
OUTPUT_PATH = "output/site"
DELETE_OUTPUT_DIRECTORY = True
THEME = "themes/intranet"

# Posts live in content/posts/<year>/; the year folder is not a category.
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "General"
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

ARTICLE_URL = "posts/{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "posts/{date:%Y}/{slug}/index.html"
# Drafts are never published; `blog build --drafts` (preview) turns these on.
DRAFT_URL = ""
DRAFT_SAVE_AS = ""
DRAFT_PAGE_URL = ""
DRAFT_PAGE_SAVE_AS = ""
PAGE_URL = "pages/{slug}/"
PAGE_SAVE_AS = "pages/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
CATEGORY_URL = "categories/{slug}/"
CATEGORY_SAVE_AS = "categories/{slug}/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
AUTHOR_URL = "people/{slug}/"
AUTHOR_SAVE_AS = "people/{slug}/index.html"
AUTHORS_URL = "people/"
AUTHORS_SAVE_AS = "people/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
TEAMS_URL = "teams/"
TEAMS_SAVE_AS = "teams/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "teams", "404"]
# Team pages (plugins.people) list their posts DEFAULT_PAGINATION at a time, as author pages do.
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None, "team": None}

# Feeds: Atom only, absolute links from SITEURL.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_ATOM_URL = "feeds/all.atom.xml"
TAG_FEED_ATOM = "feeds/tags/{slug}.atom.xml"
TAG_FEED_ATOM_URL = "feeds/tags/{slug}.atom.xml"
AUTHOR_FEED_ATOM = "feeds/people/{slug}.atom.xml"
AUTHOR_FEED_ATOM_URL = "feeds/people/{slug}.atom.xml"
CATEGORY_FEED_ATOM = "feeds/categories/{slug}.atom.xml"
CATEGORY_FEED_ATOM_URL = "feeds/categories/{slug}.atom.xml"
FEED_ATOM = None
FEED_RSS = None
FEED_ALL_RSS = None
CATEGORY_FEED_RSS = None
TAG_FEED_RSS = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
# Feed readers need the latest posts, not the archive: 20 full posts per feed (WordPress
# sends 10) keep ~350 tag, people and team feeds small to build and to poll.
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        # Stable heading ids feed the table of contents; no pilcrow links.
        "markdown.extensions.toc": {"permalink": False, "toc_depth": "2-4"},
    },
    "output_format": "html5",
}

# Pelican leaves autoescaping off; ours is on, and templates mark only sanitized HTML
# (content and summaries) as safe.
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
}

PLUGINS = [
    # First: its Markdown pool starts before content_checks reads every file at
    # article_generator_init, so the two overlap.
    "plugins.fastbuild",
    "plugins.content_checks",
    "plugins.sanitize",
    "plugins.reading",
    "plugins.sitemap",
    "plugins.featured",
    "plugins.portal",
    "plugins.git_metadata",
    "plugins.people",
    "plugins.search_index",
    "plugins.stats",  # after plugins.people: it adds "most read" to people's milestones
]

# plugins.sanitize: the allow-list applied to every post and page body and summary.
# Anything not listed is removed (tags keep their text); URLs keep only these schemes.
SANITIZE_ALLOWED_TAGS = [
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
]  # fmt: skip
SANITIZE_ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title", "lang", "dir"],
    "a": ["href", "hreflang"],
    "img": ["src", "alt", "width", "height", "loading"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "ol": ["start", "reversed", "type"],
    "abbr": ["title"],
    "code": ["class"],
}
SANITIZE_URL_SCHEMES = ["http", "https", "mailto"]
# Only these CSS properties survive, and only in table-cell style attributes (column alignment).
SANITIZE_STYLE_PROPERTIES = ["text-align"]

# plugins.reading
READING_WORDS_PER_MINUTE = 230
READING_TOC_MIN_HEADINGS = 3

# plugins.content_checks
CONTENT_CHECKS_STATUSES = ["published", "draft", "hidden"]

# plugins.featured: home page curation from content/featured.yml (see `blog feature`).
FEATURED_FILE = "featured.yml"
FEATURED_LIMIT = 3
# None = today (UTC); `blog build --now YYYY-MM-DD` previews another day.
FEATURED_NOW = None

# plugins.portal: JSON Feed 1.1 (site-wide and per team) and an embeddable HTML fragment.
PORTAL_FEED_ITEMS = 20
PORTAL_EMBED_ITEMS = 5
# plugins.git_metadata: dates, contributors and edit links from ONE pass over git history.
GIT_METADATA_ENABLED = True
GIT_METADATA_EDIT_URL = "https://git.northwind.example/intranet/blog/-/edit/main/{path}"
GIT_METADATA_HISTORY_URL = "https://git.northwind.example/intranet/blog/-/commits/main/{path}"
# Shared accounts (bots, the maintainers account that imports content) are not contributors;
# their commits neither credit anyone nor change a post's dates.
GIT_METADATA_IGNORE_EMAILS = ["*[[]bot[]]@*", "maintainers@*"]

# plugins.people: profiles, teams, experts, recognition.
PEOPLE_NEW_VOICE_DAYS = 120
PEOPLE_OUTDATED_DAYS = 730
# Topics that move fast go stale sooner (days).
PEOPLE_OUTDATED_DAYS_BY_TAG = {"kubernetes": 365, "ci": 365, "security": 365, "typescript": 365}
PEOPLE_EXPERTS_PER_TOPIC = 3
PEOPLE_TOP_QUARTERS = 4


# Tags written one way and meant another: `blog check` and the build tell the writer to use
# the tag on the right, and `blog new --tag` writes it directly.
CONTENT_CHECKS_TAG_ALIASES = {
    "k8s": "kubernetes",
    "postgresql": "postgres",
    "golang": "go",
    "js": "javascript",
    "ts": "typescript",
    "a11y": "accessibility",
    "incident-reviews": "incident-review",
}


# plugins.search_index: the Whoosh index beside the site (output/search-index/), related
# posts, the search page shell and opensearch.xml.
SEARCH_INDEX_DIR = "search-index"
SEARCH_RELATED_POSTS = 3

# Build speed (see the Benchmark section of README.md). Pelican caches each post's
# (html, metadata) by file mtime, uncompressed (gzip was a third of a no-op rebuild).
# The cache does not notice a change of MARKDOWN settings or plugins: `rm -rf output/cache`.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
GZIP_CACHE = False
CACHE_PATH = "output/cache"
CHECK_MODIFIED_METHOD = "mtime"
# Templates do not change during a build: skip Jinja's mtime check on every include.
JINJA_ENVIRONMENT = {**JINJA_ENVIRONMENT, "auto_reload": False}

# plugins.stats: the stats pages (stats/, stats/<team>/) and reading counts from access logs
# (`blog stats --access-log FILE` stores views per post page and day; no IPs, no user names).
STATS_VIEWS_FILE = "stats/views.json"  # relative to content/, or an absolute path
STATS_NOW = None  # None = build time; an ISO date pins it (reproducible builds)
STATS_MONTHS = 24
STATS_QUARTERS = 8
STATS_TOP_TAGS = 10
STATS_MOST_READ = 5
STATS_MOST_READ_DAYS = 30
STATS_REPEAT_MINUTES = 30
STATS_BOT_AGENTS: list[str] = []  # extra user-agent substrings treated as bots

# plugins.fastbuild: Markdown on every core and incremental writing (README "Benchmark").
FASTBUILD_PROCESSES = 0  # 0: one per core
FASTBUILD_PARALLEL_MIN_FILES = 64
FASTBUILD_INCREMENTAL = True
